#!/bin/sh
# Run every fuzz target for SECONDS each (default 180), two at a time, at low priority, using the
# binaries from `RUSTC_BOOTSTRAP=1 cargo fuzz build` (so that edits to the tree during the run do
# not trigger rebuilds). Crashes land in fuzz/artifacts/<target>/; copy each one to
# fixtures/_adversarial/fuzz/<target>-<n>.<ext> (tests/adversarial.rs replays them).
set -u
cd "$(dirname "$0")"
SECONDS_EACH=${1:-180}
BIN=target/x86_64-unknown-linux-gnu/release
run() {
    mkdir -p corpus/"$1" artifacts/"$1" logs
    nice "$BIN/$1" corpus/"$1" -artifact_prefix=artifacts/"$1"/ -max_total_time="$SECONDS_EACH" \
        -timeout=10 -rss_limit_mb=4096 -max_len=65536 > logs/"$1".log 2>&1
    echo "$1 exit $? $(grep -E '^#[0-9]+' logs/"$1".log | tail -1)"
}
set -- yaml hcl dockerfile code rust suppress rule_file config engine
while [ $# -gt 0 ]; do
    a=$1; shift
    if [ $# -gt 0 ]; then b=$1; shift; run "$a" & run "$b"; wait; else run "$a"; fi
done
