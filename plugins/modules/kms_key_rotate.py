#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_key_rotate
short_description: Rotate a NAVER Cloud Platform KMS key when its current version is due
version_added: 1.0.0
description:
  - Adds a new version to one NCP KMS key (rotate now), either when the current version is older than
    O(max_age) days, which is idempotent and safe to run every night, or on every run with O(force=true).
  - The current version's age is read from the key's versions, its rotation date (version 1 dates from the
    key's creation), and judged by this controller's clock. NCP refuses signatures from a clock more than
    5 minutes off, so the judgement is within minutes of the service's.
  - Only an enabled key can be rotated. A disabled key or a key pending deletion fails before any write, saying
    why and what to do. How many versions a key may have is NCP's to decide (its pages say 100, its guide
    unlimited); the module does not count them, and reports NCP's answer when it refuses a rotation. A missing
    key fails (no key is created); in check mode it is a warning, because an earlier task may create it.
  - A rotation whose answer was lost is never sent twice. The task reads the versions back; if a new
    version appeared since it read them, the rotation happened; if not, the task fails.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  max_age:
    description:
      - Rotate only when the current version is older than this many days (1 to 3650).
      - A key whose current version is younger makes no write and reports C(changed=false).
      - Exactly one of O(max_age) and O(force=true) is required.
    type: int
  force:
    description:
      - V(true) rotates on every run. This is not idempotent - each run adds a version and reports C(changed=true).
      - Exactly one of O(max_age) and O(force=true) is required.
    type: bool
extends_documentation_fragment:
  - ncloud.kms.key_selector
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Makes no write and predicts the rotation (the next version number; its dates are null).
  diff_mode:
    support: full
    description: Shows RV(current_version) before and after.
'''

EXAMPLES = r'''
- name: Rotate app-data when its current version is older than 90 days (run it nightly)
  ncloud.kms.kms_key_rotate:
    name: app-data
    max_age: 90

- name: Rotate a KR isolation key addressed by its tag when it is older than 30 days
  ncloud.kms.kms_key_rotate:
    key_tag: "{{ kr_key.key.key_tag }}"
    region: KR
    max_age: 30

- name: Rotate now, whatever the age (adds a version on every run)
  ncloud.kms.kms_key_rotate:
    name: app-data
    force: true
'''

RETURN = r'''
key:
  description:
    - The key after the run (in check mode, as it would be), the same record as M(ncloud.kms.kms_key) returns,
      with C(current_version) read from its versions. Empty when check mode did not find the key.
  returned: always
  type: dict
  sample:
    key_tag: 3b4c4f4e2b1f43e0a3e4d9b1c2f0a7d6b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4
    name: app-data
    status: ENABLE
    enabled: true
    current_version: 4
    region: null
rotated:
  description: Whether the key was rotated (in check mode, would be).
  returned: always
  type: bool
  sample: true
previous_version:
  description: The current version when the task started.
  returned: when the key was found
  type: int
  sample: 3
current_version:
  description: The current version after the run (in check mode, as it would be).
  returned: when the key was found
  type: int
  sample: 4
age_days:
  description: Whole days since the version that was current when the task started was made.
  returned: when the key was found
  type: int
  sample: 97
versions:
  description:
    - The key's versions after the run, oldest first. A version check mode predicts has null dates.
  returned: when the key was found
  type: list
  elements: dict
  contains:
    version:
      description: Version number.
      type: int
      sample: 4
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
  description: The writes made, or that check mode would make.
  returned: always
  type: list
  elements: str
  sample: ['rotate']
error:
  description: The API error behind a failure, with C(status), C(code) and C(message).
  returned: on API failure
  type: dict
  sample:
    status: 422
    code: UNPROCESSABLE_ENTITY
    message: 'Invalid status: cannot rotate a key in DISABLE'
'''

import time

from ansible_collections.ncloud.kms.plugins.module_utils.base import AddVersion, KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.keys import (
    DAY_MS, describe_key, get_versions, key_record, version_record,
)
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KEY_SELECTOR

MAX_AGE_RANGE = (1, 3650)


class KmsKeyRotate(KmsModule):
    empty_result = {'key': {}, 'rotated': False}

    argument_spec = dict(
        KEY_SELECTOR,
        max_age=dict(type='int'),
        force=dict(type='bool'),
    )
    module_kwargs = dict(required_one_of=[('name', 'key_tag')])

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        p = self.params
        if (p['max_age'] is None) == (not p['force']):
            self.fail('exactly one of max_age and force=true is required: max_age rotates when the current version '
                      'is older than that many days, force=true rotates on every run')
        if p['max_age'] is not None and not MAX_AGE_RANGE[0] <= p['max_age'] <= MAX_AGE_RANGE[1]:
            self.fail('max_age must be between %d and %d days; got %d' % (MAX_AGE_RANGE + (p['max_age'],)))

    # ---- find ----------------------------------------------------------------------------------

    def find(self):
        return self.selector.find(self.connection, if_missing=self.key_missing)

    def predicted_writes(self):
        """A key an earlier task creates has a new version 1: force rotates it, max_age finds it not due."""
        return ['rotate'] if self.params['force'] else []

    def missing_key_result(self):
        return dict(self.empty_result, rotated=self.changed)

    # ---- compare -------------------------------------------------------------------------------

    def check_state(self, key):
        if key['status'] == 'REVOKE':
            self.fail('%s is pending deletion, and a key in REVOKE cannot be rotated: cancel the deletion first '
                      '(ncloud.kms.kms_key with state: present)' % describe_key(key))
        if key['status'] != 'ENABLE':
            self.fail('%s is %s, and NCP rotates only enabled keys: enable it first (ncloud.kms.kms_key with '
                      'enabled: true)' % (describe_key(key), key['status']))

    def age_days(self, key, current, versions):
        """Days since the current version was made: its rotation date, or the key's creation for version 1."""
        made = [v.get('rotatedDate') for v in versions if v.get('version') == current and v.get('rotatedDate')]
        made = made[0] if made else (key.get('registerDate') if current == 1 else None)
        if made is None:
            self.fail('cannot tell the age of %s: the versions answer has no rotation date for version %d'
                      % (describe_key(key), current))
        return (time.time() * 1000 - int(made)) / float(DAY_MS)

    def is_due(self, age):
        return self.params['force'] or age > self.params['max_age']

    # ---- act -----------------------------------------------------------------------------------

    def rotate(self, client, key, previous):
        """Rotate once; return ``(new version, rotation date)``. Never sent twice: a lost answer is read back."""
        data = self.send(client, AddVersion(previous), key)
        if self.check_mode:
            return previous + 1, None
        return data.get('version') or previous + 1, data.get('rotatedDate')

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        key = self.find()
        client = self.client(self.region)
        if key is None:
            return self.missing_key_result(), None, None
        self.check_state(key)
        previous, versions = get_versions(client, key['keyTag'])
        age = self.age_days(key, previous, versions)
        before = dict(key, currentVersion=previous)
        after = before
        if self.is_due(age):
            version, rotated_date = self.rotate(client, key, previous)
            versions = versions + [{'version': version, 'status': 'ENABLE', 'statusDate': rotated_date,
                                    'rotatedDate': rotated_date}]
            after = dict(key, currentVersion=version)
        result = {'key': key_record(after, self.region), 'rotated': self.changed, 'previous_version': previous,
                  'current_version': after['currentVersion'], 'age_days': int(age),
                  'versions': [version_record(v) for v in versions]}
        return result, key_record(before, self.region), key_record(after, self.region)


def main():
    KmsKeyRotate.main()


if __name__ == '__main__':
    main()
