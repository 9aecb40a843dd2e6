#!/usr/bin/env bash
# make emulator: start the KMS emulator in the foreground for trying playbooks by hand (Ctrl-C stops it).
#
# Global on port $KMS_EMULATOR_PORT (default 8080), KR and JPN on the next two (KMS_EMULATOR_PORT=9080 make emulator
# picks others); keys are kept in
# .tmp/emulator-keys.json between starts (remove the file to start empty). The emulator accepts only its own
# test credentials, printed below: it ignores NCLOUD_ACCESS_KEY and NCLOUD_SECRET_KEY from this shell, so real
# NCP keys are never used or needed here.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
port="${KMS_EMULATOR_PORT:-8080}"
case "$port" in
    ''|*[!0-9]*) echo "KMS_EMULATOR_PORT must be a port number (1024 to 65533, three ports from it are used); got '$port'" >&2; exit 2 ;;
esac
if [ "$port" -lt 1024 ] || [ "$port" -gt 65533 ]; then
    echo "KMS_EMULATOR_PORT must be a port number (1024 to 65533, three ports from it are used); got '$port'" >&2
    exit 2
fi
mkdir -p "$repo/.tmp"
unset NCLOUD_ACCESS_KEY NCLOUD_SECRET_KEY NCLOUD_ACCESS_KEY_ID NCLOUD_SECRET_ACCESS_KEY
banner="$(mktemp)"
trap 'rm -f "$banner"' EXIT
cat >"$banner" <<MSG
The KMS emulator listens on 127.0.0.1:$port (global), :$((port + 1)) (KR) and :$((port + 2)) (JPN).
In another shell, paste these lines, then run any playbook:

export NCLOUD_KMS_ENDPOINT=http://127.0.0.1:$port NCLOUD_KMS_ENDPOINT_KR=http://127.0.0.1:$((port + 1)) NCLOUD_KMS_ENDPOINT_JPN=http://127.0.0.1:$((port + 2))
export NCLOUD_ACCESS_KEY_ID=EMULATORACCESSKEY0001 NCLOUD_SECRET_ACCESS_KEY=emulator-secret-key-0123456789abcdef
export ANSIBLE_COLLECTIONS_PATH="$repo/.tmp/demo/collections"   # the collection make demo installed
export PATH="$repo/.venvs/demo/bin:\$PATH"                     # the ansible-playbook make demo installed
ansible-playbook -i "$repo/playbooks/inventory.ini" "$repo/playbooks/key_lifecycle.yml"

The emulator accepts only the access key and secret key above. Keys persist in $repo/.tmp/emulator-keys.json.
Ctrl-C stops it.
MSG
# The banner is printed by the emulator once its ports are bound; a busy port is said plainly instead.
# The emulator runs on the demo environment (tests/requirements-demo.txt: ansible-core brings cryptography, which its
# signing keys need), never on whatever python3 comes first on PATH.
python="$("$repo/tests/venv.sh" demo)/python"
cd "$repo/tests/emulator"
"$python" -m kms_emulator --port "$port" --state "$repo/.tmp/emulator-keys.json" --banner "$banner"
