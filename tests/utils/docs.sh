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
"$work/src/build.sh"
mv "$work/src/build" "$repo/docs/build"
echo "documentation: $repo/docs/build/html/index.html (open it in a browser)"
