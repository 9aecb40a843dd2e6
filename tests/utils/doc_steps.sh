#!/usr/bin/env bash
# make test's docs stage: the steps of the guides (every code block marked with ".. step:", see doc_steps.py) run
# against the emulator, as a reader follows them. The reader's setup, which the tutorial's "Before you start" gives,
# is done here: the collection built and installed into an empty path with a virtual environment holding only
# ansible-core and requests (make demo's), and the emulator started on port 8080 (make emulator's), with the
# variables its banner prints. Each page starts from an empty emulator in a folder of its own.
#
#   tests/utils/doc_steps.sh [PAGE.rst...]      (default: every page of docs/docsite/rst)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
port="${KMS_DOCS_PORT:-8080}"

if [ "${1:-}" = --inside ]; then
    shift
    export NCLOUD_ACCESS_KEY_ID="$NCLOUD_ACCESS_KEY" NCLOUD_SECRET_ACCESS_KEY="$NCLOUD_SECRET_KEY"
    unset NCLOUD_ACCESS_KEY NCLOUD_SECRET_KEY NCLOUD_KMS_KEY_CACHE
    export KMS_DOCS_RESET="python -c \"import urllib.request as u; u.urlopen(u.Request('$KMS_EMULATOR_ADMIN/reset', method='POST'))\""
    exec python "$repo/tests/utils/doc_steps.py" "$@"
fi

# make demo's requirements in a folder of its own: make test builds .venvs/demo in another lane at the same time
bin="$(KMS_VENV="$repo/.venvs/docs-steps" KMS_REQUIREMENTS="$repo/tests/requirements-demo.txt" "$repo/tests/venv.sh" demo)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC1091 # a file of this repository
BIN="$bin" WORK="$work" source "$repo/tests/utils/installed-collection.sh"
export HOME="$work/home"
mkdir -p "$HOME"
if [ "$#" -eq 0 ]; then
    set -- "$repo"/docs/docsite/rst/*.rst
fi
KMS_EMULATOR_PYTHON="$bin/python" KMS_EMULATOR_ARGS="--port $port" \
    "$repo/tests/emulator/with-emulator.sh" "$0" --inside "$@"
