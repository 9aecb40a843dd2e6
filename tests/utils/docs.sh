#!/usr/bin/env bash
# make docs: the collection's HTML documentation, built with antsibull-docs and Sphinx the way the Ansible
# documentation site shows collections, into docs/build (git-ignored). Open docs/build/html/index.html.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$("$repo/tests/venv.sh" docs)"
export PATH="$bin:$PATH"
work="$repo/.tmp/docs"
rm -rf "$work" "$repo/docs/build" && mkdir -p "$work/collections" "$work/src" "$repo/docs"
ansible-galaxy collection build "$repo" --output-path "$work" --force >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
ansible-galaxy collection install "$work"/ncloud-kms-*.tar.gz -p "$work/collections" --force >/dev/null
antsibull-docs sphinx-init --use-current --lenient --dest-dir "$work/src" --project ncloud.kms \
    --copyright "ncloud.kms contributors" --title "ncloud.kms" ncloud.kms >/dev/null
# The build has no network: the intersphinx inventories it falls back to (in src/, which its conf.py's ../NAME.inv means)
# are written here, Ansible's from docs/ansible-devel-labels.txt, so that every reference resolves offline.
python - "$repo/docs/ansible-devel-labels.txt" "$work/src" <<'PY'
import os, sys, zlib
labels, work = sys.argv[1:3]
entries = {'ansible_devel': [], 'python2': [], 'python3': [], 'jinja2': []}
for line in open(labels):
    if line.strip() and not line.startswith('#'):
        name, page, title = line.split(None, 2)
        entries['ansible_devel'].append('%s std:label -1 %s %s' % (name, page, title.strip()))
for inventory, lines in entries.items():
    with open(os.path.join(work, inventory + '.inv'), 'wb') as out:
        out.write(('# Sphinx inventory version 2\n# Project: %s\n# Version: devel\n'
                   '# The remainder of this file is compressed using zlib.\n' % inventory).encode())
        out.write(zlib.compress(''.join(line + '\n' for line in lines).encode()))
PY
"$work/src/build.sh" 2>&1 | tee "$work/build.log"
# No warning: a broken reference, a guide antsibull-docs could not render or a Sphinx complaint fails make docs.
if grep -E 'WARNING|ERROR' "$work/build.log" | grep -v "^WARNING: Location '"; then
    echo "FAIL: the documentation build warned (above)" >&2
    exit 1
fi
mv "$work/src/build" "$repo/docs/build"
echo "documentation: $repo/docs/build/html/index.html (open it in a browser)"
