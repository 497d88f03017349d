#!/usr/bin/env bash
# Formats every tracked C++ file with the repository's .clang-format (clang-format 14, Debian 12).
# --check changes nothing: it lists the files that differ and fails if there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = "--check" ]; then
    differing=()
    for file in "${files[@]}"; do
        clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || differing+=("$file")
    done
    if [ ${#differing[@]} -gt 0 ]; then
        echo "Not formatted as .clang-format says (run ./scripts/format.sh):" >&2
        printf '  %s\n' "${differing[@]}" >&2
        exit 1
    fi
    exit 0
fi
clang-format -i "${files[@]}"
