#!/usr/bin/env bash
# Runs the hook from .pre-commit-hooks.yaml with the real pre-commit client (from PyPI) on a
# scratch repository: a staged bad file must fail the hook, a staged clean file must pass.
# Needs: git, python3 with pre-commit installed, a Rust toolchain (the hook is `language: rust`).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
git init -q
git config user.email ci@example.invalid
git config user.name ci
git config commit.gpgsign false
export PRE_COMMIT_HOME="$scratch/.pre-commit-home"
# Reuse build output between runs when the caller points CARGO_TARGET_DIR somewhere persistent.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/pre-commit}"
export CARGO_PROFILE_RELEASE_LTO=false
# The hook only has to work here, not be fast: build it quickly.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=1
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

# A fake AWS key (not the documented EXAMPLE one) is a finding of secrets/aws-access-key-id.
printf 'aws_access_key_id = %s\n' "AKIA""QX7RZ2M4KD9PLW3N" > settings.ini
git add settings.ini
if pre-commit try-repo "$root" bylaw --verbose > bad.log 2>&1; then
  cat bad.log
  echo "FAIL: the hook passed on a staged secret" >&2
  exit 1
fi
grep -q "secrets/aws-access-key-id" bad.log || { cat bad.log; echo "FAIL: finding not shown" >&2; exit 1; }
if grep -q "QX7RZ2M4KD9PLW3N" bad.log; then
  echo "FAIL: the secret was printed in full" >&2
  exit 1
fi
echo "ok: staged bad file fails the hook"

git rm -q --cached settings.ini
rm settings.ini
printf 'hello = "world"\n' > clean.ini
git add clean.ini
if ! pre-commit try-repo "$root" bylaw --verbose > good.log 2>&1; then
  cat good.log
  echo "FAIL: the hook failed on a clean file" >&2
  exit 1
fi
echo "ok: staged clean file passes the hook"
