#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_key_token
short_description: Issue a token set for an application to call a NAVER Cloud Platform KMS key with
version_added: 1.0.0
description:
  - Issues a token set (a refresh token and an access token) from the key's token generator, for an application
    that calls the key's token-auth APIs (which the key's IP ACL can limit, see M(ncloud.kms.kms_key)). The tokens
    carry every permission of the issuing user on the key.
  - Every run issues a new set and reports C(changed=true), because a new credential exists. Check mode issues
    nothing (and returns no token).
  - The result holds the tokens, and a module's return values show at C(-v), so give the task C(no_log=true), as
    the examples do. Store the tokens where the application reads them, for example encrypted with
    M(ncloud.kms.kms_encrypt) into a file, or in a secret manager. Nothing else in the result is secret.
  - NCP cannot revoke one token. Replacing the generator (O(rotate_generator=true)) or discarding it (M(ncloud.kms.kms_key)
    with O(ncloud.kms.kms_key#module:token_generator=false)) voids every token it issued, irreversibly.
  - The key must be enabled (assumed from NCP's API v3); a key that is not, or that has no token generator while
    O(create_generator) is false, fails before any write.
  - A token-set request whose answer was lost is not sent again (its tokens never arrived), and the task fails
    saying so. Run it again for a new set.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  access_token_hours:
    description:
      - How long the access token is valid, in hours (1 to 17520), or V(unlimited).
      - Unset leaves NCP's default, 72 hours.
    type: raw
  refresh_token_hours:
    description:
      - How long the refresh token is valid, in hours (1 to 17520), or V(unlimited).
      - Unset leaves NCP's default, 2160 hours.
    type: raw
  create_generator:
    description:
      - V(true) creates the key's token generator first when it has none. V(false) fails before any write when it has
        none.
    type: bool
    default: false
  rotate_generator:
    description:
      - V(true) replaces the key's token generator before issuing, which voids every token it issued before,
        irreversibly. Needs O(force=true). A generator this task has just created is not replaced.
    type: bool
    default: false
  force:
    description:
      - Confirms O(rotate_generator=true).
    type: bool
    default: false
extends_documentation_fragment:
  - ncloud.kms.key_selector
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Issues nothing and returns no token; reports what would be done (C(changed=true)).
  diff_mode:
    support: none
    description: A token set is a new credential, not a state to compare.
'''

EXAMPLES = r'''
- name: Issue a token set for the billing service (one day access, 30 days refresh)
  ncloud.kms.kms_key_token:
    name: app-data
    access_token_hours: 24
    refresh_token_hours: 720
  register: billing_tokens
  no_log: true

- name: Keep the refresh token encrypted beside the playbooks (the access token is renewed from it)
  ncloud.kms.kms_encrypt:
    key_name: app-secrets
    content: "{{ billing_tokens.refresh_token }}"
    dest: files/billing-refresh-token.ncpkms
  no_log: true

- name: Create the key's token generator when it has none, then issue tokens that never expire
  ncloud.kms.kms_key_token:
    name: app-data
    create_generator: true
    access_token_hours: unlimited
    refresh_token_hours: unlimited
  register: tokens
  no_log: true

- name: Void every token issued so far (replace the generator) and issue a new set
  ncloud.kms.kms_key_token:
    key_tag: "{{ app_key.key.key_tag }}"
    region: KR
    rotate_generator: true
    force: true
  register: tokens
  no_log: true
'''

RETURN = r'''
access_token:
  description: The access token (a secret; null in check mode).
  returned: always
  type: str
  sample: eyJhbGciOi...
refresh_token:
  description: The refresh token (a secret; null in check mode), which renews the access token.
  returned: always
  type: str
  sample: eyJhbGciOi...
access_token_hours:
  description: How long the access token is valid, in hours, or C(unlimited) (NCP's default when not asked).
  returned: always
  type: str
  sample: '24'
refresh_token_hours:
  description: How long the refresh token is valid, in hours, or C(unlimited) (NCP's default when not asked).
  returned: always
  type: str
  sample: '720'
generator:
  description:
    - The key's token generator as read before issuing (after a create or replace in this run, its identifier and
      dates are null until read again).
  returned: when the key was found
  type: dict
  contains:
    id:
      description: The generator's identifier.
      type: str
      sample: '12'
    created:
      description: When the generator was created, ISO 8601 UTC.
      type: str
      sample: '2026-12-02T02:00:00.000Z'
    issued_tokens:
      description: How many token sets it had issued before this task.
      type: int
      sample: 3
key:
  description: The key the tokens are for, the same record as M(ncloud.kms.kms_key) returns.
  returned: always
  type: dict
  sample:
    key_tag: 3b4c4f4e2b1f43e0a3e4d9b1c2f0a7d6b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4
    name: app-data
    status: ENABLE
    enabled: true
    region: null
actions:
  description: The writes made, or that check mode would make.
  returned: always
  type: list
  elements: str
  sample: ['create token generator', 'issue token set']
error:
  description: The API error behind a failure, with C(status), C(code) and C(message).
  returned: on API failure
  type: dict
  sample:
    status: 404
    code: NOT_FOUND
    message: key has no token generator
'''

from ansible_collections.ncloud.kms.plugins.module_utils.base import (
    Change, GeneratorChange, KmsModule, ModuleFailure,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import (
    describe_key, get_token_generator, iso_utc, key_record,
)
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KEY_SELECTOR

TOKEN_HOURS = (1, 17520)
UNLIMITED = 'unlimited'
NCP_DEFAULT_HOURS = {'access_token_hours': '72', 'refresh_token_hours': '2160'}
API_HOURS = {'access_token_hours': 'accessTokenHours', 'refresh_token_hours': 'refreshTokenHours'}


class IssueTokens(Change):
    """Issue a token set: never sent twice, and a lost answer cannot be recovered (its tokens never arrived)."""

    def __init__(self, body):
        super(IssueTokens, self).__init__('issue token set', 'POST', 'token-set', body=body, idempotent=False)

    def confirm(self, client, key, exc):
        raise ModuleFailure('the answer to the token-set request for %s was lost (%s): a token set may have been '
                            'issued, but its tokens never arrived. Run the task again for a new set; one set cannot be '
                            'revoked on its own (rotate_generator voids them all)' % (describe_key(key), exc))


def api_hours(value):
    """NCP's value for an hours option (a number, or its text): an int of 1-17520 or "UL"; None when it is neither."""
    text = str(value).strip().lower()
    if text == UNLIMITED:
        return 'UL'
    if not isinstance(value, bool) and text.isdigit() and TOKEN_HOURS[0] <= int(text) <= TOKEN_HOURS[1]:
        return int(text)
    return None


class KmsKeyToken(KmsModule):
    empty_result = {'key': {}, 'access_token': None, 'refresh_token': None}

    argument_spec = dict(
        KEY_SELECTOR,
        access_token_hours=dict(type='raw', no_log=False),   # a number, or the text unlimited
        refresh_token_hours=dict(type='raw', no_log=False),
        create_generator=dict(type='bool', default=False),
        rotate_generator=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
    )
    module_kwargs = dict(required_one_of=[('name', 'key_tag')])

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        p = self.params
        for option in API_HOURS:
            if p[option] is not None and api_hours(p[option]) is None:
                self.fail('%s must be a number of hours from %d to %d, or unlimited; got %r'
                          % ((option,) + TOKEN_HOURS + (p[option],)))
        if p['rotate_generator'] and not p['force']:
            self.fail('rotate_generator: true replaces the token generator, which voids every token it issued, '
                      'irreversibly: add force: true to confirm')

    def token_body(self):
        p = self.params
        return dict((API_HOURS[option], api_hours(p[option])) for option in API_HOURS if p[option] is not None)

    # ---- find ----------------------------------------------------------------------------------

    def find(self):
        return self.selector.find(self.connection, if_missing=self.key_missing)

    def predicted_writes(self):
        """A key an earlier task creates has no generator: with create_generator it is created, then tokens issued."""
        return ['create token generator', 'issue token set'] if self.params['create_generator'] else []

    def missing_key_result(self):
        return dict(self.empty_result, **self.hours())

    # ---- compare -------------------------------------------------------------------------------

    def generator_changes(self, key, generator):
        """Create the generator when it is missing (if allowed), or replace it when asked."""
        if key.get('status') != 'ENABLE':
            self.fail('%s is %s, and NCP issues tokens for an enabled key only: enable it first (ncloud.kms.kms_key '
                      'with enabled: true)' % (describe_key(key), key.get('status')))
        if generator is None:
            if not self.params['create_generator']:
                self.fail('%s has no token generator: give create_generator: true, or token_generator: true to '
                          'ncloud.kms.kms_key' % describe_key(key))
            return [GeneratorChange('create token generator', 'POST', True)]
        if self.params['rotate_generator']:
            self.module.warn('rotate_generator replaces the token generator of %s: every token it issued before stops '
                             'working, irreversibly' % describe_key(key))
            return [GeneratorChange('replace token generator', 'PUT', True, replaces=generator.get('tokenGeneratorId'))]
        return []

    # ---- act -----------------------------------------------------------------------------------

    def issue(self, client, key, changes):
        for change in changes:
            self.send(client, change, key)
        return self.send(client, IssueTokens(self.token_body()), key) or {}

    # ---- result --------------------------------------------------------------------------------

    def hours(self):
        """How long the tokens are valid, as asked, or NCP's defaults."""
        result = {}
        for option in API_HOURS:
            asked = api_hours(self.params[option]) if self.params[option] is not None else None
            result[option] = NCP_DEFAULT_HOURS[option] if asked is None else UNLIMITED if asked == 'UL' else str(asked)
        return result

    def run(self):
        key = self.find()
        if key is None:
            return self.missing_key_result(), None, None
        client = self.client(self.region)
        generator = get_token_generator(client, key['keyTag'])
        changes = self.generator_changes(key, generator)
        tokens = self.issue(client, key, changes)
        result = dict(self.hours(), key=key_record(key, self.region),
                      access_token=tokens.get('accessToken'), refresh_token=tokens.get('refreshToken'),
                      generator=describe_generator(generator, fresh=bool(changes)))
        return result, None, None


def describe_generator(generator, fresh):
    """The generator as read before issuing; a generator made or replaced in this run is not read again."""
    if generator is None or fresh:
        return {'id': None, 'created': None, 'issued_tokens': 0}
    return {'id': str(generator.get('tokenGeneratorId')), 'created': iso_utc(generator.get('enabledDate')),
            'issued_tokens': generator.get('issuedTokenCount')}


def main():
    KmsKeyToken.main()


if __name__ == '__main__':
    main()
