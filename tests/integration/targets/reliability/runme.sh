#!/usr/bin/env bash
# Transport faults, lost answers and messages, 20 parallel forks, TLS verification against an HTTPS emulator,
# and the secrets scans: everything printed at -vvvv (and with ANSIBLE_DEBUG) holds no secret key, no request
# signature and no decrypted plaintext. Each part starts an emulator of its own.
set -eu
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/ncloud/kms"
with_emulator="$collection/tests/emulator/with-emulator.sh"

"$with_emulator" ansible-playbook -i ../setup_emulator/inventory transport.yml "$@"
"$with_emulator" ansible-playbook -i parallel_inventory.ini -f 20 parallel.yml "$@"
"$with_emulator" ./scan_secrets.sh "$@"
"$with_emulator" ./scan_crypto.sh "$@"

# A CA and a server certificate for 127.0.0.1, made for this run only.
certs="$(mktemp -d)"
trap 'rm -rf "$certs"' EXIT
# The extensions are those Python 3.13's strict verification (VERIFY_X509_STRICT) requires.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ncloud-kms-test-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -keyout "$certs/ca.key" -out "$certs/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$certs/server.key" -out "$certs/server.csr" 2>/dev/null
printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' \
    'authorityKeyIdentifier=keyid' 'subjectKeyIdentifier=hash' >"$certs/san.cnf"
openssl x509 -req -days 2 -in "$certs/server.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" \
    -CAcreateserial -extfile "$certs/san.cnf" -out "$certs/server.pem" 2>/dev/null
KMS_EMULATOR_ARGS="--tls-cert $certs/server.pem --tls-key $certs/server.key" \
    "$with_emulator" ansible-playbook -i ../setup_emulator/inventory tls.yml -e "ca_file=$certs/ca.pem" "$@"
