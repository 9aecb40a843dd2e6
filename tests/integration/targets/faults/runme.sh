#!/usr/bin/env bash
# Create, update and delete 50 keys while the emulator injects faults: seed 11 here (make test); the
# faults_sweep target adds seeds 22 and 33 (make reliability).
set -eu
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/ncloud/kms"
for seed in ${FAULT_SEEDS:-11}; do
    "$collection/tests/emulator/with-emulator.sh" \
        ansible-playbook -i ../setup_emulator/inventory runme.yml -e "fault_seed=$seed" "$@"
done
