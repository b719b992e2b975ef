#!/usr/bin/env bash
# Tree of Helm charts for benchmarking chart rendering: N charts, alternating copies of the two
# fixture charts in fixtures/_helm/ (webapp: helpers, subchart, globals, Files; planted: findings
# literal and from values).
#
#     benches/gen_charts.sh OUT [N]      # default N=200: 2,300 files, 1,500 templates
set -euo pipefail
out=${1:?usage: gen_charts.sh OUT [N]}
n=${2:-200}
src=$(cd "$(dirname "$0")/../fixtures/_helm" && pwd)
mkdir -p "$out"
for ((i = 0; i < n; i++)); do
  if ((i % 2 == 0)); then chart=webapp; else chart=planted; fi
  rm -rf "$out/c$i"
  cp -r "$src/$chart" "$out/c$i"
done
find "$out" -type f | wc -l
