#!/usr/bin/env bash
# Print the path of a Python interpreter of the given minor version (e.g. 3.10), or fail.
# pyenv's shims do not work on this project's machines, so its versions are called by their full path.
set -euo pipefail
wanted="$1"
for candidate in "python$wanted" "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/"$wanted".*/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys, venv' >/dev/null 2>&1; then
        if [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$wanted" ]; then
            command -v "$candidate"
            exit 0
        fi
    fi
done
echo "no working Python $wanted found (looked for python$wanted and pyenv's versions/$wanted.*)" >&2
exit 1
