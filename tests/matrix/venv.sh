#!/usr/bin/env bash
# Create (or refresh) the virtual environment of one matrix row and print its bin directory.
#   tests/matrix/venv.sh ANSIBLE_CORE_VERSION PYTHON_VERSION [demo]
# "demo" installs only ansible-core and requests (what a user has); otherwise the test tools come too.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
core="$1" py="$2" kind="${3:-test}"
requirements="$repo/.tmp/matrix/requirements-$core-$kind.txt"
mkdir -p "$(dirname "$requirements")"
{
    echo "ansible-core==$core"
    if [ "$kind" = demo ]; then grep '^requests' "$repo/tests/matrix/requirements.txt"; else grep -v '^#' "$repo/tests/matrix/requirements.txt"; fi
} >"$requirements"
KMS_VENV="$repo/.venv-matrix/$core-$kind" KMS_REQUIREMENTS="$requirements" PYTHON="$("$repo/tests/python-for.sh" "$py")" \
    exec "$repo/tests/venv.sh"
