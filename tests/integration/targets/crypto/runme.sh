#!/usr/bin/env bash
# Encrypt, decrypt and public keys against the emulator, at -vvvv, then a scan of everything printed for the
# plaintext (a random marker), the secret key and every request signature: each must occur 0 times.
set -eu
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/ncloud/kms"
exec "$collection/tests/emulator/with-emulator.sh" ./scan.sh "$@"
