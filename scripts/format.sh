#!/bin/sh
# Formats every C++ file of the repository (tracked or new, not ignored: every source
# folder, the tests and the load tools) with clang-format; with --check, only checks.
# `make format` and the `format` ctest both run this, so they cover the same files.
set -e
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if [ "$1" = "--check" ]; then
  mode="--dry-run -Werror"
else
  mode="-i"
fi
# (A file deleted but not yet committed is still listed by git: skipped.)
git ls-files -co --exclude-standard -- '*.cpp' '*.h' | grep -v node_modules |
  while read -r file; do [ -f "$file" ] && echo "$file"; done | xargs "$CLANG_FORMAT" $mode
