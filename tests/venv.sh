#!/usr/bin/env bash
# The one script that makes the project's virtual environments; prints the path of the environment's bin folder.
# Re-installs only when the requirements changed since the last install.
#
#   tests/venv.sh                       .venvs/test: the test tools (tests/requirements.txt)
#   tests/venv.sh demo|docs|publish|awx|eda  .venvs/KIND (tests/requirements-KIND.txt)
#   tests/venv.sh row CORE PYTHON [demo] .venvs/matrix/CORE-test (or -demo): one row of tests/matrix/versions.txt,
#                                       ansible-core CORE on Python PYTHON (e.g. 2.16.19 3.10), with the test
#                                       tools of tests/matrix/requirements.txt, or only requests for demo
# Every environment lives under .venvs/ (git-ignored; make clean removes it).
# KMS_VENV and KMS_REQUIREMENTS override the folder and the requirements file; PYTHON the interpreter.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kind="${1:-test}"
python="${PYTHON:-python3}"

case "$kind" in
    test) venv="$repo/.venvs/test" requirements="$repo/tests/requirements.txt" ;;
    demo|docs|publish|awx|eda) venv="$repo/.venvs/$kind" requirements="$repo/tests/requirements-$kind.txt" ;;
    row)
        core="$2" py="$3" row_kind="${4:-test}"
        venv="$repo/.venvs/matrix/$core-$row_kind"
        requirements="$repo/.tmp/matrix/requirements-$core-$row_kind.txt"
        mkdir -p "$(dirname "$requirements")"
        {
            echo "ansible-core==$core"
            if [ "$row_kind" = demo ]; then grep '^requests' "$repo/tests/matrix/requirements.txt"
            else grep -v '^#' "$repo/tests/matrix/requirements.txt"; fi
        } >"$requirements"
        python="$("$repo/tests/python-for.sh" "$py")"
        ;;
    *) echo "usage: $0 [test|demo|docs|publish|awx|eda|row CORE PYTHON [demo]]" >&2; exit 2 ;;
esac
venv="${KMS_VENV:-$venv}"
requirements="${KMS_REQUIREMENTS:-$requirements}"
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
