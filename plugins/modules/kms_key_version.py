#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_key_version
short_description: Enable or disable versions of a NAVER Cloud Platform KMS key
version_added: 1.0.0
description:
  - Sets the status of a key's versions, either of one version (O(version) with O(enabled)), or of every version by
    its age (O(keep_enabled) - the newest N versions stay as they are, the older ones are disabled).
  - A disabled version can no longer decrypt its ciphertexts, verify its signatures or give its public key (NCP's
    documentation). Bring what was encrypted under an old version to the current one before disabling it.
  - The current version can never be disabled. A task asking it fails before any write. NCP changes the versions of
    an enabled key only, so a task that would change a version of a disabled key, or of a key pending deletion,
    fails before any write, and one that would change nothing reports C(changed=false).
  - A missing key fails (no key is created); in check mode it is a warning, because an earlier task may create it.
  - Reading the versions costs one call beside finding the key; each version that changes is one more.
  - With O(check_paths), a version that the ciphertexts in those files still use is never disabled.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  version:
    description:
      - The version to enable or disable (1 or more), with O(enabled).
      - A version the key does not have fails before any write, naming the versions it has.
      - Exactly one of O(version) and O(keep_enabled) is required.
    type: int
  enabled:
    description:
      - With O(version), V(true) enables it and V(false) disables it. Required with O(version), not allowed with
        O(keep_enabled).
    type: bool
  keep_enabled:
    description:
      - Disable every version older than the newest O(keep_enabled) versions (1 or more). The current version is the
        newest, so it is always kept.
      - Enables nothing. A version among the newest that is disabled stays disabled; enable it with O(version).
      - Exactly one of O(version) and O(keep_enabled) is required.
    type: int
  check_paths:
    description:
      - Files to check before disabling, each item a file, a folder (every file below it) or a glob pattern (C(**)
        matches folders at any depth), as M(ncloud.kms.kms_reencrypt) takes them.
      - When a ciphertext or envelope in these files was made with a version the task would disable, the task fails
        before any write, naming the file, where in it (the variable or line) and the version. Renew such files
        first with M(ncloud.kms.kms_reencrypt).
      - Every ciphertext found counts, except in a C(*.ncpkms-vars) file whose C(ncpkms) mapping names another key
        (a ciphertext does not say which key made it).
      - An item that names no file fails before any request (in check mode, a warning).
    type: list
    elements: path
extends_documentation_fragment:
  - ncloud.kms.key_selector
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Makes no write and predicts the versions' statuses (the status date of a version it would change
      is null).
  diff_mode:
    support: full
    description: Shows each version's status before and after.
'''

EXAMPLES = r'''
- name: After a rotation, keep only the current version of app-data enabled
  ncloud.kms.kms_key_version:
    name: app-data
    keep_enabled: 1

- name: The same, refusing to disable a version that a secret in the repository still uses
  ncloud.kms.kms_key_version:
    name: app-data
    keep_enabled: 1
    check_paths:
      - group_vars/**/*.ncpkms-vars
      - files/
  delegate_to: localhost

- name: Disable version 2 of a KR isolation key addressed by its tag
  ncloud.kms.kms_key_version:
    key_tag: "{{ kr_key.key.key_tag }}"
    region: KR
    version: 2
    enabled: false

- name: Enable version 2 of app-data again (to decrypt an old backup)
  ncloud.kms.kms_key_version:
    name: app-data
    version: 2
    enabled: true
'''

RETURN = r'''
key:
  description:
    - The key the versions belong to, the same record as M(ncloud.kms.kms_key) returns, with C(current_version)
      read from its versions. Empty when check mode did not find the key.
  returned: always
  type: dict
  sample:
    key_tag: 3b4c4f4e2b1f43e0a3e4d9b1c2f0a7d6b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4
    name: app-data
    status: ENABLE
    enabled: true
    current_version: 3
    region: null
versions:
  description:
    - The key's versions after the run (in check mode, as they would be), oldest first.
  returned: when the key was found
  type: list
  elements: dict
  contains:
    version:
      description: Version number.
      type: int
      sample: 1
    status:
      description: The version's status, C(ENABLE) or C(DISABLE).
      type: str
      sample: DISABLE
    status_date:
      description: When the version's status was set, ISO 8601 UTC; null for a change check mode predicts.
      type: str
      sample: '2026-12-02T02:00:00.000Z'
    rotated_date:
      description: When the version was made, ISO 8601 UTC.
      type: str
      sample: '2026-09-01T02:00:00.000Z'
actions:
  description: The writes made, or that check mode would make, one per version.
  returned: always
  type: list
  elements: str
  sample: ['disable version 1', 'disable version 2']
error:
  description: The API error behind a failure, with C(status), C(code) and C(message).
  returned: on API failure
  type: dict
  sample:
    status: 422
    code: UNPROCESSABLE_ENTITY
    message: 'Invalid status: the current version (3) cannot be disabled'
'''

from ansible_collections.ncloud.kms.plugins.module_utils.base import Change, KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import ciphertext_version
from ansible_collections.ncloud.kms.plugins.module_utils.keys import (
    describe_key, get_versions, key_record, version_record,
)
from ansible_collections.ncloud.kms.plugins.module_utils.secret_files import SecretFile, expand_paths
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KEY_SELECTOR

ENABLED = 'ENABLE'
DISABLED = 'DISABLE'


class VersionStatus(Change):
    """Enable or disable one version. A lost answer is confirmed by that version's status in the versions list."""

    def __init__(self, version, status):
        action = 'enable' if status == ENABLED else 'disable'
        super(VersionStatus, self).__init__('%s version %d' % (action, version), 'POST',
                                            'versions/%d/%s' % (version, action))
        self.version = version
        self.status = status

    def state_now(self, client, key):
        versions = get_versions(client, key['keyTag'])[1]
        return next((v for v in versions if v.get('version') == self.version), None)

    def holds_on(self, state):
        return state is not None and state.get('status') == self.status

    def data_from(self, state):
        return state


class KmsKeyVersion(KmsModule):
    empty_result = {'key': {}}

    argument_spec = dict(
        KEY_SELECTOR,
        version=dict(type='int'),
        enabled=dict(type='bool'),
        keep_enabled=dict(type='int'),
        check_paths=dict(type='list', elements='path'),
    )
    module_kwargs = dict(required_one_of=[('name', 'key_tag')])

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        p = self.params
        if (p['version'] is None) == (p['keep_enabled'] is None):
            self.fail('exactly one of version and keep_enabled is required: version (with enabled) sets one '
                      'version, keep_enabled disables every version older than the newest N')
        if p['version'] is not None and p['enabled'] is None:
            self.fail('enabled is required with version: true enables version %d, false disables it' % p['version'])
        if p['keep_enabled'] is not None and p['enabled'] is not None:
            self.fail('enabled goes with version, not with keep_enabled (which only disables older versions)')
        for option in ('version', 'keep_enabled'):
            if p[option] is not None and p[option] < 1:
                self.fail('%s must be 1 or more; got %d' % (option, p[option]))
        self.checked_files = [SecretFile(path) for path in self.expand_check_paths()]

    def expand_check_paths(self):
        paths, unmatched = expand_paths(self.params['check_paths'] or [])
        for item in unmatched:
            self.expected_in_check_mode('check_paths item %s matches no file, so it cannot guard the versions its '
                                        'files use' % item, 'write it')
        return paths

    # ---- find ----------------------------------------------------------------------------------

    def find(self):
        return self.selector.find(self.connection, if_missing=self.key_missing)

    # ---- compare -------------------------------------------------------------------------------

    def wanted(self, current, versions):
        """``{version: status}`` for each version whose status the task sets."""
        p = self.params
        if p['version'] is not None:
            numbers = [v.get('version') for v in versions]
            if p['version'] not in numbers:
                self.fail('the key has no version %d: its versions are %s' % (p['version'], describe_numbers(numbers)))
            if p['version'] == current and not p['enabled']:
                self.fail('version %d is the current version, which can never be disabled: rotate the key first '
                          '(ncloud.kms.kms_key_rotate), then disable the older version' % current)
            return {p['version']: ENABLED if p['enabled'] else DISABLED}
        newest = sorted((v.get('version') for v in versions), reverse=True)[:p['keep_enabled']]
        return dict((v.get('version'), DISABLED) for v in versions if v.get('version') not in newest + [current])

    def changes(self, key, versions, wanted):
        changes = [VersionStatus(v['version'], wanted[v['version']]) for v in versions
                   if v.get('version') in wanted and v.get('status') != wanted[v['version']]]
        if changes and key.get('status') != ENABLED:
            self.fail('%s is %s, and NCP enables or disables versions of an enabled key only: enable it first '
                      '(ncloud.kms.kms_key with enabled: true), or cancel its deletion' % (describe_key(key), key['status']))
        return changes

    def refuse_versions_in_use(self, key, changes):
        """Fail before any write when a checked file holds a ciphertext of a version the task would disable."""
        disabling = set(c.version for c in changes if c.status == DISABLED)
        uses = []
        for checked in self.checked_files:
            if checked.names_other_key(key):
                continue
            uses += [(ciphertext_version(c), '%s (%s)' % (checked.path, checked.places[c]))
                     for c in dict.fromkeys(checked.ciphertexts) if ciphertext_version(c) in disabling]
        if uses:
            versions = sorted(set(version for version, unused in uses))
            places = ['%s, version %d' % (place, version) for version, place in uses]
            self.fail('%s: version %s is still used by %d ciphertext(s) under check_paths, which could no longer be '
                      'decrypted: %s%s. Renew them first (ncloud.kms.kms_reencrypt), then disable; nothing was disabled'
                      % (describe_key(key), describe_numbers(versions), len(uses), '; '.join(places[:5]),
                         ' and %d more' % (len(places) - 5) if len(places) > 5 else ''))

    # ---- act -----------------------------------------------------------------------------------

    def set_statuses(self, client, key, versions, changes):
        """Send each change; return the versions as they are (or would be) after."""
        after = dict((v['version'], dict(v)) for v in versions)
        for change in changes:
            data = self.send(client, change, key)
            record = after[change.version]
            record.update(status=change.status, statusDate=None)
            if isinstance(data, dict) and data.get('status') == change.status:
                record['statusDate'] = data.get('statusDate')
        return [after[v['version']] for v in versions]

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        key = self.find()
        if key is None:
            return self.missing_key_result(), None, None
        client = self.client(self.region)
        current, versions = get_versions(client, key['keyTag'])
        versions = sorted(versions, key=lambda v: v.get('version') or 0)
        changes = self.changes(key, versions, self.wanted(current, versions))
        self.refuse_versions_in_use(key, changes)
        after = self.set_statuses(client, key, versions, changes)
        record = key_record(dict(key, currentVersion=current), self.region)
        result = {'key': record, 'versions': [version_record(v) for v in after]}
        return result, statuses(record, versions), statuses(record, after)


def statuses(record, versions):
    """The diff's view: the key and each version's status."""
    return {'key_tag': record.get('key_tag'), 'name': record.get('name'),
            'versions': dict(('v%d' % v['version'], v.get('status')) for v in versions)}


def describe_numbers(numbers):
    return ', '.join(str(n) for n in sorted(numbers)) or 'none'


def main():
    KmsKeyVersion.main()


if __name__ == '__main__':
    main()
