#!/usr/bin/env bash
# The documentation site in a real browser (part of make test's release checks, after make docs): headless Chromium,
# Debian's chromium package, installed here when missing (as root, from Debian's packages), loads every page of
# docs/build/html; tests/utils/site_check.py says what is checked. Screenshots go to .tmp/site/.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if ! command -v chromium >/dev/null; then
    echo "=== installing Debian's chromium for the site test ==="
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
fi
[ -f "$repo/docs/build/html/index.html" ] || "$repo/tests/utils/docs.sh"
"$("$repo/tests/venv.sh" docs)/python" "$repo/tests/utils/site_check.py" "$repo/docs/build/html" "$repo/.tmp/site"
