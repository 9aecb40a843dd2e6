#!/usr/bin/env bash
# The crypto targets (crypto_roles.yml) at -vvvv, then a scan of everything printed for the plaintext
# (a random marker), the secret key and every request signature: each must occur 0 times.
# The credentials and endpoints come from the environment (with-emulator.sh), as in a user's shell; so does the
# marker (-vvvv prints extra variables).
set -eu
captured="$(mktemp)"
work="$(mktemp -d)"
CRYPTO_MARKER="plaintext-marker-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export CRYPTO_MARKER
trap 'rm -rf "$captured" "$work"' EXIT

if ! ANSIBLE_ROLES_PATH=.. ansible-playbook -vvvv -i ../setup_emulator/inventory crypto_roles.yml \
        -e "output_dir=$work emulator_admin=$KMS_EMULATOR_ADMIN kms_run_id=scan" \
        -e '{"kms_environment": {}, "kms_connection": {}}' "$@" >"$captured" 2>&1; then
    grep -E '^(fatal|failed|TASK)|assertion|msg' "$captured" | grep -v "$CRYPTO_MARKER" | tail -40
    echo "the crypto playbook failed" >&2
    exit 1
fi
python3 - "$captured" <<'PY'
import json, os, sys, urllib.request
text = open(sys.argv[1], encoding='utf-8', errors='replace').read()
signatures = json.load(urllib.request.urlopen(os.environ['KMS_EMULATOR_ADMIN'] + '/signatures'))['signatures']
needles = {'plaintext marker': [os.environ['CRYPTO_MARKER']], 'secret key': [os.environ['NCLOUD_SECRET_KEY']],
           'signatures': signatures}
found = dict((what, sum(text.count(value) for value in values)) for what, values in needles.items())
for what, values in needles.items():   # where, with the value masked, so that a failure can be mended
    for line in text.splitlines():
        for value in values:
            if value in line:
                print('%s in: %s' % (what, line.replace(value, '<%s>' % what.upper())[:400]), file=sys.stderr)
assert len(signatures) >= 10, 'too few signed requests to make the search meaningful: %d' % len(signatures)
assert 'PLAY RECAP' in text and '<127.0.0.1>' in text or 'ESTABLISH LOCAL CONNECTION' in text, 'no -vvvv output captured'
assert 'could not decrypt' in text and 'is not a valid ciphertext' in text, 'the failures were not captured'
print('FIGURES crypto secrets: searched %d lines (-vvvv, every failure) for the plaintext, the secret key and %d '
      'signatures: %d occurrences %s' % (text.count('\n'), len(signatures), sum(found.values()), found))
sys.exit(1 if sum(found.values()) else 0)
PY
