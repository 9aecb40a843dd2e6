#!/usr/bin/env bash
# The publishing checks of make test, on the built collection (in their own virtual environment):
#   1. antsibull-docs lint-collection-docs --plugin-docs: no error;
#   2. galaxy-importer on the tarball, without containers (RUN_ANSIBLE_TEST=false; ansible-doc and ansible-lint
#      run): no error, and no warning other than those in tests/utils/importer-kept-warnings.txt (none today);
#   3. ansible-builder create on the README's execution-environment.yml: the build context installs the collection,
#      whose meta/execution-environment.yml adds requests (ansible-builder introspect on the installed tarball);
#      building the image needs a container engine, which CI does not have.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$("$repo/tests/venv.sh" publish)"
export PATH="$bin:$PATH"
work="$repo/.tmp/publish"
rm -rf "$work" && mkdir -p "$work/collections"

ansible-galaxy collection build "$repo" --output-path "$work" --force >/dev/null
tarball="$(ls "$work"/ncloud-kms-*.tar.gz)"
ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-galaxy collection install "$tarball" -p "$work/collections" --force >/dev/null

echo "=== antsibull-docs lint-collection-docs --plugin-docs ==="
(cd "$work/collections/ansible_collections/ncloud/kms" &&
    ANSIBLE_COLLECTIONS_PATH="$work/collections" antsibull-docs lint-collection-docs --plugin-docs .)
echo "antsibull-docs: no error"

echo "=== galaxy-importer $(python -c 'import galaxy_importer; print(galaxy_importer.__version__)' 2>/dev/null) ==="
(cd "$work" && GALAXY_IMPORTER_RUN_ANSIBLE_TEST=false GALAXY_IMPORTER_RUN_ANSIBLE_DOC=true \
    GALAXY_IMPORTER_RUN_ANSIBLE_LINT=true python -m galaxy_importer.main "$tarball" 2>&1) | tee "$work/importer.log"
grep -q 'Importer processing completed successfully' "$work/importer.log"
if grep -Ei '^(error|critical)|\berror:' "$work/importer.log"; then
    echo "FAIL: galaxy-importer reported errors (above)" >&2
    exit 1
fi
unexpected="$(grep -Ei 'warning' "$work/importer.log" | grep -Evf <(grep -v '^#' "$repo/tests/utils/importer-kept-warnings.txt" | grep .) || true)"
if [ -n "$unexpected" ]; then
    printf 'FAIL: galaxy-importer warnings that are not in tests/utils/importer-kept-warnings.txt:\n%s\n' "$unexpected" >&2
    exit 1
fi
echo "galaxy-importer: no error, no unexpected warning"

echo "=== ansible-builder create (the README's execution-environment.yml) ==="
python - "$repo/README.md" "$work/ee/execution-environment.yml" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
block = re.search(r'<!-- tested example: ansible-builder create[^>]*-->\s*```yaml\n(.*?)```', text, re.S).group(1)
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
open(sys.argv[2], 'w').write(block)
PY
(cd "$work/ee" && ansible-builder create -f execution-environment.yml -c context >/dev/null)
grep -rqs 'name: ncloud.kms' "$work/ee/context/_build/requirements.yml" || { echo "FAIL: the build context does not name ncloud.kms" >&2; exit 1; }
# Beside ansible-core (the base image's), the image installs the collection and what its meta/execution-environment.yml
# declares: requests. ansible-builder reads that file when it introspects the installed collection inside the build,
# so the check runs that introspection on the tarball's installed copy: requests and nothing else.
python - "$work/ee/context/_build" "$work/collections" <<'PY'
import os, subprocess, sys, yaml
build, collections_path = sys.argv[1:3]
galaxy = yaml.safe_load(open(os.path.join(build, 'requirements.yml')))
collections = [entry['name'] for entry in galaxy.get('collections', [])]
assert collections == ['ncloud.kms'] and not galaxy.get('roles'), galaxy
found = subprocess.run(['ansible-builder', 'introspect', collections_path], check=True, stdout=subprocess.PIPE,
                       universal_newlines=True).stdout
python = yaml.safe_load(found)['python']
names = [line.split('#')[0].split('>')[0].split('=')[0].split('<')[0].strip() for line in python]
assert names == ['requests'], python
print('ansible-builder: the image installs ncloud.kms and, from its meta/execution-environment.yml, requests')
PY
