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
  - A O(dest) that holds no ciphertext (any other file, or a damaged ciphertext), or a ciphertext that this key and
    context cannot decrypt (another key's, or another context's), is not overwritten unless O(force=true); the task
    fails before any write, naming the file.
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
  context:
    description:
      - Text bound to the ciphertext (the module encodes it), at most 50 bytes. The same context must be given
        to decrypt. Required for a convergent key.
    type: str
  dest:
    description:
      - Write the ciphertext to this file (with a trailing newline) instead of only returning it.
    type: path
  force:
    description:
      - Replace a O(dest) that holds no ciphertext, or a ciphertext this key and context cannot decrypt.
      - Without it such a O(dest) fails the task before any write. A O(dest) that holds a ciphertext of this key
        and context is rewritten when its content differs, with or without O(force).
    type: bool
    default: false
    version_added: 0.3.0
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
  - ncloud.kms.key_selector.key_name
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
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

- name: Replace whatever the file holds (another key's ciphertext, or plain text) with a ciphertext of this key
  ncloud.kms.kms_encrypt:
    content: "{{ db_password }}"
    key_name: app-secrets-v2
    dest: group_vars/all/db_password.ncpkms
    force: true
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
    key_cache: false   # NCLOUD_KMS_KEY_CACHE=false does the same
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
uid:
  description: Owner id of O(dest) (ansible-core adds the file's attributes to a result that names a file).
  returned: with O(dest), when the file exists
  type: int
  sample: 1000
gid:
  description: Group id of O(dest).
  returned: with O(dest), when the file exists
  type: int
  sample: 1000
owner:
  description: Owner name of O(dest).
  returned: with O(dest), when the file exists
  type: str
  sample: app
group:
  description: Group name of O(dest).
  returned: with O(dest), when the file exists
  type: str
  sample: app
mode:
  description: Permissions of O(dest), in octal.
  returned: with O(dest), when the file exists
  type: str
  sample: '0600'
state:
  description: C(file) for an existing O(dest), C(absent) for one check mode would write.
  returned: with O(dest)
  type: str
  sample: file
size:
  description: Size of O(dest) in bytes.
  returned: with O(dest), when the file exists
  type: int
  sample: 110
actions:
  description: The writes made, or that check mode would make (C(write dest), C(set file attributes)).
  returned: always
  type: list
  elements: str
  sample: ['write dest']
error:
  description: The API error behind a failure, with C(status), C(code) and C(message).
  returned: on API failure
  type: dict
  sample:
    status: 401
    code: '200'
    message: 'Authentication Failed (signature does not match); check access_key and secret_key, and that ...'
'''

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule, key_selector
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import (
    MAX_DATA_BYTES, CryptoError, KmsCrypto, check_ciphertexts, check_plaintexts, ciphertext_version, encode_context,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import describe_key


class KmsEncrypt(KmsModule):
    argument_spec = dict(
        key_selector('key_name'),
        content=dict(type='str', no_log=True),
        src=dict(type='path'),
        context=dict(type='str'),
        dest=dict(type='path'),
        force=dict(type='bool', default=False),
        mode=dict(type='raw'),
        owner=dict(type='str'),
        group=dict(type='str'),
    )
    module_kwargs = dict(required_one_of=[('content', 'src'), ('key_name', 'key_tag')],
                         mutually_exclusive=[('content', 'src'), ('key_name', 'key_tag')])
    empty_result = {}

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        """The content to encrypt (from content or src) and the encoded context, before any request."""
        self.data = self.read_input()
        check_plaintexts([self.data], None)
        self.context = encode_context(self.params['context'])

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

    def find(self):
        key = self.find_task_key(self.params['key_name'], self.params['key_tag'])
        if key is None:
            self.key_missing(self.describe_selector())
        return key

    def predicted_writes(self):
        return ['write dest'] if self.params['dest'] else []

    # ---- compare -------------------------------------------------------------------------------

    def held_ciphertext(self, crypto, key):
        """The ciphertext in dest when it decrypts to the content with this key and context, else None.

        A dest that holds no ciphertext, or one this key and context cannot decrypt, fails here unless force.
        """
        dest = self.params['dest']
        if not dest or not os.path.isfile(dest):
            return None
        with open(dest, 'rb') as handle:
            held = handle.read().decode('ascii', 'replace').strip()
        try:
            check_ciphertexts([held], 'dest')
        except CryptoError:
            return self.refuse_unless_forced('holds no valid NCP ciphertext (another file, or a damaged ciphertext)')
        try:
            same = crypto.decrypt(key, [held], self.context) == [self.data]
        except CryptoError:
            return self.refuse_unless_forced('holds a ciphertext that %s cannot decrypt with this context (another '
                                             "key's, or another context's)" % describe_key(key))
        return held if same else None

    def refuse_unless_forced(self, what):
        if not self.params['force']:
            self.fail('dest %s %s: kms_encrypt does not overwrite it unless force: true' % (self.params['dest'], what))
        return None

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

    def set_attributes(self):
        """mode, owner and group of dest (ansible's own helper honours check mode)."""
        dest = self.params['dest']
        if not os.path.exists(dest) and self.check_mode:
            return
        file_args = self.module.load_file_common_arguments(self.params, path=dest)
        if self.module.set_fs_attributes_if_different(file_args, False, diff=None) and not self.changed:
            self.changed_locally('set file attributes')  # a file written in this run counts as one write

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        p = self.params
        existed = bool(p['dest']) and os.path.exists(p['dest'])
        key = self.find()
        crypto = KmsCrypto(self.client(self.region))
        if key is None:
            return ({'dest': p['dest']} if p['dest'] else {}), None, None
        crypto.check_enabled(key)
        held = self.held_ciphertext(crypto, key)
        ciphertext = held
        if held is None and not (p['dest'] and self.check_mode):
            ciphertext = crypto.encrypt(key, [self.data], self.context)[0]
        if held is None and p['dest']:
            self.act_locally('write dest', lambda: self.write_dest(ciphertext))
        result = {}
        if ciphertext is not None:
            result.update(ciphertext=ciphertext, key_version=ciphertext_version(ciphertext))
        if not p['dest']:
            return result, None, None
        self.set_attributes()
        result['dest'] = p['dest']
        before = {'dest': p['dest'], 'holds_this_content': held is not None, 'exists': existed}
        after = {'dest': p['dest'], 'holds_this_content': True, 'exists': True}
        return result, before, after


def main():
    KmsEncrypt.main()


if __name__ == '__main__':
    main()
