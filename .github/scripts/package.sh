#!/usr/bin/env bash
# Package one release binary: bylaw-VERSION-TARGET.tar.gz (a folder of that name holding the
# binary, the licences and the README) and its SHA-256 checksum file, in OUT_DIR. Used by the
# release workflow and by the test of action.yml's install step, so both see the same layout.
# Usage: package.sh VERSION TARGET BINARY OUT_DIR
set -euo pipefail
version="$1"
target="$2"
binary="$3"
out="$4"
root="$(cd "$(dirname "$0")/../.." && pwd)"
name="bylaw-${version}-${target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/$name" "$out"
exe=""
case "$target" in *windows*) exe=".exe" ;; esac
cp "$binary" "$work/$name/bylaw${exe}"
cp "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$root/README.md" "$work/$name/"
tar -C "$work" -czf "$out/$name.tar.gz" "$name"
cd "$out"
if command -v sha256sum >/dev/null 2>&1; then
  sha256sum "$name.tar.gz" > "$name.tar.gz.sha256"
else
  shasum -a 256 "$name.tar.gz" > "$name.tar.gz.sha256"
fi
