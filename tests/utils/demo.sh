#!/usr/bin/env bash
# make demo: the collection as a user gets it, against the embedded KMS emulator.
#
# Builds the collection with ansible-galaxy, installs the tarball into an empty collections path,
# starts the emulator on free loopback ports, runs playbooks/key_lifecycle.yml twice and
# playbooks/migrate_to_region.yml twice, lets 100 days pass in the emulator and runs
# playbooks/rotate_due_keys.yml twice (and any playbooks named in DEMO_EXTRA_PLAYBOOKS), and prints
# where the keys are. Exits non-zero when a
# first run changed nothing or a second run changed anything. The emulator stops on any exit.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

run_playbook_twice() {
    local playbook="$1" log first second
    for run in first second; do
        echo
        echo "=== $playbook: $run run ==="
        log="$DEMO_WORK/$(basename "$playbook" .yml)-$run.log"
        ansible-playbook "$repo/playbooks/$playbook" | tee "$log"
        changed="$(sed -n 's/^localhost *: .*changed=\([0-9]*\).*/\1/p' "$log")"
        if [ "$run" = first ]; then first="$changed"; else second="$changed"; fi
    done
    if [ "${first:-0}" -eq 0 ] || [ "${second:-1}" -ne 0 ]; then
        echo "FAIL: $playbook changed $first task(s) on the first run and $second on the second" >&2
        exit 1
    fi
    echo ">>> $playbook: first run changed=$first, second run changed=0"
}

show_keys() {
    echo
    echo "=== where the keys are (the emulator's own view) ==="
    python - "$KMS_EMULATOR_ADMIN/keys" <<'PY'
import json, sys, urllib.request
keys = json.load(urllib.request.urlopen(sys.argv[1]))
print('%-8s %-11s %-8s %-11s %s' % ('BOUNDARY', 'NAME', 'TYPE', 'PROTECTION', 'STATUS'))
for boundary in ('global', 'KR', 'JPN'):
    for key in keys[boundary]:
        print('%-8s %-11s %-8s %-11s %s' % (boundary, key['keyName'], key['keyType'], key['protectionType'], key['status']))
PY
}

age_keys() {
    echo
    echo "=== let $1 days pass in the emulator (keys with automatic rotation rotate themselves) ==="
    python - "$KMS_EMULATOR_ADMIN/age" "$1" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1], data=json.dumps({'days': int(sys.argv[2])}).encode(), method='POST',
                                 headers={'Content-Type': 'application/json'})
print(json.load(urllib.request.urlopen(request)))
PY
}

if [ "${1:-}" = "--inside-emulator" ]; then
    run_playbook_twice key_lifecycle.yml
    run_playbook_twice migrate_to_region.yml
    age_keys 100
    run_playbook_twice rotate_due_keys.yml
    for playbook in ${DEMO_EXTRA_PLAYBOOKS:-}; do
        run_playbook_twice "$playbook"
    done
    show_keys
    exit 0
fi

bin="$("$repo/tests/venv.sh")"
export PATH="$bin:$PATH"
export DEMO_WORK="$repo/.tmp/demo"
rm -rf "$DEMO_WORK"
mkdir -p "$DEMO_WORK/collections"

echo "=== build and install the collection ==="
ansible-galaxy collection build "$repo" --output-path "$DEMO_WORK" --force
tarball="$(ls "$DEMO_WORK"/ncloud-kms-*.tar.gz)"
if tar -tzf "$tarball" | grep -E '(^|/)(\.venv|\.tmp|tests/output|tests/bench/results|__pycache__|\.pytest_cache|\.git)(/|$)'; then
    echo "FAIL: the tarball holds test output, virtual environments or caches (above)" >&2
    exit 1
fi
ansible-galaxy collection install "$tarball" -p "$DEMO_WORK/collections" --force

# Only the installed tarball is visible to the playbooks, not this checkout.
export ANSIBLE_COLLECTIONS_PATH="$DEMO_WORK/collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_INVENTORY="$repo/playbooks/inventory.ini"
export ANSIBLE_NOCOWS=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-0}"
exec "$repo/tests/emulator/with-emulator.sh" "$repo/tests/utils/demo.sh" --inside-emulator
