#!/usr/bin/env bash
# Create, update and delete 50 keys while the emulator injects faults, each seed against a fresh emulator:
# seed 11 in make test; make reliability writes "11 22 33" to tests/output/fault-seeds first
# (ansible-test passes no environment variable of ours to a target, so the seeds come in a file).
set -eu
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/ncloud/kms"
seeds="$(cat "$collection/tests/output/fault-seeds" 2>/dev/null || echo 11)"
for seed in $seeds; do
    "$collection/tests/emulator/with-emulator.sh" \
        ansible-playbook -i ../setup_emulator/inventory runme.yml -e "fault_seed=$seed" "$@"
done
