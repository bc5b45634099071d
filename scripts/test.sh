#!/usr/bin/env bash
# Installs what is missing, builds, checks the contracts with buf and runs
# every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

BUF=.tools/node_modules/.bin/buf
echo "== buf lint"
"$BUF" lint proto
# No change may break a client of the previous commit's contracts.
if git rev-parse --verify --quiet HEAD~1 >/dev/null &&
   git cat-file -e HEAD~1:proto/buf.yaml 2>/dev/null; then
  echo "== buf breaking against HEAD~1"
  "$BUF" breaking proto --against ".git#ref=HEAD~1,subdir=proto"
else
  echo "== buf breaking: no previous contracts to compare with"
fi

echo "== ctest"
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
