#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_decrypt
short_description: Decrypt an NCP KMS ciphertext or envelope file into a file on the managed host
version_added: 1.0.0
description:
  - Decrypts the file O(src), which holds one NCP ciphertext (C(ncpkms:v<version>:...), as
    M(ncloud.kms.kms_encrypt) writes it) or an envelope (content of any size, see M(ncloud.kms.kms_encrypt)), and
    writes the content to O(dest).
  - Idempotent. O(dest) is compared with the decrypted content first (by SHA-256 for an envelope, streamed), and
    written only when it differs; the task then reports C(changed=true). O(mode), O(owner) and O(group) are
    applied as M(ansible.builtin.copy) does.
  - A new O(dest) is created with mode C(0600) (readable by its owner only) unless O(mode) is given; an existing
    one keeps its mode.
  - The content is never returned, logged or shown in C(--diff). An envelope is decrypted in chunks into a
    temporary file beside O(dest), moved into place only once its GCM tag verifies, so a damaged or foreign
    envelope never replaces O(dest).
  - One decrypt call either way (for an envelope, of its wrapped data key). An envelope needs the Python
    C(cryptography) package where the module runs (ansible-core installs it on the controller).
  - The C(ncloud.kms.kms_decrypt) lookup decrypts on the controller into a variable; this module writes a file
    on the managed host, for content that should not pass through variables (keystores, TLS keys, licenses).
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  src:
    description:
      - A file on the managed host holding one NCP ciphertext or an envelope.
    type: path
    required: true
  dest:
    description:
      - The file to write the content to.
    type: path
    required: true
  context:
    description:
      - The context the content was encrypted with, if any (at most 50 bytes).
    type: str
extends_documentation_fragment:
  - ansible.builtin.files
  - ncloud.kms.key_selector.key_name
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Decrypts to compare with O(dest), and writes nothing.
  diff_mode:
    support: full
    description: Says whether O(dest) would be written; never shows content.
'''

EXAMPLES = r'''
- name: Put the keystore that lives encrypted in git on the server
  ncloud.kms.kms_decrypt:
    src: files/keystore.p12.ncpkms
    dest: /etc/app/keystore.p12
    key_name: app-secrets
    owner: app
    group: app
    mode: '0600'

- name: Decrypt a license bound to a context, with a KR key
  ncloud.kms.kms_decrypt:
    src: /opt/app/license.ncpkms
    dest: /opt/app/license.bin
    key_tag: "{{ kr_key.key.key_tag }}"
    region: KR
    context: product=app
'''

RETURN = r'''
dest:
  description: The file written or checked.
  returned: always
  type: str
  sample: /etc/app/keystore.p12
envelope:
  description: Whether O(src) holds an envelope (else one NCP ciphertext).
  returned: always
  type: bool
  sample: true
key_version:
  description: The key version of the ciphertext (for an envelope, of its wrapped data key).
  returned: always
  type: int
  sample: 3
uid:
  description: Owner id of O(dest) (ansible-core adds the file's attributes to a result that names a file).
  returned: when O(dest) exists
  type: int
  sample: 1000
gid:
  description: Group id of O(dest).
  returned: when O(dest) exists
  type: int
  sample: 1000
owner:
  description: Owner name of O(dest).
  returned: when O(dest) exists
  type: str
  sample: app
group:
  description: Group name of O(dest).
  returned: when O(dest) exists
  type: str
  sample: app
mode:
  description: Permissions of O(dest), in octal.
  returned: when O(dest) exists
  type: str
  sample: '0600'
state:
  description: C(file) for an existing O(dest), C(absent) for one check mode would write.
  returned: always
  type: str
  sample: file
size:
  description: Size of O(dest) in bytes.
  returned: when O(dest) exists
  type: int
  sample: 4312
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
    status: 400
    code: INVALID_REQUEST
    message: 'decryption failed: the ciphertext does not match this key, version and context'
'''

import os

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.ncloud.kms.plugins.module_utils import envelope
from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import (
    KmsCrypto, check_ciphertexts, ciphertext_version, encode_context,
)
from ansible_collections.ncloud.kms.plugins.module_utils.selector import key_selector


class KmsDecrypt(KmsModule):
    argument_spec = dict(
        key_selector('key_name'),
        src=dict(type='path', required=True),
        dest=dict(type='path', required=True),
        context=dict(type='str')
    )
    module_kwargs = dict(add_file_common_args=True, required_one_of=[('key_name', 'key_tag')],
                         mutually_exclusive=[('key_name', 'key_tag')])
    empty_result = {}

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        """The form of src (a ciphertext or an envelope) and its wrapped key, before any request."""
        p = self.params
        if not self.files_present('src'):
            return
        self.context = encode_context(p['context'])
        self.envelope = envelope.file_is_envelope(p['src'])
        if self.envelope:
            if envelope.missing_cryptography():
                self.fail(missing_required_lib('cryptography', reason='to decrypt an envelope'))
            self.sealed = envelope.Envelope(p['src'])
            self.ciphertext = self.sealed.wrapped_key
        else:
            with open(p['src'], 'rb') as handle:
                self.ciphertext = handle.read(64 * 1024).decode('ascii', 'replace').strip()
            check_ciphertexts([self.ciphertext], 'src', [self.params['src']])

    # ---- find ----------------------------------------------------------------------------------

    def predicted_writes(self):
        return ['write dest']

    # ---- compare -------------------------------------------------------------------------------

    def dest_digest(self):
        dest = self.params['dest']
        return envelope.content_digest(dest) if os.path.isfile(dest) else None

    # ---- act -----------------------------------------------------------------------------------

    def write_dest(self, opened):
        """The plaintext into dest; a new file is private (0600) unless the task gives mode."""
        private = self.params['mode'] is None
        if self.envelope:
            self.write_file(self.params['dest'], lambda out: self.sealed.open_to(opened, out), private)
        else:
            self.write_file(self.params['dest'], lambda out: out.write(opened), private)

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        p = self.params
        existed = os.path.exists(p['dest'])
        result = {'dest': p['dest'], 'envelope': self.envelope, 'key_version': ciphertext_version(self.ciphertext)}
        key = self.selector.find(self.connection, if_missing=self.key_missing)
        if key is None:
            return result, None, None
        crypto = KmsCrypto(self.client(self.region))
        crypto.check_enabled(key)
        opened = crypto.decrypt(key, [self.ciphertext], self.context)[0]   # the content, or the data key
        content_digest = self.sealed.open_to(opened) if self.envelope else envelope.content_digest(opened)
        held = content_digest == self.dest_digest()
        if not held:
            self.act_locally('write dest', lambda: self.write_dest(opened))
        self.set_file_attributes(p['dest'])
        before = {'dest': p['dest'], 'holds_this_content': held, 'exists': existed}
        after = {'dest': p['dest'], 'holds_this_content': True, 'exists': True}
        return result, before, after


def main():
    KmsDecrypt.main()


if __name__ == '__main__':
    main()
