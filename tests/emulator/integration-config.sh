#!/usr/bin/env bash
# Write ansible-test's tests/integration/integration_config.yml for the emulator that with-emulator.sh started
# (its endpoints and credentials are in this script's environment), then run the rest of the command line.
#
#   tests/emulator/with-emulator.sh tests/emulator/integration-config.sh CONFIG_PATH ansible-test integration ...
#
# Role targets read the variables below: kms_environment (set on their tasks, so modules find the emulator
# the way a user's shell would after make emulator), kms_connection (the same as lookup options, since
# lookups do not see a task's environment), emulator_admin (the unsigned admin API) and kms_run_id. The key cache
# is off in both: the tests count API calls (the cache is tested where it is turned on). kms_test_scope is "full", or
# "compat" (KMS_TEST_SCOPE=compat, the compat rows of make test): a target may then run only its four-step core.
set -euo pipefail
config="$1"
shift
mkdir -p "$(dirname "$config")"
umask 077
cat >"$config" <<YAML
---
# Written by tests/emulator/integration-config.sh for one emulator run.
emulator_admin: ${KMS_EMULATOR_ADMIN}
kms_test_scope: ${KMS_TEST_SCOPE:-full}
kms_run_id: "$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
kms_environment:
  NCLOUD_ACCESS_KEY: "${NCLOUD_ACCESS_KEY}"
  NCLOUD_SECRET_KEY: "${NCLOUD_SECRET_KEY}"
  NCLOUD_KMS_ENDPOINT: ${NCLOUD_KMS_ENDPOINT}
  NCLOUD_KMS_ENDPOINT_KR: ${NCLOUD_KMS_ENDPOINT_KR}
  NCLOUD_KMS_ENDPOINT_JPN: ${NCLOUD_KMS_ENDPOINT_JPN}
  NCLOUD_KMS_KEY_CACHE: "false"
kms_connection:
  access_key: "${NCLOUD_ACCESS_KEY}"
  secret_key: "${NCLOUD_SECRET_KEY}"
  endpoint: ${NCLOUD_KMS_ENDPOINT}
  endpoint_kr: ${NCLOUD_KMS_ENDPOINT_KR}
  endpoint_jpn: ${NCLOUD_KMS_ENDPOINT_JPN}
  key_cache: false
YAML
exec "$@"
