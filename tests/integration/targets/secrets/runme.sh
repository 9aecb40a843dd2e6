#!/usr/bin/env bash
# The secret key and request signatures must appear in no output, even at -vvvv with ANSIBLE_DEBUG.
set -eu
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/ncloud/kms"
exec "$collection/tests/emulator/with-emulator.sh" ./scan.sh "$@"
