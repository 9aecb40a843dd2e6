#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment and print the path of its bin directory.
# Re-installs only when the requirements file changed since the last install.
#   KMS_VENV          the environment's folder (default .venv)
#   KMS_REQUIREMENTS  what to install (default tests/requirements.txt, the test tools)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${KMS_VENV:-$repo/.venv}"
requirements="${KMS_REQUIREMENTS:-$repo/tests/requirements.txt}"
python="${PYTHON:-python3}"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv" >&2
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
    echo "$wanted" >"$stamp"
fi
echo "$venv/bin"
