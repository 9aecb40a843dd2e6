#!/usr/bin/env bash
# Run a command against a fresh KMS emulator on free loopback ports, then stop the emulator.
#
#   tests/emulator/with-emulator.sh ansible-playbook -i inventory play.yml
#
# Exports for the command: NCLOUD_KMS_ENDPOINT, NCLOUD_KMS_ENDPOINT_KR, NCLOUD_KMS_ENDPOINT_JPN,
# KMS_EMULATOR_ADMIN (the unsigned admin API), and the emulator's test credentials in
# NCLOUD_ACCESS_KEY / NCLOUD_SECRET_KEY unless they are set already, and NCLOUD_KMS_KEY_CACHE=false unless set.
# Extra emulator options can be given in KMS_EMULATOR_ARGS.
set -euo pipefail

emulator_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
workdir="$(mktemp -d)"
python="${KMS_EMULATOR_PYTHON:-python3}"

export NCLOUD_ACCESS_KEY="${NCLOUD_ACCESS_KEY:-EMULATORACCESSKEY0001}"
export NCLOUD_SECRET_KEY="${NCLOUD_SECRET_KEY:-emulator-secret-key-0123456789abcdef}"
# Tests count API calls: the key cache is off unless the caller turns it on.
export NCLOUD_KMS_KEY_CACHE="${NCLOUD_KMS_KEY_CACHE:-false}"

# shellcheck disable=SC2086 # KMS_EMULATOR_ARGS is a list of words
(cd "$emulator_dir" && exec "$python" -m kms_emulator --port 0 --env-file "$workdir/env" \
    --parent-pid $$ ${KMS_EMULATOR_ARGS:-}) >"$workdir/emulator.log" 2>&1 &
emulator_pid=$!

stop_emulator() {
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
    rm -rf "$workdir"
}
trap stop_emulator EXIT

for _ in $(seq 200); do
    [ -s "$workdir/env" ] && break
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        cat "$workdir/emulator.log" >&2
        echo "the KMS emulator did not start" >&2
        exit 1
    fi
    sleep 0.05
done
# shellcheck disable=SC1091
source "$workdir/env"
export KMS_EMULATOR_ADMIN="$NCLOUD_KMS_ENDPOINT/_emulator"

"$@"
