#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_key
short_description: Manage a NAVER Cloud Platform KMS key
version_added: 1.0.0
description:
  - Makes one NCP Key Management Service key match the task, creating, updating or deleting it.
  - Finds the key by O(name) (reading list pages only until the name is found) or by O(key_tag) (one read).
  - With O(rename_from), the key is called O(name); if no key is, the key called O(rename_from) is renamed
    to O(name); if neither exists, a key named O(name) is created. One task, safe to run again.
  - Without O(region), a name follows its key into the isolation boundary that holds it (see O(region)). With
    O(region), a task that does not find its key by name there and is about to create it (or to report it
    absent) looks for the name in the site's other boundaries (one list call each, at the same time, only on
    that path) and warns when the name is there, naming the O(region) to give.
  - Options that are not given are never compared and never changed.
  - To move an existing global key into a region-isolation boundary, use M(ncloud.kms.kms_key_migrate).
  - O(key_type), O(protection) and O(convergent) cannot change after creation. A task that asks for
    another value on an existing key fails before any write and says what the key has.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  name:
    description:
      - Name of the key, 3 to 15 letters, digits, V(-) or V(_), starting with a letter. Unique in its boundary.
      - Finds the key when O(key_tag) is not given.
      - With O(key_tag), the key is renamed to O(name) when its name differs.
      - One of O(name) and O(key_tag) is required; a new key needs O(name).
    type: str
  key_tag:
    description:
      - The key's tag, which addresses an existing key directly (one API read, no listing).
      - A miss is confirmed by listing the boundary. It fails the task, or warns in check mode, where an
        earlier task of the same run may be the one that creates the key.
      - An explicit V(null) or empty value (the O(key_tag) check mode returns for a key it would create;
        ansible-core before 2.19 renders a template of null as an empty string) cannot be predicted. It warns
        in check mode and fails otherwise.
    type: str
  rename_from:
    description:
      - The key's former name. When no key is called O(name) but one is called O(rename_from), that key is
        renamed to O(name) (and then made to match the other options). When neither exists, O(name) is created.
      - The way to rename a key in a task that can run again. Needs O(name) and O(state=present); not with O(key_tag).
      - When keys of both names exist, the task fails before any write, naming both keys and their tags; delete the
        one no longer needed, or give O(name) another value. To tell that the former name is gone, the task reads
        the whole listing once the key called O(name) is found.
    type: str
  state:
    description:
      - V(present) creates or updates the key. A key pending deletion has its deletion cancelled, with a
        warning that names the deletion date that was cancelled.
      - V(absent) requests the key's deletion; NCP destroys it 72 hours later unless O(force_delete) is set.
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description:
      - Whether the key is enabled (status C(ENABLE)) or disabled (C(DISABLE)).
      - Unset leaves an existing key as it is; a new key is enabled unless V(false).
      - A key whose deletion is cancelled comes back disabled and is then enabled unless V(false).
    type: bool
  key_type:
    description:
      - Key type, used when the key is created. Cannot change after creation.
      - Defaults to V(AES256) for a new key; not compared on an existing key when unset.
    type: str
    choices: [AES256, RSA2048, ECDSA]
  protection:
    description:
      - Protection of the key material, used when the key is created. Cannot change after creation.
      - Defaults to V(BASIC) for a new key; not compared on an existing key when unset.
    type: str
    choices: [BASIC, COMMON_HSM]
  convergent:
    description:
      - Whether the key encrypts convergently (the same plaintext and context give the same ciphertext).
        Only for V(AES256) keys. Cannot change after creation.
      - Defaults to V(false) for a new key; not compared on an existing key when unset.
    type: bool
  auto_rotation:
    description:
      - Whether NCP rotates the key automatically every O(rotation_period) days.
    type: bool
  rotation_period:
    description:
      - Days between automatic rotations, 1 to 730. Needs automatic rotation, on the key already, or turned on by
        O(auto_rotation=true) in the same task. A period with O(auto_rotation=false), or for a key that does not
        rotate automatically while the task leaves O(auto_rotation) unset, fails before any write.
      - NCP uses 90 days when auto rotation is turned on without a period.
    type: int
  memo:
    description:
      - Free text about the key, at most 100 characters. V("") clears it.
    type: str
  force_delete:
    description:
      - With O(state=absent), destroy the key at once (request deletion, then delete) instead of
        leaving it pending deletion for 72 hours. A destroyed key cannot be recovered.
    type: bool
    default: false
  ip_acl:
    description:
      - Whether the key's IP ACL is enabled. The ACL decides which addresses may call the key's token-auth APIs
        (NCP's documentation); enabling it applies "All Deny" until addresses are listed.
      - Turning it on while the resulting address list is empty fails before any write, unless the task gives
        O(allowed_ips=[]) on purpose.
      - Unset leaves the ACL's state alone. Reading the ACL costs one call, made only when the task gives O(ip_acl)
        or O(allowed_ips). NCP changes the ACL of an enabled key only (assumed from its API v3).
    type: bool
  allowed_ips:
    description:
      - IPv4 addresses the ACL allows. NCP's API 2.0 takes single IPv4 addresses, so no CIDR, IPv6 or C(*).
      - Order and duplicates do not matter. Unset leaves the list alone. All additions go in one call, all
        removals in another.
    type: list
    elements: str
  purge_allowed_ips:
    description:
      - V(true) makes the list exactly O(allowed_ips), removing other addresses; V(false) only adds.
    type: bool
    default: true
  token_generator:
    description:
      - Whether the key has a token generator, which issues the token sets applications call the key with (see
        M(ncloud.kms.kms_key_token)).
      - V(false) discards it, which voids every token it issued, irreversibly. The task says so in a warning, in
        check mode too. Replacing a generator is M(ncloud.kms.kms_key_token) with O(ncloud.kms.kms_key_token#module:rotate_generator=true),
        never a side effect of this module.
      - Unset leaves it alone. Reading it costs one call, made only when the task gives this option. NCP keeps a token
        generator on an enabled key only (assumed from its API v3).
    type: bool
extends_documentation_fragment:
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Makes no write and returns the key as it would be after the run.
  diff_mode:
    support: full
    description: Returns the key record before and after.
'''

EXAMPLES = r'''
# These tasks run as one playbook, twice (make demo; the second run reports no change). Each key has one desired
# state: a playbook that creates a name and also renames it away, or sets an ACL and then another ACL, changes
# something on every run.
- name: Create an AES256 key that rotates every 30 days
  ncloud.kms.kms_key:
    name: app-data
    key_type: AES256
    protection: BASIC
    auto_rotation: true
    rotation_period: 30
    memo: Encrypts application data

- name: Create a signing key in HSM protection, disabled until it is needed
  ncloud.kms.kms_key:
    name: release-sign
    key_type: ECDSA
    protection: COMMON_HSM
    enabled: false
  register: sign_key

- name: Create a convergent AES256 key (deterministic encryption with a context)
  ncloud.kms.kms_key:
    name: lookup-idx
    convergent: true

- name: Rename billing to billing-v2, safe to run again (creates billing-v2 when neither exists)
  ncloud.kms.kms_key:
    name: billing-v2
    rename_from: billing

- name: Set the memo of a key addressed by its tag (a tag with name renames the key; rename_from survives re-runs)
  ncloud.kms.kms_key:
    key_tag: "{{ sign_key.key.key_tag }}"
    memo: Signs release artifacts

- name: Turn off automatic rotation and clear the memo
  ncloud.kms.kms_key:
    name: billing-v2
    auto_rotation: false
    memo: ""

- name: Manage a region-isolation key in KR
  ncloud.kms.kms_key:
    name: kr-payments
    region: KR

- name: Allow exactly two addresses to call the key's token-auth APIs, and turn the IP ACL on
  ncloud.kms.kms_key:
    name: app-data
    ip_acl: true
    allowed_ips: [10.0.1.15, 10.0.1.16]

- name: Add an address to another key's ACL, keeping the others it lists
  ncloud.kms.kms_key:
    name: lookup-idx
    allowed_ips: [10.0.1.17]
    purge_allowed_ips: false

- name: Give app-data a token generator, so that applications can be issued token sets (ncloud.kms.kms_key_token)
  ncloud.kms.kms_key:
    name: app-data
    token_generator: true

- name: Deny every address on purpose (ACL on, empty list)
  ncloud.kms.kms_key:
    name: quarantined
    ip_acl: true
    allowed_ips: []

- name: Schedule deletion (destroyed after 72 hours)
  ncloud.kms.kms_key:
    name: old-key
    state: absent

- name: Destroy a key at once
  ncloud.kms.kms_key:
    name: scratch-key
    state: absent
    force_delete: true

- name: Use a private gateway with its own CA, sharing options through the action group
  module_defaults:
    group/ncloud.kms.kms:
      endpoint: https://kms-gateway.example.internal
      endpoint_kr: https://kms-gateway-kr.example.internal
      endpoint_jpn: https://kms-gateway-jp.example.internal
      ca_path: /etc/pki/internal-ca.pem
      validate_certs: true
  block:
    - name: Ensure the key through the gateway
      ncloud.kms.kms_key:
        name: app-data
'''

RETURN = r'''
key:
  description:
    - The key as it is after the run (in check mode, as it would be). Empty when the key does not exist.
    - Fields the module did not need to read are left out, for example O(memo) and the rotation
      fields when neither O(memo), O(auto_rotation) nor O(rotation_period) is given and the key was found by name.
  returned: always
  type: dict
  contains:
    key_tag:
      description: The key's tag; null for a key that check mode would create.
      type: str
      sample: 3b4c4f4e2b1f43e0a3e4d9b1c2f0a7d6b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4
    key_id:
      description: Numeric key ID.
      type: int
      sample: 1024
    name:
      description: Key name.
      type: str
      sample: app-data
    key_type:
      description: Key type.
      type: str
      sample: AES256
    status:
      description: C(ENABLE), C(DISABLE) or C(REVOKE) (pending deletion).
      type: str
      sample: ENABLE
    enabled:
      description: Whether the status is C(ENABLE).
      type: bool
      sample: true
    protection:
      description: C(BASIC) or C(COMMON_HSM).
      type: str
      sample: BASIC
    convergent:
      description: Whether the key is convergent.
      type: bool
      sample: false
    auto_rotation:
      description: Whether automatic rotation is on.
      type: bool
      sample: true
    rotation_period:
      description: Days between automatic rotations.
      type: int
      sample: 30
    next_rotation_date:
      description: Next automatic rotation, ISO 8601 UTC.
      type: str
      sample: '2026-12-22T10:00:00.000Z'
    memo:
      description: The memo.
      type: str
      sample: Encrypts application data
    current_version:
      description: Current key version.
      type: int
      sample: 1
    keystore_id:
      description: ID of the keystore that holds the key.
      type: int
      sample: 1000
    region:
      description: Null for a global key, C(KR) or C(JPN) for a region-isolation key.
      type: str
      sample: KR
    created:
      description: Creation time, ISO 8601 UTC.
      type: str
      sample: '2026-11-22T10:00:00.000Z'
    deletion_date:
      description:
        - When a key pending deletion will be destroyed, ISO 8601 UTC. After a deletion request, 72 hours after
          the request (NCP's documented delay), unless the API reports the date.
      type: str
      sample: '2026-11-25T10:00:00.000Z'
    ip_acl:
      description: Whether the key's IP ACL is enabled; only when the task gives O(ip_acl) or O(allowed_ips).
      type: bool
      sample: true
    allowed_ips:
      description: The addresses the IP ACL allows; only when the task gives O(ip_acl) or O(allowed_ips).
      type: list
      elements: str
      sample: [10.0.1.15, 10.0.1.16]
    token_generator:
      description: Whether the key has a token generator; only when the task gives O(token_generator).
      type: bool
      sample: true
actions:
  description: The writes made, or that check mode would make, in order.
  returned: always
  type: list
  elements: str
  sample: ['create key', 'disable']
error:
  description: The API error behind a failure.
  returned: on API failure
  type: dict
  contains:
    status:
      description: HTTP status, null when no answer arrived.
      type: int
      sample: 409
    code:
      description: Error code from the gateway or KMS.
      type: str
      sample: DUPLICATE
    message:
      description: The error message.
      type: str
      sample: a key named app-data already exists
'''

from ansible_collections.ncloud.kms.plugins.module_utils.base import CreateKey, KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.connection import boundary_name
from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.key_settings import (
    SETTING_OPTIONS, KeySettings, deletion_changes,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import (
    deletion_date, describe_key, full_record, get_acl, get_token_generator, key_record,
)
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KEY_SELECTOR, case_warning, name_problem


class KmsKey(KmsModule):
    argument_spec = dict(
        KEY_SELECTOR,
        rename_from=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        force_delete=dict(type='bool', default=False),
        purge_allowed_ips=dict(type='bool', default=True),
        token_generator=dict(type='bool', no_log=False),
        **SETTING_OPTIONS
    )
    module_kwargs = dict(required_one_of=[('name', 'key_tag')], mutually_exclusive=[('rename_from', 'key_tag')],
                         required_by={'rename_from': 'name'})

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        p = self.params
        self.settings = KeySettings(p, self.module.warn, self.check_mode)
        if p['rename_from'] is not None:
            problem = name_problem(p['rename_from'], 'rename_from')
            if problem:
                self.fail(problem)
            if p['state'] != 'present':
                self.fail('rename_from needs state=present: it renames a key, and state=absent deletes one')
            if p['rename_from'].lower() == p['name'].lower():
                self.fail('rename_from must differ from name, regardless of case (NCP treats names that differ only '
                          'in case as one); got %r and %r' % (p['rename_from'], p['name']))
        problem = self.settings.problem()
        if problem:
            self.fail(problem)
        if p['state'] == 'absent' and (self.settings.acl_asked() or p['token_generator'] is not None):
            self.fail('ip_acl, allowed_ips and token_generator need state=present: they set up a key that stays, and '
                      'state=absent deletes it')

    # ---- find ----------------------------------------------------------------------------------

    def needs_full_record(self):
        return self.params['state'] == 'present' and self.settings.needs_full_record()

    def find(self):
        """The key by tag, by name, or (with rename_from) by name else by its former name: one listing.
        Sets ``self.region`` to the boundary the key lives in (or a new key goes to)."""
        p = self.params
        if p['rename_from'] is None:
            key = self.selector.find(self.connection, full=self.needs_full_record())
            if key and p['key_tag'] and p['name'] and key.get('keyName') not in (None, p['name']) \
                    and key['keyName'].lower() == p['name'].lower():
                self.module.warn(case_warning(p['name'], key))   # by name, the selector says so
            return key
        named = self.selector.find_names(self.connection, [p['name'], p['rename_from']])
        if len(named) == 2:
            self.fail('both %s and %s exist, so rename_from cannot tell which key this task manages. Delete the one '
                      'no longer needed (ncloud.kms.kms_key with state: absent), or give name another value'
                      % (describe_key(named[p['name']]), describe_key(named[p['rename_from']])))
        found = named.get(p['name']) or named.get(p['rename_from'])
        return full_record(self.client(self.region), found) if self.needs_full_record() else found

    def with_settings(self, client, key):
        """The found key with its IP ACL (one GET) when the task gives an ACL option, and whether it has a token
        generator (one GET) when the task gives token_generator."""
        if key is None:
            return key
        if self.settings.acl_asked():
            key = dict(key, **get_acl(client, key['keyTag']))
        if self.params['token_generator'] is not None:
            key = dict(key, hasTokenGenerator=get_token_generator(client, key['keyTag']) is not None)
        return key

    # ---- act -----------------------------------------------------------------------------------

    def create(self, client):
        body = self.settings.create_body()
        later = self.settings.changes_after_create()   # decided (and checked) before the create
        try:
            key = self.send(client, CreateKey(body)) or self.settings.predicted_new_key(body)
        except KmsApiError as exc:
            return self.created_by_another(client, exc)
        key = self.settings.with_new_key_settings(key)
        return self.apply(client, key, later) if later else key

    def created_by_another(self, client, exc):
        """A create refused as a duplicate: another task or job made the key at the same moment (AWX slices,
        parallel jobs). The task then manages the key it finds, as if it had found it first."""
        found = exc.status == 409 and self.selector.find_in(client, name=self.params['name'], full=True)
        if not found:
            raise exc
        self.module.warn('%s was created by another task or job while this task created it; this task manages that '
                         'key as it found it' % describe_key(found))
        return self.update(client, self.with_settings(client, found))

    def delete(self, client, key):
        """Request deletion (and destroy at once with force_delete); the record carries the deletion date."""
        # Only the deletion answer's statusDate dates the request; a full record's is an older change.
        after = self.apply(client, dict(key, statusDate=None), deletion_changes(key, self.params['force_delete']))
        if after is not None:
            after['destroyDate'] = deletion_date(after, self.now_ms())
        return after

    def update(self, client, key):
        self.settings.check_existing(key)
        if key['status'] == 'REVOKE':
            self.module.warn(self.settings.pending_deletion_warning(key, 'state=present'))
        return self.apply(client, key, self.settings.changes(key))

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        p = self.params
        # "found in the KR boundary" is said when the task changes that key; a run that changes nothing (the re-run of
        # a create-then-migrate playbook) leaves it unsaid
        followed = []
        self.selector.warn_location = followed.append
        found = self.find()
        client = self.client(self.region)
        if p['state'] == 'present':
            found = self.with_settings(client, found)
        before = key_record(found, self.region) if found else {}
        if found is None and p['key_tag'] is not None and p['state'] == 'present':
            how = ('to create a key named %s, leave out key_tag' % p['name'] if p['name']
                   else 'a new key needs name (and no key_tag)')
            self.key_missing('no key has key_tag %s in %s; %s' % (p['key_tag'], self.selector.searched(self.connection), how))
            return {'key': {}}, None, None
        if p['state'] == 'absent':
            if found is None:
                self.selector.warn_if_elsewhere(self.connection, 'nothing was deleted')
            after_key = found and self.delete(client, found)
        elif found is None:
            self.selector.warn_if_elsewhere(self.connection, 'a new key of that name is created in the %s boundary'
                                            % boundary_name(self.region))
            after_key = self.create(client)
        else:
            after_key = self.update(client, found)
        for warning in followed if self.changed else []:
            self.module.warn(warning)
        after = key_record(after_key, self.region) if after_key else {}
        return {'key': after}, before, after


def main():
    KmsKey.main()


if __name__ == '__main__':
    main()
