#!/usr/bin/env bash
# The Event-Driven Ansible test (make test's eda stage): the shipped rulebooks run by ansible-rulebook, with the
# collection built and installed, against a fresh emulator. Each rulebook starts, its source takes a baseline (the
# checkpoint file appears), a key is changed through the API, and the rulebook's playbook must do its work within
# a bounded time; then the rulebook is stopped.
#   1. protect_from_console_deletion: a protected key scheduled for deletion comes back, and the report names who
#      scheduled it (the emulator's API user and address); an unprotected key stays scheduled.
#   2. reencrypt_after_rotation: after a rotation the key's file holds a ciphertext of the new version.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WAIT_SECONDS="${KMS_EDA_WAIT:-120}"

ensure_java() {
    # ansible-rulebook runs its rules engine (Drools) in Java 17 or later.
    local major
    major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1 || true)"
    if [ -z "$major" ] || [ "$major" -lt 17 ]; then
        echo ">>> installing Java 17 (openjdk-17-jre-headless) for ansible-rulebook" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >&2
    fi
}

if [ "${1:-}" != inside ]; then
    ensure_java
    bin="$("$repo/tests/venv.sh" eda)"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    # shellcheck disable=SC1091 # a file of this repository
    BIN="$bin" WORK="$work" source "$repo/tests/utils/installed-collection.sh"
    export KMS_EDA_WORK="$work"
    KMS_EMULATOR_PYTHON="$bin/python" "$repo/tests/emulator/with-emulator.sh" "$0" inside
    exit
fi

work="$KMS_EDA_WORK"
export ANSIBLE_LOCAL_TEMP="$work/tmp" ANSIBLE_NOCOLOR=1
mkdir -p "$work/tmp" "$work/secrets"
printf 'all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: %s\n' \
    "$(command -v python)" >"$work/inventory.yml"

module() { ansible localhost -i "$work/inventory.yml" -m "ncloud.kms.$1" -a "$2" >>"$work/modules.log" 2>&1; }
key_status() {
    python -c 'import json, sys, urllib.request
keys = json.load(urllib.request.urlopen(sys.argv[1] + "/keys"))
print([key["status"] for records in keys.values() for key in records if key["keyName"] == sys.argv[2]][0])' \
        "$KMS_EMULATOR_ADMIN" "$1"
}
wait_for() {   # wait_for WHAT COMMAND...: until the command succeeds, at most WAIT_SECONDS
    local what="$1" started
    shift
    started=$(date +%s)
    until "$@"; do
        if [ $(( $(date +%s) - started )) -ge "$WAIT_SECONDS" ]; then
            echo "FAIL: no $what within $WAIT_SECONDS seconds; the rulebook's log:" >&2
            tail -60 "$work/rulebook.log" >&2
            return 1
        fi
        if ! kill -0 "$rulebook_pid" 2>/dev/null; then
            echo "FAIL: ansible-rulebook stopped while waiting for $what; its log:" >&2
            tail -60 "$work/rulebook.log" >&2
            return 1
        fi
        sleep 1
    done
}
start_rulebook() {   # start_rulebook NAME VARS_FILE: the collection's rulebook by name, as the guide runs it
    ansible-rulebook --rulebook "ncloud.kms.$1" -i "$work/inventory.yml" --vars "$2" --print-events \
        >"$work/rulebook.log" 2>&1 &
    rulebook_pid=$!
}
stop_rulebook() {
    kill "$rulebook_pid" 2>/dev/null || true
    wait "$rulebook_pid" 2>/dev/null || true
}
trap stop_rulebook EXIT

module kms_key "name=db-master"
module kms_key "name=scratch"
module kms_key "name=app-secrets"
module kms_encrypt "key_name=app-secrets content=eda-marker dest=$work/secrets/app.ncpkms"

# ---- 1. a protected key scheduled for deletion comes back ------------------------------------------------------
cat >"$work/protect.yml" <<YAML
kms_events_delay: 1
kms_events_state_file: $work/protect-state.json
kms_protected_keys: [db-master]
kms_protection_report: $work/protected.log
YAML
start_rulebook protect_from_console_deletion "$work/protect.yml"
wait_for "baseline poll (checkpoint file)" test -s "$work/protect-state.json"
module kms_key "name=db-master state=absent"
module kms_key "name=scratch state=absent"
wait_for "report of the cancelled deletion" grep -qs 'db-master (global): deletion scheduled by api user emulator-user from 127.0.0.1, cancelled' "$work/protected.log"
wait_for "db-master enabled again" test "$(key_status db-master)" = ENABLE
stop_rulebook
if [ "$(key_status scratch)" != REVOKE ]; then
    echo "FAIL: the unprotected key scratch is $(key_status scratch), not REVOKE (pending deletion)" >&2
    exit 1
fi
echo ">>> protect_from_console_deletion: db-master's deletion cancelled and reported; scratch left pending deletion"

# ---- 2. a rotation renews the key's files --------------------------------------------------------------------
cat >"$work/reencrypt.yml" <<YAML
kms_events_delay: 1
kms_events_state_file: $work/rotate-state.json
kms_secret_paths:
  app-secrets: ['$work/secrets/*.ncpkms']
YAML
grep -q '^ncpkms:v1:' "$work/secrets/app.ncpkms"
start_rulebook reencrypt_after_rotation "$work/reencrypt.yml"
wait_for "baseline poll (checkpoint file)" test -s "$work/rotate-state.json"
module kms_key_rotate "name=app-secrets force=true"
wait_for "the file renewed to version 2" grep -q '^ncpkms:v2:' "$work/secrets/app.ncpkms"
stop_rulebook
echo ">>> reencrypt_after_rotation: app-secrets rotated, its file renewed to ncpkms:v2"
echo "eda: 2 passed, 0 failed"
