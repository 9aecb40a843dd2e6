#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_key_migrate
short_description: Move a global NAVER Cloud Platform KMS key into a region-isolation boundary
version_added: 1.0.0
description:
  - Makes "this key lives in O(target_region)" true. A global key is migrated into the region-isolation
    boundary of V(KR) or V(JPN), where it is usable only in that region; NCP deletes the global key.
  - A key already in the target region is left as it is (C(changed=false)).
  - NCP migrates only disabled keys. A disabled global key is migrated as it is and stays disabled in the
    target region. An enabled one fails before any write, unless O(disable_for_migration=true).
  - A key found nowhere fails. In check mode it is a warning, because an earlier task of the same run may
    be the one that creates it, and the task reports the writes it would then make (the prediction cannot be exact).
    Such a key would be new, so enabled, and NCP migrates only disabled keys; without O(disable_for_migration=true)
    the real run would fail, so check mode fails too, saying so.
  - Create then migrate runs twice. C(ncloud.kms.kms_key) with O(name) and no C(region) follows the name into
    the isolation boundary that holds it, so on the second run of a playbook that creates C(app-kr) with kms_key
    and then migrates it, kms_key finds the migrated key in its region (it warns only when it changes that key)
    and this module reports it unchanged. Two sequences still undo each other on every run, create C(a) then C(rename_from) C(a), and
    create then C(state=absent) of one name; use the one-task form (O(name) with C(rename_from) alone, or
    C(state=absent) alone).
  - Fails before any write when an isolation key of the same name already exists in the target region,
    when the global key is pending deletion, or when the key lives in the other isolation region
    (isolation keys cannot move between regions).
  - Assumption (not documented by NCP) - the migrated key keeps its name. The module reads it back by the
    tag the migrate call returns and falls back to the name, so it does not rely on the tag staying the same.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  key_tag:
    description:
      - Tag of the global key to migrate.
      - A migrated key has a new tag, with the target's prefix (C(kr-), C(jpn-)); the task returns it. A re-run
        finds the key by that prefixed tag in the target (the prefix says where it lives), not by the global tag,
        which no longer exists. Give O(name) to make re-runs independent of tags.
    type: str
  target_region:
    description:
      - The region-isolation boundary the key must live in.
    type: str
    required: true
    choices: [KR, JPN]
  disable_for_migration:
    description:
      - What to do with an enabled global key, which NCP refuses to migrate.
      - V(false) fails before any write, saying how to go on.
      - V(true) disables the global key, migrates it and enables the migrated key in the target region,
        so that the key ends as it began (3 writes). For those seconds the key can neither encrypt nor
        decrypt.
      - When the migrate call fails after the disable, the global key is enabled again before the task
        fails; if that fails too, the message says that the key is left disabled, and where.
      - A disabled key is migrated without extra writes either way.
    type: bool
    default: false
extends_documentation_fragment:
  - ncloud.kms.key_selector
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Makes no write and returns the key as it would be in the target region.
  diff_mode:
    support: full
    description: Shows the key's region going from global (null) to the target.
'''

EXAMPLES = r'''
- name: Make sure the disabled key app-data lives in the KR isolation boundary
  ncloud.kms.kms_key_migrate:
    name: app-data
    target_region: KR

- name: Move a key in use into KR, disabling it for the move and enabling it again there
  ncloud.kms.kms_key_migrate:
    name: app-live
    target_region: KR
    disable_for_migration: true

- name: Migrate a global key addressed by its tag into JPN
  ncloud.kms.kms_key_migrate:
    key_tag: "{{ created.key.key_tag }}"
    target_region: JPN
'''

RETURN = r'''
key:
  description:
    - The key as found in the target region after the run; in check mode, the key as it would be after migrating.
    - Empty (C({})) in check mode when the key does not exist yet (an earlier task of the run would create it).
    - The same record as M(ncloud.kms.kms_key) returns; its C(region) is the target region.
  returned: success
  type: dict
  sample:
    key_tag: 3b4c4f4e2b1f43e0a3e4d9b1c2f0a7d6b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4
    name: app-data
    key_type: AES256
    status: ENABLE
    enabled: true
    protection: BASIC
    region: KR
actions:
  description: The writes made, or that check mode would make.
  returned: always
  type: list
  elements: str
  sample: ['disable', 'migrate to KR', 'enable in KR']
error:
  description: The API error behind a failure, with C(status), C(code) and C(message).
  returned: on API failure
  type: dict
  sample:
    status: 503
    code: '500'
    message: 'gave up after 6 attempts (retries=5); last answer: Endpoint Error (the service is unavailable)'
'''

from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule, MoveKey, status_change
from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.connection import GLOBAL, REGIONS, other_region
from ansible_collections.ncloud.kms.plugins.module_utils.keys import describe_key, key_record, read_back
from ansible_collections.ncloud.kms.plugins.module_utils.selector import key_selector


class KmsKeyMigrate(KmsModule):
    argument_spec = dict(
        key_selector(region=False),
        target_region=dict(type='str', required=True, choices=list(REGIONS)),
        disable_for_migration=dict(type='bool', default=False),
    )
    module_kwargs = dict(required_one_of=[('name', 'key_tag')])

    # ---- options -------------------------------------------------------------------------------

    def regions(self):
        return [GLOBAL, self.params['target_region']]

    # ---- find ----------------------------------------------------------------------------------

    def find_in(self, region):
        """The key in one boundary: a global key is looked for where it is and where it goes, not by the region rule."""
        return self.selector.find_in(self.client(region))

    def find_elsewhere(self, target):
        """The key was not found globally nor in the target: say where it is, or that it is nowhere."""
        other = other_region(target)
        stray = self.find_in(other)
        if stray:
            self.fail('%s lives in the %s isolation boundary (key_tag %s): an isolation key cannot move '
                      'between regions' % (self.selector.describe(), other, stray['keyTag']))
        self.key_missing('%s was not found in the global boundary nor in the %s isolation boundary' % (self.selector.describe(), target))

    def key_missing(self, message):
        """In check mode a key an earlier task would create is new, so enabled (kms_key's default), and NCP migrates
        only disabled keys: without disable_for_migration the real run fails here, and so does check mode."""
        if self.check_mode and not self.params['disable_for_migration']:
            self.fail('%s. In check mode an earlier task of this run may be the one that creates it, but a new key is '
                      'enabled and NCP migrates only disabled keys, so the real run would fail here: set '
                      'disable_for_migration: true (a key that is already disabled is then migrated with no extra '
                      'write)' % message)
        super(KmsKeyMigrate, self).key_missing(message)

    def predicted_writes(self):
        """A key an earlier task creates is enabled: with disable_for_migration (the only way check mode gets
        here) the task disables, migrates and enables it."""
        target = self.params['target_region']
        return ['disable', 'migrate to %s' % target, 'enable in %s' % target]

    # ---- compare -------------------------------------------------------------------------------

    def check_migratable(self, global_key, target_key, target):
        if target_key:
            self.fail('an isolation key named %s already exists in %s (key_tag %s); the global %s '
                      'was not migrated' % (global_key['keyName'], target, target_key['keyTag'], describe_key(global_key)))
        if global_key['status'] == 'REVOKE':
            self.fail('the global %s is pending deletion: cancel the deletion first '
                      '(ncloud.kms.kms_key with state=present), then migrate' % describe_key(global_key))
        if global_key['status'] == 'ENABLE' and not self.params['disable_for_migration']:
            self.fail('the global %s is enabled, and NCP migrates only disabled keys. Either disable it first '
                      '(ncloud.kms.kms_key with enabled: false; it stays disabled in %s), or set '
                      'disable_for_migration: true to disable it, migrate it and enable it again in %s'
                      % (describe_key(global_key), target, target))

    # ---- act -----------------------------------------------------------------------------------

    def migrate_key(self, global_key, target):
        """Disable the key when it is enabled, migrate it, and enable it again in the target.

        When the migrate call fails after the disable, the global key is enabled again first.
        """
        was_enabled = global_key['status'] == 'ENABLE'
        key = global_key
        if was_enabled:
            key = self.apply(self.client(GLOBAL), key, [status_change('disable', 'DISABLE')])
        try:
            data = self.send(self.client(GLOBAL), MoveKey(target, self.client(target)), key)
        except KmsApiError as exc:
            if was_enabled:
                self.enable_again(key, exc)
            raise
        moved = key if self.check_mode else self.read_moved(key, target, data, was_enabled)
        if was_enabled:
            moved = self.apply(self.client(target), moved, [status_change('enable in %s' % target, 'ENABLE')])
        return moved

    def read_moved(self, key, target, data, was_enabled):
        """The migrated key, read in the target by the tag the answer gave, else by name."""
        tag = (data or {}).get('keyTag') or key['keyTag']
        moved = read_back(self.client(target), {'keyTag': tag, 'keyName': key['keyName']})
        if moved is None:
            self.fail('the migrate call succeeded but %s is not found in %s%s' % (
                describe_key(key), target, '; it was disabled for the migration and may be left disabled there'
                if was_enabled else ''))
        return moved

    def enable_again(self, key, exc):
        """Undo the task's own disable after a failed migrate, and fail saying what state the key is in."""
        try:
            self.apply(self.client(GLOBAL), key, [status_change('enable again', 'ENABLE')])
        except KmsApiError as again:
            self.fail('%s. The global %s was disabled for the migration and enabling it again failed too (%s): '
                      'it is left DISABLED in the global boundary; enable it with ncloud.kms.kms_key (enabled: true)'
                      % (exc, describe_key(key), again), error=exc.to_dict())
        self.fail('%s. The global %s was disabled for the migration and has been enabled again, as it was'
                  % (exc, describe_key(key)), error=exc.to_dict())

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        target = self.params['target_region']
        tagged = self.params['key_tag'] and self.selector.first_region()
        if tagged in REGIONS:
            # An isolation key's tag says where it lives: it is in the target already, or it cannot move.
            if tagged != target:
                self.fail('key %s lives in the %s isolation boundary (its tag says so): an isolation key cannot move '
                          'between regions' % (self.params['key_tag'], tagged))
            target_key = self.find_in(target)
            if target_key is None:
                self.key_missing('no key has key_tag %s in the %s isolation boundary' % (self.params['key_tag'], target))
                return {'key': {}}, None, None
            return {'key': key_record(target_key, target)}, None, None
        global_key = self.find_in(GLOBAL)
        if global_key is None:
            target_key = self.find_in(target)
            if target_key is None:
                self.find_elsewhere(target)
                return {'key': {}}, None, None
            return {'key': key_record(target_key, target)}, None, None
        target_key = self.selector.find_in(self.client(target), name=global_key['keyName'])
        self.check_migratable(global_key, target_key, target)
        moved = self.migrate_key(global_key, target)
        return {'key': key_record(moved, target)}, key_record(global_key, GLOBAL), key_record(moved, target)


def main():
    KmsKeyMigrate.main()


if __name__ == '__main__':
    main()
