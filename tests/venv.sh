#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment and print the path of its bin directory.
# Re-installs only when tests/requirements.txt changed since the last install.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${KMS_VENV:-$repo/.venv}"
python="${PYTHON:-python3}"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$repo/tests/requirements.txt" | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv" >&2
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo/tests/requirements.txt" >&2
    echo "$wanted" >"$stamp"
fi
echo "$venv/bin"
