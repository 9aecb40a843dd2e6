#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_encrypt
short_description: Encrypt content with a NAVER Cloud Platform KMS key, into a file that does not churn
version_added: 0.2.0
description:
  - Encrypts O(content) or the file O(src) with one NCP KMS key and returns the ciphertext
    (C(ncpkms:v<version>:...)), or writes it to O(dest).
  - With O(dest), the task is idempotent. When O(dest) exists and decrypts with the same key and context to the
    same content, nothing is written and the task reports C(changed=false); otherwise the new ciphertext is
    written (a normal key makes a different ciphertext each time, so comparing ciphertexts would rewrite the
    file on every run). O(mode), O(owner) and O(group) are applied as M(ansible.builtin.copy) does.
  - Without O(dest), the ciphertext is returned and the task reports C(changed=false).
  - The content is never returned, logged or shown in C(--diff); O(content) is a C(no_log) option.
  - Content over 32 KB (190 bytes for an RSA2048 key) or a context over 50 bytes fails before any request.
  - The key must be enabled; a disabled key, a key pending deletion or an ECDSA key fails before encrypting.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  content:
    description:
      - The text to encrypt (UTF-8). One of O(content) and O(src) is required.
    type: str
  src:
    description:
      - A file on the managed host whose bytes are encrypted.
    type: path
  key_name:
    description:
      - Name of the key to encrypt with (one list call). One of O(key_name) and O(key_tag) is required.
    type: str
  key_tag:
    description:
      - Tag of the key to encrypt with (one read).
    type: str
  region:
    description:
      - Unset for a global key; V(KR) or V(JPN) for a region-isolation key.
    type: str
    choices: [KR, JPN]
  context:
    description:
      - Text bound to the ciphertext (the module encodes it), at most 50 bytes. The same context must be given
        to decrypt. Required for a convergent key.
    type: str
  dest:
    description:
      - Write the ciphertext to this file (with a trailing newline) instead of only returning it.
    type: path
  mode:
    description:
      - Permissions of O(dest), as for M(ansible.builtin.copy) (for example V('0600')).
    type: raw
  owner:
    description:
      - Owner of O(dest).
    type: str
  group:
    description:
      - Group of O(dest).
    type: str
extends_documentation_fragment:
  - ncloud.kms.auth
attributes:
  check_mode:
    support: full
    description: Decrypts an existing O(dest) to tell whether it would change, and writes nothing.
  diff_mode:
    support: full
    description: Says whether O(dest) would be written; never shows content or ciphertext.
'''

EXAMPLES = r'''
- name: Keep the database password in git as an NCP ciphertext (re-runs do not rewrite it)
  ncloud.kms.kms_encrypt:
    content: "{{ db_password }}"
    key_name: app-secrets
    dest: group_vars/all/db_password.ncpkms
    mode: '0600'
  no_log: true

- name: Encrypt a license file with a KR key, bound to a context
  ncloud.kms.kms_encrypt:
    src: /opt/app/license.bin
    key_tag: "{{ kr_key.key.key_tag }}"
    region: KR
    context: product=app
    dest: /opt/app/license.ncpkms
    owner: app
    group: app
    mode: '0640'

- name: Return a ciphertext without writing a file
  ncloud.kms.kms_encrypt:
    content: "{{ api_token }}"
    key_name: app-secrets
  register: sealed
  no_log: true

- name: Encrypt through a private gateway, giving every common option
  ncloud.kms.kms_encrypt:
    content: "{{ api_token }}"
    key_name: app-secrets
    access_key: "{{ ncp_access_key }}"
    secret_key: "{{ ncp_secret_key }}"
    site: public
    endpoint: https://kms-gateway.example.internal
    endpoint_kr: https://kms-gateway-kr.example.internal
    endpoint_jpn: https://kms-gateway-jp.example.internal
    ca_path: /etc/pki/internal-ca.pem
    validate_certs: true
    timeout: 30
    retries: 5
  no_log: true
'''

RETURN = r'''
ciphertext:
  description: The ciphertext of the content; with O(dest), the one the file holds after the run.
  returned: when encrypted or read from O(dest) (not in check mode when a new one would be written)
  type: str
  sample: 'ncpkms:v1:kS5xQ0...'
key_version:
  description: The key version the ciphertext names.
  returned: with RV(ciphertext)
  type: int
  sample: 1
dest:
  description: The file written or checked.
  returned: with O(dest)
  type: str
  sample: group_vars/all/db_password.ncpkms
actions:
  description: The writes made, or that check mode would make (C(write dest)).
  returned: always
  type: list
  elements: str
  sample: ['write dest']
'''

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.client import REGIONS
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import (
    MAX_DATA_BYTES, CryptoError, KmsCrypto, check_ciphertexts, check_plaintexts, ciphertext_version, encode_context,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import boundary_name, get_key


class KmsEncrypt(KmsModule):
    argument_spec = dict(
        content=dict(type='str', no_log=True),
        src=dict(type='path'),
        key_name=dict(type='str'),
        key_tag=dict(type='str', no_log=False),
        region=dict(type='str', choices=list(REGIONS)),
        context=dict(type='str'),
        dest=dict(type='path'),
        mode=dict(type='raw'),
        owner=dict(type='str'),
        group=dict(type='str'),
    )
    module_kwargs = dict(required_one_of=[('content', 'src'), ('key_name', 'key_tag')],
                         mutually_exclusive=[('content', 'src'), ('key_name', 'key_tag')])
    empty_result = {}

    # ---- input -------------------------------------------------------------------------------

    def validate(self):
        self.data = self.read_input()
        try:
            check_plaintexts([self.data], None)
            self.context = encode_context(self.params['context'])
        except CryptoError as exc:
            self.fail(str(exc))

    def read_input(self):
        p = self.params
        if p['content'] is not None:
            return to_bytes(p['content'], errors='surrogate_or_strict')
        if not os.path.isfile(p['src']):
            self.fail('src must name a file; %s is not one' % p['src'])
        if os.path.getsize(p['src']) > MAX_DATA_BYTES:
            self.fail('the content to encrypt must be at most %d bytes (32 KB); src %s has %d'
                      % (MAX_DATA_BYTES, p['src'], os.path.getsize(p['src'])))
        with open(p['src'], 'rb') as handle:
            return handle.read()

    # ---- find ----------------------------------------------------------------------------------

    def find_key(self, crypto):
        p = self.params
        if p['key_tag'] is not None:
            key = get_key(crypto.client, p['key_tag'])
            where = 'no key has key_tag %s' % p['key_tag']
        else:
            key = crypto.find(key_name=p['key_name'])
            where = 'no key named %s' % p['key_name']
        if key is None:
            self.key_missing('%s in the %s boundary' % (where, boundary_name(p['region'])))
        return key

    # ---- compare -------------------------------------------------------------------------------

    def current_ciphertext(self, crypto, key):
        """The ciphertext in dest when it decrypts to the content with this key and context, else None."""
        dest = self.params['dest']
        if not dest or not os.path.isfile(dest):
            return None
        with open(dest, 'rb') as handle:
            held = handle.read().decode('ascii', 'replace').strip()
        try:
            check_ciphertexts([held], 'dest')
            same = crypto.decrypt(key, [held], self.context) == [self.data]
        except CryptoError:
            return None  # another key, another context or not a ciphertext: the file is rewritten
        return held if same else None

    # ---- act -----------------------------------------------------------------------------------

    def write_dest(self, ciphertext):
        dest = self.params['dest']
        folder = os.path.dirname(os.path.abspath(dest))
        if not os.path.isdir(folder):
            self.fail('the folder of dest does not exist: %s' % folder)
        handle, temp = tempfile.mkstemp(dir=folder, prefix='.kms_encrypt.')
        with os.fdopen(handle, 'wb') as out:
            out.write(to_bytes(ciphertext + '\n'))
        self.module.atomic_move(temp, dest)

    def apply_attributes(self):
        file_args = self.module.load_file_common_arguments(self.params, path=self.params['dest'])
        if self.module.set_fs_attributes_if_different(file_args, False, diff=None):
            self.changed = True

    def run(self):
        p = self.params
        crypto = KmsCrypto(self.client(p['region']))
        existed = bool(p['dest']) and os.path.exists(p['dest'])
        try:
            key = self.find_key(crypto)
            if key is None:
                return {}, None, None
            crypto.check_enabled(key)
            held = self.current_ciphertext(crypto, key)
            if held is not None:
                ciphertext = held
            elif p['dest'] and self.check_mode:
                ciphertext = None
                self.changed = True
                self.actions.append('write dest')
            else:
                ciphertext = crypto.encrypt(key, [self.data], self.context)[0]
                if p['dest']:
                    self.write_dest(ciphertext)
                    self.changed = True
                    self.actions.append('write dest')
        except CryptoError as exc:
            self.fail(str(exc))
        return self.result(ciphertext, held, existed)

    def result(self, ciphertext, held, existed):
        p = self.params
        result = {}
        if ciphertext is not None:
            result.update(ciphertext=ciphertext, key_version=ciphertext_version(ciphertext))
        if not p['dest']:
            return result, None, None
        result['dest'] = p['dest']
        if os.path.exists(p['dest']) or not self.check_mode:
            self.apply_attributes()
        before = {'dest': p['dest'], 'holds_this_content': held is not None, 'exists': existed}
        after = {'dest': p['dest'], 'holds_this_content': True, 'exists': True}
        return result, before, after


def main():
    KmsEncrypt.main()


if __name__ == '__main__':
    main()
