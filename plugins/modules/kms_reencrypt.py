#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_reencrypt
short_description: Bring the NCP KMS ciphertexts in files to the key's current version
version_added: 1.0.0
description:
  - Finds every NCP ciphertext (C(ncpkms:v<version>:...)) in the files O(path) names (a ciphertext file, a
    C(*.ncpkms-vars) vars file, any text that holds them) and every envelope (see M(ncloud.kms.kms_encrypt)), and
    re-encrypts those made with an older version of the key under its current version, with NCP's re-encrypt
    operation; the plaintext never leaves NCP. For an envelope only its wrapped data key is re-encrypted; its body
    is copied unchanged.
  - What is already current is skipped, by the C(v<version>) in the ciphertext against the key's current version.
    A second run changes nothing and costs only the read of the key (one call by O(key_tag)).
  - Ciphertexts are sent in as few re-encrypt calls as NCP's limit allows (100 a call), all files together; a
    ciphertext found in several places is sent once. A file is rewritten at once (a temporary file moved into
    place, keeping its permissions), only when it holds something to renew.
  - After it, the older versions decrypt nothing in these files, so M(ncloud.kms.kms_key_version) with
    O(ncloud.kms.kms_key_version#module:keep_enabled=1) can disable them safely.
  - Each file is renewed with its own key and context. A C(*.ncpkms-vars) file that names them under its
    C(ncpkms) mapping (C(key_name) or C(key_tag), C(region), C(context), as the C(ncloud.kms.kms_vars) vars plugin
    reads them) is renewed with those; every other file with the task's key and O(context). Files of several keys
    and contexts renew in one task, one re-encrypt call per key and context (100 ciphertexts a call).
  - A ciphertext that NCP cannot re-encrypt (another key, another context) fails the task before any file is
    written; the message names the file and the variable (or the line) that holds it, never its value.
  - In check mode after a forced rotation that check mode only predicted, give O(current_version) the rotate task's
    C(current_version), and the task reports every ciphertext it would renew, with a warning.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  path:
    description:
      - Files to renew. Each item is a file, a folder (every file below it) or a glob pattern (C(**) matches folders at
        any depth).
      - An item that names no file (a missing file, an empty folder, a pattern that matches nothing) fails the task
        before any request, naming the item, unless O(allow_unmatched) is set; in check mode it is a warning, since
        an earlier task may write the file.
    type: list
    elements: path
    required: true
  allow_unmatched:
    description:
      - V(true) turns an O(path) item that names no file into a warning, for an item that may legitimately match
        nothing (a folder of optional secrets).
      - Leave it V(false) where the next step disables old versions (M(ncloud.kms.kms_key_version)), since a typo
        in a pattern would leave every file it meant at the old version.
    type: bool
    default: false
  context:
    description:
      - The context the ciphertexts were made with, if any (at most 50 bytes), for the files that name none.
    type: str
  current_version:
    description:
      - The version the task's key is expected to be at, for example C(current_version) of an earlier
        M(ncloud.kms.kms_key_rotate) task. In check mode a version above the key's own is a rotation that check
        mode predicted, and ciphertexts older than it are reported as to renew. Outside check mode the key must be at
        this version, else the task fails before any write.
      - Unset, the key's current version is used.
    type: int
extends_documentation_fragment:
  - ncloud.kms.key_selector.key_name
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Reads the key and the files and reports what would be renewed, per version; sends nothing else.
  diff_mode:
    support: full
    description: The number of older ciphertexts in each file, before and after.
'''

EXAMPLES = r'''
- name: After a rotation, bring every secret in the repository to the current version
  ncloud.kms.kms_reencrypt:
    path:
      - group_vars/**/*.ncpkms-vars
      - files/*.ncpkms
    key_name: app-secrets
  delegate_to: localhost
  run_once: true

- name: Then the older versions can be disabled
  ncloud.kms.kms_key_version:
    name: app-secrets
    keep_enabled: 1

- name: Renew ciphertexts bound to a context, with a KR key by tag
  ncloud.kms.kms_reencrypt:
    path: [/etc/app/license.ncpkms]
    key_tag: "{{ kr_key.key.key_tag }}"
    region: KR
    context: product=app

- name: Rotate, then renew; with current_version, --check reports the renewals the rotation would bring
  ncloud.kms.kms_key_rotate:
    name: app-secrets
    force: true
  register: rotated

- name: Renew to the rotated version
  ncloud.kms.kms_reencrypt:
    path: [group_vars/]
    key_name: app-secrets
    current_version: "{{ rotated.current_version }}"

- name: Renew secrets in a folder that may hold none on some hosts (a warning, not a failure, when it is empty)
  ncloud.kms.kms_reencrypt:
    path: [/etc/app/optional-secrets/]
    key_name: app-secrets
    allow_unmatched: true
'''

RETURN = r'''
key_version:
  description: The current version of the task's key, which its renewed ciphertexts carry.
  returned: when the key was found
  type: int
  sample: 3
by_key:
  description: Each key and context the files are renewed with (the task's first), and what each renewed.
  returned: when the task's key was found
  type: list
  elements: dict
  contains:
    key_tag:
      description: The key.
      type: str
      sample: 3b4c4f4e2b1f43e0a3e4d9b1c2f0a7d6b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4
    key_version:
      description: Its current version (in check mode after a predicted rotation, O(current_version)).
      type: int
      sample: 3
    context:
      description: Whether a context is used with it.
      type: bool
      sample: false
    renewed:
      description: Ciphertexts re-encrypted with it (or that check mode would re-encrypt).
      type: int
      sample: 2
renewed:
  description: Ciphertexts (and envelope data keys) re-encrypted, or that check mode would re-encrypt.
  returned: always
  type: int
  sample: 5
current:
  description: Ciphertexts (and envelope data keys) already at the current version.
  returned: always
  type: int
  sample: 2
by_version:
  description: The renewed ciphertexts, counted by the version they had (the version as text), all keys together.
  returned: always
  type: dict
  sample: {'1': 3, '2': 2}
files:
  description: Each file read, with how many ciphertexts it held, how many were renewed, and whether it is an envelope.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
      sample: group_vars/all/secrets.ncpkms-vars
    ciphertexts:
      description: Ciphertexts found (1 for an envelope, its data key).
      type: int
      sample: 3
    renewed:
      description: Of those, re-encrypted (or that check mode would re-encrypt).
      type: int
      sample: 2
    envelope:
      description: Whether the file is an envelope.
      type: bool
      sample: false
    own_key:
      description: Whether the file names its own key or context (its C(ncpkms) mapping).
      type: bool
      sample: false
actions:
  description: The files rewritten, or that check mode would rewrite (C(rewrite PATH)).
  returned: always
  type: list
  elements: str
  sample: ['rewrite group_vars/all/secrets.ncpkms-vars']
error:
  description: The API error behind a failure, with C(status), C(code) and C(message).
  returned: on API failure
  type: dict
  sample:
    status: 400
    code: INVALID_REQUEST
    message: 'decryption failed: the ciphertext does not match this key, version and context'
'''

from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule, ModuleFailure
from ansible_collections.ncloud.kms.plugins.module_utils.client import CryptoError, KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import KmsCrypto, ciphertext_version, encode_context
from ansible_collections.ncloud.kms.plugins.module_utils.secret_files import SecretFile, expand_paths
from ansible_collections.ncloud.kms.plugins.module_utils.selector import (
    KeySelector, key_selector, with_file_settings,
)


class KeyGroup(object):
    """The files renewed with one key and context: their selector, the key once found, and the version to reach."""

    def __init__(self, selector, context):
        self.selector, self.context = selector, context
        self.files, self.key, self.current = [], None, None

    def stale(self):
        """The distinct stale ciphertexts of the group's files, in the order met."""
        return list(dict.fromkeys(c for f in self.files for c in f.stale(self.current)))


class KmsReencrypt(KmsModule):
    argument_spec = dict(
        key_selector('key_name'),
        path=dict(type='list', elements='path', required=True),
        context=dict(type='str'),
        current_version=dict(type='int'),
        allow_unmatched=dict(type='bool', default=False),
    )
    module_kwargs = dict(required_one_of=[('key_name', 'key_tag')], mutually_exclusive=[('key_name', 'key_tag')])
    empty_result = {'renewed': 0, 'current': 0, 'by_version': {}, 'files': []}

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        """The files (patterns expanded), what they hold and which key and context each needs, before any
        request."""
        if self.params['current_version'] is not None and self.params['current_version'] < 1:
            self.fail('current_version must be 1 or more; got %d' % self.params['current_version'])
        self.context = encode_context(self.params['context'])
        self.files = [SecretFile(path) for path in self.expand(self.params['path'])]
        self.groups = self.group_files()
        self.found = {}   # selector identity -> (key, region): a key that several groups share is read once

    def expand(self, items):
        """The files the path entries name. An entry that names none fails (a typo would leave every file it meant
        at the old version) unless allow_unmatched; in check mode it warns, since an earlier task may write it."""
        paths, unmatched = expand_paths(items)
        for item in unmatched:
            message = ('path %s matches no file (no file, folder with files, or pattern match): nothing under it '
                       'can be renewed' % item)
            if self.params['allow_unmatched']:
                self.module.warn(message)
            else:
                self.expected_in_check_mode('%s; fix the entry, or set allow_unmatched: true for an entry that may '
                                            'match nothing' % message, 'write it')
        return paths

    def group_files(self):
        """``[KeyGroup]``: the task's key and context first, then each other key and context a file names."""
        groups = {}
        task = (self.selector.identity(), self.context)
        groups[task] = KeyGroup(self.selector, self.context)
        for secret_file in self.files:
            own = secret_file.settings
            if not own:
                groups[task].files.append(secret_file)
                continue
            option = with_file_settings(self.params.get, own)
            selector = KeySelector.from_options(option, 'key_name', warn=self.module.warn,
                                                writable_cache=not self.check_mode)
            problem = selector.problem(exactly_one=True)
            if problem:
                self.fail('%s: %s (under its ncpkms mapping)' % (secret_file.path, problem))
            context = encode_context(option('context'))
            groups.setdefault((selector.identity(), context), KeyGroup(selector, context)).files.append(secret_file)
        return list(groups.values())

    # ---- find ----------------------------------------------------------------------------------

    def find(self, group):
        """The group's key in full (its current version), or None in check mode (key_missing warns); a key that
        several groups share (one key, several contexts) is read once."""
        identity = group.selector.identity()
        if identity not in self.found:
            key = group.selector.find(self.connection, full=True, if_missing=self.key_missing)
            self.found[identity] = (key, group.selector.region)
        group.key, group.selector.region = self.found[identity]
        if group.key is not None:
            group.current = self.version_to_reach(group)
        return group.key

    def version_to_reach(self, group):
        """The key's current version, or for the task's key the expected current_version (check mode: a predicted
        rotation; otherwise it must hold)."""
        actual, expected = group.key['currentVersion'], self.params['current_version']
        if group.selector is not self.selector or expected is None or expected == actual:
            return actual
        if self.check_mode and expected > actual:
            self.module.warn('key %s is at version %d; this task counts as stale every ciphertext older than version '
                             '%d (current_version), the version that check mode predicts an earlier rotation reaches'
                             % (group.key['keyName'], actual, expected))
            return expected
        self.fail('current_version is %d but key %s is at version %d: nothing was renewed'
                  % (expected, group.key['keyName'], actual))
        return actual

    def predicted_writes(self):
        return ['rewrite %s' % f.path for f in self.files if f.ciphertexts]

    # ---- compare -------------------------------------------------------------------------------

    @staticmethod
    def count_by_version(stale):
        by_version = {}
        for ciphertext in stale:
            by_version[str(ciphertext_version(ciphertext))] = by_version.get(str(ciphertext_version(ciphertext)), 0) + 1
        return by_version

    # ---- act -----------------------------------------------------------------------------------

    def re_encrypt(self, group, stale):
        """``{old: new}`` of a group's stale ciphertexts (NCP sees only ciphertexts; check mode sends nothing). When
        a call fails, the ciphertexts are tried one by one, so that the failure names the file and the variable."""
        if self.check_mode or not stale:
            return {}
        crypto = KmsCrypto(self.client(group.selector.region))
        try:
            return dict(zip(stale, crypto.re_encrypt(group.key, stale, group.context)))
        except (KmsApiError, CryptoError) as exc:
            if len(stale) > 1:
                for ciphertext in stale:
                    self.re_encrypt(group, [ciphertext])
            raise ModuleFailure('%s does not re-encrypt with key %s%s: %s' % (
                self.where(group, stale[0]), group.key['keyName'], ' and its context' if group.context else '', exc))

    @staticmethod
    def where(group, ciphertext):
        holder = next(f for f in group.files if ciphertext in f.places)
        return '%s: %s' % (holder.path, holder.places[ciphertext])

    def rewrite(self, renewed):
        """Every file that holds a stale ciphertext, once every re-encrypt call is answered."""
        for group in self.groups:
            for secret_file in group.files:
                if group.key is not None and secret_file.stale(group.current):
                    self.act_locally('rewrite %s' % secret_file.path, lambda f=secret_file: self.write_file(
                        f.path, lambda out: f.write_renewed(out, renewed)))

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        if self.find(self.groups[0]) is None:
            return self.missing_key_result(), None, None
        renewed, stale_all, by_key = {}, [], []
        for group in self.groups:
            if group is not self.groups[0] and self.find(group) is None:
                continue
            stale = group.stale()
            renewed.update(self.re_encrypt(group, stale))
            stale_all += stale
            by_key.append({'key_tag': group.key['keyTag'], 'key_version': group.current,
                           'context': bool(group.context), 'renewed': len(stale)})
        self.rewrite(renewed)
        current_of = dict((id(f), g.current) for g in self.groups for f in g.files)
        files = [{'path': f.path, 'ciphertexts': len(f.ciphertexts), 'envelope': f.sealed is not None,
                  'renewed': len(f.stale(current_of[id(f)])) if current_of[id(f)] is not None else 0,
                  'own_key': bool(f.settings)} for f in self.files]
        result = {'key_version': self.groups[0].current, 'by_key': by_key, 'renewed': len(stale_all), 'files': files,
                  'by_version': self.count_by_version(stale_all),
                  'current': sum(len(set(c for f in g.files for c in f.ciphertexts)) for g in self.groups
                                 if g.key is not None) - len(stale_all)}
        before = {'older_ciphertexts': dict((f['path'], f['renewed']) for f in files)}
        after = {'older_ciphertexts': dict((f['path'], 0) for f in files)}
        return result, before, after


def main():
    KmsReencrypt.main()


if __name__ == '__main__':
    main()
