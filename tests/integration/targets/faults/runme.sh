#!/usr/bin/env bash
# Create, update and delete 50 keys while the emulator injects faults, once per seed.
set -eu
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/ncloud/kms"
for seed in ${FAULT_SEEDS:-11 22 33}; do
    "$collection/tests/emulator/with-emulator.sh" \
        ansible-playbook -i ../setup_emulator/inventory runme.yml -e "fault_seed=$seed" "$@"
done
