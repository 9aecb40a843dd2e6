#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_key_info
short_description: Read NAVER Cloud Platform KMS keys
version_added: 1.0.0
description:
  - Returns the keys of one boundary (global, KR or JPN), all of them or the ones that match the filters.
  - Never changes anything.
  - The keys are returned as RV(kms_keys), not C(keys), which Jinja would confuse with the C(keys()) method of a dict.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  name:
    description:
      - Return only the key with this name. Listing stops at the page that holds it.
    type: str
  key_tag:
    description:
      - Return only the key with this tag (one API read, always the full record).
    type: str
  scope:
    description:
      - Return only keys whose names match, as M(ncloud.kms.kms_keys) takes its O(ncloud.kms.kms_keys#module:scope).
    type: dict
    suboptions:
      names:
        description:
          - Shell-style patterns of key names (C(app-*), C(db-?), C([ab]*)) or plain names, matched regardless of
            case; a key matching any of them is returned. The boundary is the one O(region) names.
        type: list
        elements: str
  status:
    description:
      - Return only keys in this status.
    type: str
    choices: [ENABLE, DISABLE, REVOKE]
  details:
    description:
      - V(false) returns the fields of the list call only. V(true) reads each returned key in full
        (memo, rotation, version), one API call per key.
    type: bool
    default: false
  versions:
    description:
      - V(true) adds each returned key's RV(kms_keys[].versions), one more API call per key.
    type: bool
    default: false
  public_key:
    description:
      - V(true) adds RV(kms_keys[].public_key) to each returned RSA2048 and ECDSA key, one more API call per such
        key (get-pub-key). The key must be enabled.
    type: bool
    default: false
  acl:
    description:
      - V(true) adds each returned key's IP ACL, RV(kms_keys[].ip_acl) and RV(kms_keys[].allowed_ips), one more API
        call per key.
    type: bool
    default: false
  usage:
    description:
      - V(true) adds each returned key's latest use, RV(kms_keys[].last_used) (null for a key never used), one more
        API call per key.
    type: bool
    default: false
  activity_hours:
    description:
      - Adds each returned key's activity log of the last O(activity_hours) hours (1 to 8760), RV(kms_keys[].activities),
        newest first, at most O(activity_limit) entries per key. One call per key and per 100 entries.
    type: int
  activity_limit:
    description:
      - The most activity entries read per key with O(activity_hours) (1 to 10000).
    type: int
    default: 100
  unused_for_days:
    description:
      - Return only the keys not used in the last O(unused_for_days) days (1 to 3650), keys never used included.
        Reads each key's latest use (as O(usage=true)), one call per key.
      - The basis of C(playbooks/retire_unused_keys.yml), which schedules the deletion of such keys.
    type: int
extends_documentation_fragment:
  - ncloud.kms.key_selector
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
'''

EXAMPLES = r'''
- name: List every global key
  ncloud.kms.kms_key_info:
  register: all_keys

- name: Read one key by name, in full
  ncloud.kms.kms_key_info:
    name: app-data
    details: true
  register: app_key

- name: Read two keys by name and every key whose name starts with app-
  ncloud.kms.kms_key_info:
    scope:
      names: [billing, reports, 'app-*']
  register: some_keys

- name: Read one key by tag
  ncloud.kms.kms_key_info:
    key_tag: "{{ app_key.kms_keys[0].key_tag }}"

- name: Read every global key with its versions (one more call per key)
  ncloud.kms.kms_key_info:
    versions: true
  register: with_versions

- name: Read the public key of a signing key (PEM)
  ncloud.kms.kms_key_info:
    name: release-sign
    public_key: true
  register: signer

- name: Which addresses may call app-data's token-auth APIs (its IP ACL)
  ncloud.kms.kms_key_info:
    name: app-data
    acl: true
  register: app_acl

- name: When was app-data last used, and what happened to it in the last 24 hours (at most 500 entries)
  ncloud.kms.kms_key_info:
    name: app-data
    usage: true
    activity_hours: 24
    activity_limit: 500
  register: app_usage

- name: The keys no one has used for 90 days (never used included)
  ncloud.kms.kms_key_info:
    unused_for_days: 90
  register: unused

- name: Keys pending deletion in the KR isolation boundary
  ncloud.kms.kms_key_info:
    region: KR
    status: REVOKE
'''

RETURN = r'''
kms_keys:
  description:
    - The matching keys in list order; empty when nothing matches.
    - Without O(details), fields the list call does not carry (memo, rotation, version, keystore) are left out.
  returned: always
  type: list
  elements: dict
  contains:
    key_tag:
      description: The key's tag.
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
      description: C(AES256), C(RSA2048) or C(ECDSA).
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
      description: Whether automatic rotation is on (with O(details)).
      type: bool
      sample: true
    rotation_period:
      description: Days between automatic rotations (with O(details)).
      type: int
      sample: 30
    next_rotation_date:
      description: Next automatic rotation, ISO 8601 UTC (with O(details)).
      type: str
      sample: '2026-12-22T10:00:00.000Z'
    memo:
      description: The memo (with O(details)).
      type: str
      sample: Encrypts application data
    current_version:
      description: Current key version (with O(details)).
      type: int
      sample: 3
    keystore_id:
      description: ID of the keystore (with O(details)).
      type: int
      sample: 1000
    region:
      description: Null for global keys, C(KR) or C(JPN).
      type: str
      sample: null
    created:
      description: Creation time, ISO 8601 UTC.
      type: str
      sample: '2026-11-22T10:00:00.000Z'
    deletion_date:
      description: When a key pending deletion will be destroyed, ISO 8601 UTC.
      type: str
      sample: '2026-11-25T10:00:00.000Z'
    ip_acl:
      description: Whether the key's IP ACL is enabled (with O(acl)).
      type: bool
      sample: true
    allowed_ips:
      description: The addresses the key's IP ACL allows (with O(acl)).
      type: list
      elements: str
      sample: [10.0.1.15]
    last_used:
      description: The key's latest use (with O(usage) or O(unused_for_days)); null for a key never used.
      type: dict
      contains:
        time:
          description: When, ISO 8601 UTC.
          type: str
          sample: '2026-12-02T01:00:00.000Z'
        requestor_type:
          description: Who - C(CONSOLE), C(API) or C(SYSTEM) (automatic rotation, scheduled deletion).
          type: str
          sample: API
        requestor_ip:
          description: The address the request came from, when NCP gives it.
          type: str
          sample: 10.0.1.15
        action:
          description: What was done.
          type: str
          sample: Decrypt
        type:
          description: The kind of API, as NCP names it.
          type: str
          sample: CRYPTO
        result:
          description: How it ended, as NCP names it.
          type: str
          sample: SUCCESS
    activities:
      description: The key's activity log (with O(activity_hours)), newest first, each entry shaped as RV(kms_keys[].last_used).
      type: list
      elements: dict
      sample: [{time: '2026-12-02T01:00:00.000Z', requestor_type: API, requestor_ip: 10.0.1.15, action: Decrypt,
                type: CRYPTO, result: SUCCESS}]
    public_key:
      description: The public key (PEM) of an RSA2048 or ECDSA key (with O(public_key)).
      type: str
      sample: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...\n-----END PUBLIC KEY-----\n"
    versions:
      description: The key's versions, oldest first (with O(versions)).
      type: list
      elements: dict
      contains:
        version:
          description: Version number.
          type: int
          sample: 2
        status:
          description: The version's status.
          type: str
          sample: ENABLE
        status_date:
          description: When the version's status was set, ISO 8601 UTC.
          type: str
          sample: '2026-11-23T02:00:00.000Z'
        rotated_date:
          description: When the version was made, ISO 8601 UTC.
          type: str
          sample: '2026-11-23T02:00:00.000Z'
actions:
  description: Always empty; this module makes no writes.
  returned: always
  type: list
  elements: str
  sample: []
error:
  description: The API error behind a failure, with C(status), C(code) and C(message).
  returned: on API failure
  type: dict
  sample:
    status: 401
    code: '200'
    message: 'Authentication Failed (signature does not match); check access_key and secret_key, and that ...'
'''

import datetime

from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import PUBLIC_KEY_TYPES, KmsCrypto
from ansible_collections.ncloud.kms.plugins.module_utils.keys import (
    DAY_MS, STATUSES, all_keys, get_acl, get_activities, get_key, get_last_use, get_versions, key_record,
    version_record,
)
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KEY_SELECTOR, name_matches, pattern_problem

# option, lowest, highest: the usage options' ranges (activity hours: a year at most, assumed).
USAGE_RANGES = (('activity_hours', 1, 8760), ('activity_limit', 1, 10000), ('unused_for_days', 1, 3650))


class KmsKeyInfo(KmsModule):
    empty_result = {'kms_keys': []}

    argument_spec = dict(
        KEY_SELECTOR,
        status=dict(type='str', choices=STATUSES),
        details=dict(type='bool', default=False),
        versions=dict(type='bool', default=False),
        public_key=dict(type='bool', default=False, no_log=False),
        acl=dict(type='bool', default=False),
        usage=dict(type='bool', default=False),
        activity_hours=dict(type='int'),
        activity_limit=dict(type='int', default=100),
        unused_for_days=dict(type='int'),
        scope=dict(type='dict', options=dict(names=dict(type='list', elements='str'))),
    )

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        for pattern in self.scope_names() or []:
            problem = pattern_problem(pattern)
            if problem:
                self.fail(problem)
        for option, low, high in USAGE_RANGES:
            value = self.params[option]
            if value is not None and not low <= value <= high:
                self.fail('%s must be between %d and %d; got %d' % (option, low, high, value))

    # ---- find ----------------------------------------------------------------------------------

    def matching_keys(self):
        """The keys asked for; a name without region follows its key (global first, else the isolation boundary
        that has it). Sets ``self.region``."""
        p = self.params
        if p['name'] is None and p['key_tag'] is None:
            keys = all_keys(self.client(self.region))
        else:
            found = self.selector.find(self.connection)
            same_name = found and (p['name'] is None or str(found.get('keyName')).lower() == p['name'].lower())
            keys = [found] if same_name else []
        return [key for key in keys if p['status'] in (None, key.get('status'))
                and name_matches(key.get('keyName'), self.scope_names())]

    def scope_names(self):
        return (self.params['scope'] or {}).get('names')

    # ---- compare and act: nothing to change, it only reads ----------------------------------------

    def add_usage(self, client, records):
        """Each key's latest use and activity log when asked; with unused_for_days, only the keys unused since."""
        p = self.params
        now = self.now_ms()
        if p['usage'] or p['unused_for_days'] is not None:
            for record in records:
                record['last_used'] = get_last_use(client, record['key_tag'])
        if p['unused_for_days'] is not None:
            since = now - p['unused_for_days'] * DAY_MS
            records = [record for record in records if not used_since(record['last_used'], since)]
        if p['activity_hours'] is not None:
            for record in records:
                record['activities'] = get_activities(client, record['key_tag'], now - p['activity_hours'] * 3600 * 1000,
                                                      now, p['activity_limit'])
        return records

    def add_details(self, client, records):
        p = self.params
        if p['versions']:
            for record in records:
                record['versions'] = [version_record(v) for v in get_versions(client, record['key_tag'])[1]]
        if p['public_key']:
            crypto = KmsCrypto(client)
            for record in records:
                if record.get('key_type') in PUBLIC_KEY_TYPES:
                    record['public_key'] = crypto.public_key(record['key_tag'])

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        p = self.params
        keys = self.matching_keys()
        client = self.client(self.region)
        if p['details'] and p['key_tag'] is None:
            keys = [full for full in (get_key(client, key['keyTag']) for key in keys) if full]
        if p['acl']:
            keys = [dict(key, **get_acl(client, key['keyTag'])) for key in keys]
        records = [key_record(key, self.region) for key in keys]
        records = self.add_usage(client, records)
        self.add_details(client, records)
        return {'kms_keys': records}, None, None


def used_since(last_used, since_ms):
    """Whether a latest use (its ISO 8601 time) is at or after a time in ms; a key never used was not."""
    if not last_used or not last_used.get('time'):
        return False
    moment = datetime.datetime.strptime(last_used['time'][:19], '%Y-%m-%dT%H:%M:%S')
    return (moment - datetime.datetime(1970, 1, 1)).total_seconds() * 1000 >= since_ms - 1000


def main():
    KmsKeyInfo.main()


if __name__ == '__main__':
    main()
