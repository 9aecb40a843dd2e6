#!/usr/bin/env bash
# Runs the playbooks that could print a secret and searches everything they printed for the secret
# key, a wrong secret key and every signature the emulator received:
#   A. -vvvv, tracebacks kept (ANSIBLE_DISPLAY_TRACEBACK=always), the secret key given as task options;
#   B. the same plus ANSIBLE_DEBUG=1, the secret key taken from NCLOUD_SECRET_KEY. ansible-core's debug
#      output prints task options as given, ignoring no_log (its DEFAULT_DEBUG documentation says so),
#      so B keeps the secret out of the options, as the README advises for debug runs. It prints each module's
#      output raw too, so only A issues a token set (kms_key_token returns its tokens by design);
#   C. -vvvv and ANSIBLE_DEBUG=1 with no key in any variable: the keys from a profile of a configure file;
#   D. -vvvv with the keys of the server role (the emulator's metadata service): every temporary secret key it issued
#      is searched for too.
set -eu
captured="$(mktemp)"
signatures="$(mktemp)"
tokens="$(mktemp)"
role_secrets="$(mktemp)"
configure="$(mktemp)"
# secrets.yml writes the token set it issues in run A here (no_log); the scan searches all output for them.
KMS_TOKENS_FILE="$(mktemp)"
export KMS_TOKENS_FILE
trap '[ -n "${KEEP_CAPTURE:-}" ] && cp "$captured" "$KEEP_CAPTURE"; rm -f "$captured" "$signatures" "$tokens" "$role_secrets" "$configure" "$KMS_TOKENS_FILE"' EXIT
WRONG_SECRET_KEY="wrong-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export WRONG_SECRET_KEY ANSIBLE_DISPLAY_TRACEBACK=always

run() {
    if ! "$@" >>"$captured" 2>&1; then
        grep -E '^(fatal|TASK)|assertion' "$captured" | tail -40
        echo "failed: $*" >&2
        exit 1
    fi
    # Each playbook resets the emulator: keep the signatures of this run before the next one.
    python3 -c 'import json, os, urllib.request
log = json.load(urllib.request.urlopen(os.environ["KMS_EMULATOR_ADMIN"] + "/requests"))
print("\n".join(entry["signature"] for entry in log["requests"] if entry.get("signature")))' >>"$signatures"
    python3 -c 'import json, os, urllib.request
keys = json.load(urllib.request.urlopen(os.environ["KMS_EMULATOR_ADMIN"] + "/metadata-keys"))
print("\n".join(keys["secret_keys"]))' >>"$role_secrets"
    cat "$KMS_TOKENS_FILE" >>"$tokens"
}
run ansible-playbook -vvvv -i ../setup_emulator/inventory secrets.yml -e secret_as_option=true
run env ANSIBLE_DEBUG=1 ansible-playbook -vvvv -i ../setup_emulator/inventory secrets.yml -e secret_as_option=false
run env ANSIBLE_DEBUG=1 NCLOUD_SECRET_KEY="$WRONG_SECRET_KEY" ansible-playbook -vvvv -i ../setup_emulator/inventory wrong_auth.yml
printf '[DEFAULT]\nncloud_access_key_id = %s\nncloud_secret_access_key = %s\n' "$NCLOUD_ACCESS_KEY" "$NCLOUD_SECRET_KEY" >"$configure"
run env -u NCLOUD_ACCESS_KEY -u NCLOUD_SECRET_KEY NCLOUD_CONFIG_FILE="$configure" ANSIBLE_DEBUG=1 \
    ansible-playbook -vvvv -i ../setup_emulator/inventory secrets.yml -e secret_as_option=false
run env -u NCLOUD_ACCESS_KEY -u NCLOUD_SECRET_KEY -u NCLOUD_CONFIG_FILE \
    NCLOUD_METADATA_API_ENDPOINT="$NCLOUD_KMS_ENDPOINT" \
    ansible-playbook -vvvv -i ../setup_emulator/inventory secrets.yml -e secret_as_option=false

python3 - "$captured" "$signatures" "$tokens" "$role_secrets" <<'PY'
import os, sys
text = open(sys.argv[1], encoding='utf-8', errors='replace').read()
signatures = sorted(set(open(sys.argv[2]).read().split()))
tokens = sorted(set(open(sys.argv[3]).read().split()))
role_secrets = sorted(set(open(sys.argv[4]).read().split()))
needles = {'secret key': [os.environ['NCLOUD_SECRET_KEY']], 'wrong secret key': [os.environ['WRONG_SECRET_KEY']],
           'signatures': signatures, 'tokens': tokens, 'server role secret keys': role_secrets}
found = dict((what, sum(text.count(value) for value in values)) for what, values in needles.items())
assert len(signatures) >= 40, 'too few signed requests to make the search meaningful: %d' % len(signatures)
assert len(tokens) >= 2, 'too few tokens issued to make the search meaningful: %d' % len(tokens)
assert len(role_secrets) >= 5, 'too few server role keys issued to make the search meaningful: %d' % len(role_secrets)
assert 'signs requests with the key of the profile DEFAULT of the configure file' in text, 'no run used the file'
assert 'signs requests with the key of the server role' in text, 'no run used the server role'
assert 'ESTABLISH LOCAL CONNECTION FOR USER' in text, 'the -vvvv output was not captured'
# Where ansible-core prints the module invocation at -vvvv, the secret must be in it as the no_log placeholder;
# 2.21 no longer injects the invocation (its debug output shows '_ansible_inject_invocation': False).
assert ('VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in text
        or "'_ansible_inject_invocation': False" in text), 'the -vvvv invocation output was not captured'
assert 'done with _execute_module' in text, 'the ANSIBLE_DEBUG output was not captured'
assert 'Traceback (most recent call last)' in text, 'the forced exception traceback was not captured'
print('FIGURES secrets: searched %d lines (-vvvv, ANSIBLE_DEBUG, failing auth, forced exception; keys from options, '
      'variables, a configure file and the server role) for the secret key, a wrong secret key, %d signatures, %d '
      'issued tokens and %d server role secret keys: %d occurrences %s'
      % (text.count('\n'), len(signatures), len(tokens), len(role_secrets), sum(found.values()), found))
sys.exit(1 if sum(found.values()) else 0)
PY
