#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_reencrypt
short_description: Bring the NCP KMS ciphertexts in files to the key's current version
version_added: 0.4.0
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
  - All the ciphertexts must be of the one key given, with the one O(context) given; one that NCP cannot
    re-encrypt fails the task before any file is written.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  path:
    description:
      - Files to renew. Each item is a path or a glob pattern (C(**) matches folders at any depth); a pattern that
        matches nothing is reported in a warning, a path that does not exist fails the task.
    type: list
    elements: path
    required: true
  context:
    description:
      - The context the ciphertexts were made with, if any (at most 50 bytes).
    type: str
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
'''

RETURN = r'''
key_version:
  description: The key's current version, which the renewed ciphertexts carry.
  returned: when the key was found
  type: int
  sample: 3
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
  description: The renewed ciphertexts, counted by the version they had (the version as text).
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

import glob
import os
import re

from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.ncloud.kms.plugins.module_utils import envelope
from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import KmsCrypto, ciphertext_version, encode_context
from ansible_collections.ncloud.kms.plugins.module_utils.selector import key_selector

# A ciphertext inside any text: the prefix, then base64 (standard or URL-safe) with its padding.
CIPHERTEXT_IN_TEXT = re.compile(r'ncpkms:v\d+:[A-Za-z0-9+/_-]+={0,2}')


class SecretFile(object):
    """One file: its ciphertexts (or an envelope's data key) and how to write it back renewed."""

    def __init__(self, path):
        self.path = path
        self.sealed = envelope.Envelope(path) if envelope.file_is_envelope(path) else None
        if self.sealed is not None:
            self.ciphertexts = [self.sealed.wrapped_key]
        else:
            with open(path, 'rb') as handle:
                self.text = to_text(handle.read(), errors='surrogate_or_strict')
            found = CIPHERTEXT_IN_TEXT.findall(self.text)
            self.ciphertexts = [c for c in found if ciphertext_version(c) is not None]

    def stale(self, current):
        return [c for c in self.ciphertexts if ciphertext_version(c) != current]

    def write_renewed(self, out, renewed):
        """Write the file with each stale ciphertext replaced by its renewed form (``renewed``: old -> new)."""
        if self.sealed is not None:
            self.sealed.rewrap(renewed[self.sealed.wrapped_key], out)
            return
        text = CIPHERTEXT_IN_TEXT.sub(lambda match: renewed.get(match.group(0), match.group(0)), self.text)
        out.write(to_bytes(text, errors='surrogate_or_strict'))


class KmsReencrypt(KmsModule):
    argument_spec = dict(
        key_selector('key_name'),
        path=dict(type='list', elements='path', required=True),
        context=dict(type='str'),
    )
    module_kwargs = dict(required_one_of=[('key_name', 'key_tag')], mutually_exclusive=[('key_name', 'key_tag')])
    empty_result = {'renewed': 0, 'current': 0, 'by_version': {}, 'files': []}

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        """The files (patterns expanded) and what they hold, and the encoded context, before any request."""
        self.context = encode_context(self.params['context'])
        self.files = [SecretFile(path) for path in self.expand(self.params['path'])]

    def expand(self, items):
        paths = []
        for item in items:
            if glob.has_magic(item):
                matched = sorted(path for path in glob.glob(item, recursive=True) if os.path.isfile(path))
                if not matched:
                    self.module.warn('path %s matches no file' % item)
                paths += matched
            elif os.path.isdir(item):
                paths += sorted(os.path.join(folder, name) for folder, unused, names in os.walk(item) for name in names)
            elif os.path.isfile(item):
                paths.append(item)
            else:
                self.fail('path %s is neither a file, a folder nor a pattern that matches files' % item)
        return list(dict.fromkeys(paths))

    # ---- find ----------------------------------------------------------------------------------

    def find(self):
        """The key's full record (its current version)."""
        return self.selector.find(self.connection, full=True, if_missing=self.key_missing)

    def predicted_writes(self):
        return ['rewrite %s' % f.path for f in self.files if f.ciphertexts]

    # ---- compare -------------------------------------------------------------------------------

    def plan(self, current):
        """The distinct stale ciphertexts in the order met, and the per-version counts of the result."""
        stale = list(dict.fromkeys(c for f in self.files for c in f.stale(current)))
        by_version = {}
        for ciphertext in stale:
            by_version[str(ciphertext_version(ciphertext))] = by_version.get(str(ciphertext_version(ciphertext)), 0) + 1
        return stale, by_version

    # ---- act -----------------------------------------------------------------------------------

    def renew(self, crypto, key, stale):
        """Re-encrypt the stale ciphertexts (NCP sees only ciphertexts; check mode sends nothing), then write back
        each file that held one. Every re-encrypt call is answered before the first file is written."""
        renewed = {} if self.check_mode else dict(zip(stale, crypto.re_encrypt(key, stale, self.context)))
        for secret_file in self.files:
            if secret_file.stale(key['currentVersion']):
                self.act_locally('rewrite %s' % secret_file.path, lambda f=secret_file: self.write_file(
                    f.path, lambda out: f.write_renewed(out, renewed)))

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        key = self.find()
        if key is None:
            return self.missing_key_result(), None, None
        current = key['currentVersion']
        stale, by_version = self.plan(current)
        if stale:
            self.renew(KmsCrypto(self.client(self.region)), key, stale)
        files = [{'path': f.path, 'ciphertexts': len(f.ciphertexts), 'renewed': len(f.stale(current)),
                  'envelope': f.sealed is not None} for f in self.files]
        result = {'key_version': current, 'renewed': len(stale), 'by_version': by_version, 'files': files,
                  'current': len(set(c for f in self.files for c in f.ciphertexts)) - len(stale)}
        before = {'older_ciphertexts': dict((f['path'], f['renewed']) for f in files)}
        after = {'older_ciphertexts': dict((f['path'], 0) for f in files)}
        return result, before, after


def main():
    KmsReencrypt.main()


if __name__ == '__main__':
    main()
