#!/usr/bin/env bash
# make demo: the collection as a user gets it, against the embedded KMS emulator.
#
# Builds the collection with ansible-galaxy, installs the tarball into an empty collections path (with a
# virtual environment holding only ansible-core and requests), starts the emulator on free loopback ports and:
#   1. runs every playbook (and the README's example tasks) with --check on the empty emulator: nothing may
#      fail and nothing may be written;
#   2. runs each playbook with --check and then for real, twice: the --check run must report as many changes as
#      the first real run: playbooks/key_lifecycle.yml and playbooks/migrate_to_region.yml twice, lets 100 days pass in
#      the emulator and runs playbooks/rotate_due_keys.yml twice, playbooks/secrets_in_vars.yml twice (and checks
#      that the deployed config holds the decrypted password), then the README's example tasks twice (and any
#      playbooks named in DEMO_EXTRA_PLAYBOOKS);
#   3. reads a vaulted group_vars file with the installed collection's Ansible Vault password client, whose password
#      only the emulator's KMS can give;
#   4. prints where the keys are.
# Exits non-zero when a check run fails or writes, a first run changed nothing or a second run changed anything.
# The emulator stops on any exit.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PLAYBOOKS="key_lifecycle.yml migrate_to_region.yml rotate_due_keys.yml retire_unused_keys.yml secrets_in_vars.yml ${DEMO_EXTRA_PLAYBOOKS:-}"

changed_count() {
    sed -n 's/^localhost *: .*changed=\([0-9]*\).*/\1/p' "$1"
}

run_playbook_twice() {
    # --check first, on the state the first run meets: it must report the same number of changes as that run.
    local playbook="$1" log check first second
    shift
    echo
    echo "=== $(basename "$playbook"): --check before the first run ==="
    log="$DEMO_WORK/$(basename "$playbook" .yml)-check.log"
    ansible-playbook --check "$playbook" "$@" | tee "$log"
    check="$(changed_count "$log")"
    for run in first second; do
        echo
        echo "=== $(basename "$playbook"): $run run ==="
        log="$DEMO_WORK/$(basename "$playbook" .yml)-$run.log"
        ansible-playbook "$playbook" "$@" | tee "$log"
        if [ "$run" = first ]; then first="$(changed_count "$log")"; else second="$(changed_count "$log")"; fi
    done
    if [ "${first:-0}" -eq 0 ] || [ "${second:-1}" -ne 0 ]; then
        echo "FAIL: $playbook changed $first task(s) on the first run and $second on the second" >&2
        exit 1
    fi
    if [ "${check:-x}" != "$first" ]; then
        echo "FAIL: $playbook: --check reported changed=$check, the first run changed=$first" >&2
        exit 1
    fi
    echo ">>> $(basename "$playbook"): --check changed=$check, first run changed=$first, second run changed=0"
}

admin() {
    python - "$KMS_EMULATOR_ADMIN/$1" "$2" "${3:-}" <<'PY'
import json, sys, urllib.request
url, method, body = sys.argv[1], sys.argv[2], sys.argv[3]
request = urllib.request.Request(url, data=body.encode() if body else None, method=method,
                                 headers={'Content-Type': 'application/json'})
print(json.dumps(json.load(urllib.request.urlopen(request))))
PY
}

check_everything_first() {
    # What an operator sees with --check before the first real run on a fresh account.
    for playbook in $PLAYBOOKS "$DEMO_WORK/readme_examples.yml"; do
        case "$playbook" in /*) ;; *) playbook="$repo/playbooks/$playbook" ;; esac
        echo
        echo "=== $(basename "$playbook"): --check on the empty emulator ==="
        ansible-playbook --check "$playbook" -e "secrets_dir=$DEMO_WORK/secrets-check"
    done
    if [ -e "$DEMO_WORK/secrets-check" ]; then
        echo "FAIL: the --check run created $DEMO_WORK/secrets-check" >&2
        exit 1
    fi
    writes="$(admin requests GET | python -c 'import json, sys; print(json.load(sys.stdin)["writes"])')"
    if [ "$writes" -ne 0 ]; then
        echo "FAIL: the --check runs sent $writes write(s)" >&2
        exit 1
    fi
    echo ">>> every playbook passed --check on an empty emulator, with no write"
}

show_keys() {
    echo
    echo "=== where the keys are (the emulator's own view) ==="
    admin keys GET | python -c '
import json, sys
keys = json.load(sys.stdin)
rows = [("BOUNDARY", "NAME", "TYPE", "PROTECTION", "STATUS", "VERSION")]
rows += [(boundary, key["keyName"], key["keyType"], key["protectionType"], key["status"], str(key["currentVersion"]))
         for boundary in ("global", "KR", "JPN") for key in keys[boundary]]
widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
for row in rows:
    print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())'
}

vault_demo() {
    # Ansible Vault unlocked by NCP KMS: the installed collection's vault password client keeps the password as a
    # ciphertext; a vaulted group_vars file is read by a play whose password only the emulator's KMS can give.
    local client="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/ncloud/kms/extensions/vault/ncloud-kms-client.py"
    local dir="$DEMO_WORK/vault" password
    echo
    echo "=== Ansible Vault with its password kept by NCP KMS ($client) ==="
    mkdir -p "$dir/group_vars"
    export NCLOUD_KMS_VAULT_DIR="$dir/ncpkms-vault"
    ansible localhost -m ncloud.kms.kms_key -a name=demo-vault >/dev/null
    "$client" --vault-id demo --set --generate --key-name demo-vault
    ansible-vault encrypt_string --vault-id "demo@$client" 'the-vaulted-db-admin-password' --name db_admin_password \
        >"$dir/group_vars/all.yml"
    printf '%s\n' '- name: Read a vaulted variable' '  hosts: localhost' '  gather_facts: false' '  tasks:' \
        '    - name: Say it (this play is meant to show it)' '      ansible.builtin.debug:' \
        '        msg: "db_admin_password is {{ db_admin_password }}"' >"$dir/read_vaulted.yml"
    ansible-playbook "$dir/read_vaulted.yml" --vault-id "demo@$client" | tee "$dir/play.log"
    grep -q 'db_admin_password is the-vaulted-db-admin-password' "$dir/play.log" || {
        echo "FAIL: the play did not read the vaulted variable" >&2; exit 1; }
    password="$("$client" --vault-id demo)"
    if grep -rqF "$password" "$dir"; then
        echo "FAIL: the vault password is in a file of $dir" >&2
        exit 1
    fi
    echo ">>> the vault password of 'demo' is an NCP KMS ciphertext in $NCLOUD_KMS_VAULT_DIR/demo.ncpkms; no file holds it"
    unset NCLOUD_KMS_VAULT_DIR
}

readme_examples() {
    # The README's example tasks (the yaml block after the "tested example" marker), as one playbook.
    python - "$repo/README.md" "$DEMO_WORK/readme_examples.yml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
block = re.search(r'<!-- tested example: make demo runs these tasks[^>]*-->\s*```yaml\n(.*?)```', text, re.S).group(1)
tasks = '\n'.join('    ' + line if line else line for line in block.splitlines())
play = ('---\n- name: The README example tasks\n  hosts: localhost\n  gather_facts: false\n  module_defaults:\n'
        '    group/ncloud.kms.kms:\n'
        "      access_key: \"{{ lookup('ansible.builtin.env', 'NCLOUD_ACCESS_KEY') }}\"\n"
        "      secret_key: \"{{ lookup('ansible.builtin.env', 'NCLOUD_SECRET_KEY') }}\"\n"
        '  tasks:\n' + tasks + '\n')
open(sys.argv[2], 'w').write(play)
PY
}

module_examples() {
    # kms_key's EXAMPLES as one playbook, run twice: the first run changes keys, the second nothing. The task that
    # reaches a private gateway is left out: its endpoints are hosts of a private network, not the emulator.
    python - "$repo/plugins/modules/kms_key.py" "$DEMO_WORK/kms_key_examples.yml" <<'PY'
import ast, sys, yaml
source = ast.parse(open(sys.argv[1]).read())
examples = next(node.value.value for node in source.body if isinstance(node, ast.Assign)
                and getattr(node.targets[0], 'id', None) == 'EXAMPLES')
tasks = [task for task in yaml.safe_load(examples) if 'module_defaults' not in task]
play = [{'name': "kms_key's examples", 'hosts': 'localhost', 'gather_facts': False,
         'module_defaults': {'group/ncloud.kms.kms': {
             'access_key': "{{ lookup('ansible.builtin.env', 'NCLOUD_ACCESS_KEY') }}",
             'secret_key': "{{ lookup('ansible.builtin.env', 'NCLOUD_SECRET_KEY') }}"}},
         'tasks': tasks}]
open(sys.argv[2], 'w').write('---\n' + yaml.safe_dump(play, sort_keys=False, width=120))
PY
    local log first second
    for run in first second; do
        echo
        echo "=== kms_key's examples as one playbook: $run run ==="
        log="$DEMO_WORK/kms_key_examples-$run.log"
        ansible-playbook "$DEMO_WORK/kms_key_examples.yml" | tee "$log"
        if [ "$run" = first ]; then first="$(changed_count "$log")"; else second="$(changed_count "$log")"; fi
    done
    if [ "${first:-0}" -eq 0 ] || [ "${second:-1}" -ne 0 ]; then
        echo "FAIL: kms_key's examples changed $first keys on the first run and $second on the second (want >0, then 0)" >&2
        exit 1
    fi
}

expect_changes() {
    # expect_changes N LOG COMMAND...: run an ansible-playbook command into LOG; its recap must say changed=N.
    local want="$1" log="$2" got
    shift 2
    "$@" | tee "$log"
    got="$(changed_count "$log")"
    if [ "$got" != "$want" ]; then
        echo "FAIL: $* reported changed=$got; expected $want" >&2
        exit 1
    fi
}

keystore_guide() {
    # The steps of the guide "Adopt an existing keystore" (docs/docsite/rst/keystore.rst), on the keys the demo made:
    # gather them into a vars file, apply it with --check --diff (no change), change one key in the file and apply
    # (one change, then none), make a key outside the file, and see it with overridden --check --diff.
    local dir="$DEMO_WORK/keystore" file
    file="$dir/group_vars/all/kms_keystore.yml"
    echo
    echo "=== Adopt an existing keystore (the guide's steps) ==="
    mkdir -p "$dir/group_vars/all"
    expect_changes 1 "$dir/1-gather.log" ansible-playbook "$repo/playbooks/keystore_gather.yml" -e "keystore_file=$file"
    expect_changes 0 "$dir/2-check.log" ansible-playbook "$repo/playbooks/keystore_apply.yml" -e "@$file" --check --diff
    python - "$file" <<'PY'
import sys, yaml
path = sys.argv[1]
data = yaml.safe_load(open(path))
entry = next(entry for entry in data['kms_keystore'] if entry['name'] == 'app-data')
entry['memo'] = 'Changed in the file'
open(path, 'w').write(yaml.safe_dump(data, sort_keys=False))
PY
    expect_changes 1 "$dir/3-apply.log" ansible-playbook "$repo/playbooks/keystore_apply.yml" -e "@$file"
    expect_changes 0 "$dir/4-again.log" ansible-playbook "$repo/playbooks/keystore_apply.yml" -e "@$file"
    ansible localhost -m ncloud.kms.kms_key -a name=console-made >/dev/null
    expect_changes 1 "$dir/5-drift.log" ansible-playbook "$repo/playbooks/keystore_apply.yml" -e "@$file" \
        -e keystore_state=overridden --check --diff
    grep -q 'global/console-made - disable' "$dir/5-drift.log" || {
        echo "FAIL: overridden --check did not report the key made outside the file" >&2; exit 1; }
    echo ">>> the keystore is code: $(grep -c '^- ' "$file") keys in $file; a key made outside it shows as drift"
}

if [ "${1:-}" = "--inside-emulator" ]; then
    readme_examples
    check_everything_first
    run_playbook_twice "$repo/playbooks/key_lifecycle.yml"
    run_playbook_twice "$repo/playbooks/migrate_to_region.yml"
    echo
    echo "=== let 100 days pass in the emulator (keys with automatic rotation rotate themselves) ==="
    admin age POST '{"days": 100}'
    run_playbook_twice "$repo/playbooks/rotate_due_keys.yml"
    echo
    echo "=== two JPN keys never used, for retire_unused_keys.yml (the demo's own keys are never used for crypto either) ==="
    admin seed POST '{"count": 2, "prefix": "idle", "boundary": "JPN"}'
    run_playbook_twice "$repo/playbooks/retire_unused_keys.yml" -e unused_days=90 -e retire_region=JPN
    run_playbook_twice "$repo/playbooks/secrets_in_vars.yml" -e "secrets_dir=$DEMO_WORK/secrets"
    if ! grep -q '^password = correct-horse-battery-staple$' "$DEMO_WORK/secrets/app.conf"; then
        echo "FAIL: the deployed config does not hold the decrypted password" >&2
        exit 1
    fi
    echo ">>> secrets_in_vars.yml: the config holds the password decrypted from $(cut -c1-16 "$DEMO_WORK/secrets/db_password.ncpkms")..."
    vault_demo
    run_playbook_twice "$DEMO_WORK/readme_examples.yml"
    module_examples
    keystore_guide
    for playbook in ${DEMO_EXTRA_PLAYBOOKS:-}; do
        run_playbook_twice "$repo/playbooks/$playbook"
    done
    show_keys
    exit 0
fi

# Only what the collection needs: ansible-core and requests (not the test tools). KMS_DEMO_CORE and
# KMS_DEMO_PYTHON choose another row of tests/matrix/versions.txt (the compat stage of make test).
if [ -n "${KMS_DEMO_CORE:-}" ]; then
    bin="$("$repo/tests/venv.sh" row "$KMS_DEMO_CORE" "$KMS_DEMO_PYTHON" demo)"
    export DEMO_WORK="$repo/.tmp/demo-$KMS_DEMO_CORE"
else
    bin="$("$repo/tests/venv.sh" demo)"
    export DEMO_WORK="$repo/.tmp/demo"
fi
export PATH="$bin:$PATH"
# ansible-core 2.19 imports cryptography's DSA support for its SSH agent code, and cryptography 46 warns about it
# (CryptographyDeprecationWarning: DSA is deprecated) in every ansible process: 29 copies in one demo, none of them the
# collection's. The demo's own environment filters that one warning by its text (no import at start-up); every
# other warning still shows.
export PYTHONWARNINGS="ignore:DSA is deprecated${PYTHONWARNINGS:+,$PYTHONWARNINGS}"
echo "=== ansible-core $("$bin/python" -c 'import ansible; print(ansible.__version__)') on Python $("$bin/python" -c 'import sys; print(sys.version.split()[0])') ==="
rm -rf "$DEMO_WORK"
mkdir -p "$DEMO_WORK/collections"

# Only the installed tarball is visible to the playbooks, not this checkout; set before the install so that
# ansible-galaxy installs into a path it is configured to use.
export ANSIBLE_COLLECTIONS_PATH="$DEMO_WORK/collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

echo "=== build and install the collection ==="
ansible-galaxy collection build "$repo" --output-path "$DEMO_WORK" --force
tarball="$(ls "$DEMO_WORK"/ncloud-kms-*.tar.gz)"
if tar -tzf "$tarball" | grep -E '(^|/)(\.venvs|\.tmp|tests/output|tests/bench/results|__pycache__|\.pytest_cache|\.git)(/|$)'; then
    echo "FAIL: the tarball holds test output, virtual environments or caches (above)" >&2
    exit 1
fi
ansible-galaxy collection install "$tarball" -p "$DEMO_WORK/collections" --force

export ANSIBLE_INVENTORY="$repo/playbooks/inventory.ini"
export ANSIBLE_NOCOWS=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-0}"
KMS_EMULATOR_PYTHON="$bin/python" exec "$repo/tests/emulator/with-emulator.sh" "$repo/tests/utils/demo.sh" --inside-emulator
