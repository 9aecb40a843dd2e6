#!/usr/bin/env bash
# Runs this target's playbook against a fresh KMS emulator.
set -eu
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/ncloud/kms"
exec "$collection/tests/emulator/with-emulator.sh" ansible-playbook -i ../setup_emulator/inventory runme.yml "$@"
