#!/usr/bin/env bash
# make awx: jobs as AWX / AAP runs them, offline and without a container engine (see run_jobs.py).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$("$repo/tests/venv.sh" awx)"
export PATH="$bin:$PATH"
KMS_EMULATOR_PYTHON="$bin/python" exec "$repo/tests/emulator/with-emulator.sh" "$bin/python" "$repo/tests/awx/run_jobs.py" "$@"
