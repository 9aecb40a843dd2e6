#!/usr/bin/env bash
# The lifecycle scenario under the default answers and under each variant of NCP's reference.
# The emulator starts with the variants of the last set given on its command line (--variant), so
# that path is used too; the playbook switches the others through the admin API.
set -eu
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/ncloud/kms"
KMS_EMULATOR_ARGS="--variant list-table --variant notfound-400 --variant delete-no-data --variant rename-new-tag --variant gateway-errors" \
    exec "$collection/tests/emulator/with-emulator.sh" ansible-playbook -i ../setup_emulator/inventory runme.yml "$@"
