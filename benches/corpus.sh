#!/usr/bin/env bash
# Side-by-side benchmark on a generated corpus: bylaw (every built-in pack) against ripgrep, and —
# when installed (pip install checkov semgrep) — Checkov and Semgrep on the same tree, offline
# (Semgrep with the dozen local rules in benches/semgrep-rules.yaml), each limited to
# BENCH_TIMEOUT seconds (default 1800). bylaw and ripgrep run BENCH_RUNS times (default 5) and the
# median run is reported: small VMs are noisy.
#
#   benches/corpus.sh [-n FILES] [--gen PATH/TO/gen_corpus.py] [--threads N]
#
# Needs: python3, a release build (built here), GNU time at /usr/bin/time; ripgrep
# (`cargo install ripgrep`) for the ratio. Prints wall time, files/s, peak RSS and ratios.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=10000
gen="$root/../shared/bench/gen_corpus.py"
threads=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=$2; shift 2 ;;
    --gen) gen=$2; shift 2 ;;
    --threads) threads="--threads $2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$gen" ] || { echo "corpus generator not found: $gen (pass --gen)" >&2; exit 2; }
work=${BENCH_DIR:-$(mktemp -d)}
corpus="$work/corpus-$n"
if [ ! -d "$corpus" ]; then
  python3 "$gen" "$corpus" -n "$n" > /dev/null
fi
(cd "$root" && cargo build --release --locked -q)
bylaw="$root/target/release/bylaw"
files=$(find "$corpus" -type f | wc -l)
echo "machine: $(nproc) cores, $(uname -sr); corpus: $files files, $(du -sh "$corpus" | cut -f1)"

measure() { # name, command... — runs it $runs times and reports the median run
  local name=$1; shift
  local log all=""
  log=$(mktemp)
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M %U %S' -o "$log" "$@" > /dev/null 2>&1 || true
    all+="$(tail -n 1 "$log")"$'\n'
  done
  rm -f "$log"
  read -r secs kb user sys < <(printf '%s' "$all" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-10s %8.2fs wall %8.2fs CPU  %9.0f files/s  peak %6.0f MB  (median of %d)\n' "$name" \
    "$secs" "$(echo "$user + $sys" | bc -l)" "$(echo "$files / $secs" | bc -l)" \
    "$(echo "$kb / 1024" | bc -l)" "$runs"
  eval "${name//-/_}_secs=$secs"
}

# Warm the page cache so that every tool reads from memory.
cat $(find "$corpus" -type f | head -n 20000) > /dev/null 2>&1 || true
runs=${BENCH_RUNS:-5}
measure bylaw "$bylaw" check "$corpus" --no-cache --exit-zero --format json $threads
if command -v rg > /dev/null; then
  measure rg rg -uu -c 'AKIA[0-9A-Z]{16}' "$corpus"
  echo "ratio bylaw/rg: $(echo "$bylaw_secs / $rg_secs" | bc -l | cut -c1-6)"
fi
# Competitors run offline (no rule downloads, no version checks, no telemetry) with a time limit.
limit=${BENCH_TIMEOUT:-1800}
runs=1
if command -v checkov > /dev/null; then
  measure checkov timeout "$limit" checkov -d "$corpus" --quiet --compact --skip-download
  echo "ratio checkov/bylaw: $(echo "$checkov_secs / $bylaw_secs" | bc -l | cut -c1-6)"
fi
if command -v semgrep > /dev/null; then
  # A dozen local rules like bylaw's code pack (benches/semgrep-rules.yaml).
  SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off \
    measure semgrep timeout "$limit" semgrep scan --config "$root/benches/semgrep-rules.yaml" \
    --metrics=off --disable-version-check -q "$corpus"
  echo "ratio semgrep/bylaw: $(echo "$semgrep_secs / $bylaw_secs" | bc -l | cut -c1-6)"
fi
