#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_sign
short_description: Sign content or a file with a NAVER Cloud Platform KMS key, into a signature file that does not churn
version_added: 1.0.0
description:
  - Signs O(content) or the file O(src) with an RSA2048 or ECDSA key and returns NCP's signature
    (C(ncpkms:v<version>:<base64>), kept as NCP returned it), or writes it to O(dest).
  - Input up to 8 KB is signed as it is. Larger input (a file of any size) is hashed with SHA-256 on the host that
    runs the module, and the 32-byte digest is what NCP signs; M(ncloud.kms.kms_verify) applies the same rule. To
    verify elsewhere, verify the signature over the SHA-256 digest of such input.
  - With O(dest), the task is idempotent. When O(dest) holds a signature that NCP verifies for the current input
    (one verify call), nothing is written and the task reports C(changed=false); otherwise the input is signed and
    the new signature is written. A signature made with a key version since disabled no longer verifies, so the
    next run signs again with the current version.
  - A O(dest) that holds anything but an NCP signature is not overwritten unless O(force=true); the task fails
    before any write, naming the file.
  - Without O(dest), the signature is returned and the task reports C(changed=false).
  - The key must be enabled; a disabled key, a key pending deletion or an AES256 key fails before signing.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  content:
    description:
      - The text to sign (its UTF-8 bytes). One of O(content) and O(src) is required.
    type: str
  src:
    description:
      - A file on the managed host whose bytes are signed; any size (read in chunks).
    type: path
  dest:
    description:
      - Write the signature to this file (with a trailing newline) instead of only returning it.
    type: path
  force:
    description:
      - Replace a O(dest) that holds no NCP signature. Without it such a O(dest) fails the task before any write.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.files
  - ncloud.kms.key_selector.key_name
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Verifies an existing O(dest) to tell whether it would change, and signs and writes nothing then.
  diff_mode:
    support: full
    description: Says whether O(dest) would be written; never shows the signature.
'''

EXAMPLES = r'''
- name: Sign a release artifact; re-runs verify the signature and write nothing while the artifact is unchanged
  ncloud.kms.kms_sign:
    src: dist/app-1.4.2.tar.gz
    key_name: release-signing
    dest: dist/app-1.4.2.tar.gz.sig
    mode: '0644'

- name: Sign a short text with an ECDSA key in KR and keep the signature in a variable
  ncloud.kms.kms_sign:
    content: "deploy {{ app_version }} to production"
    key_tag: "{{ kr_signing_key.key.key_tag }}"
    region: KR
  register: approval

- name: Replace a GPG signature that used to live at the same path
  ncloud.kms.kms_sign:
    src: dist/app.tar.gz
    key_name: release-signing
    dest: dist/app.tar.gz.sig
    force: true
    owner: release
    group: release
'''

RETURN = r'''
signature:
  description: NCP's signature of the input, with its C(ncpkms:v<version>:) prefix; with O(dest), the one the file
    holds after the run.
  returned: when signed or read from O(dest) (not in check mode when a new one would be written)
  type: str
  sample: 'ncpkms:v2:MEUCIQD...'
key_version:
  description: The key version the signature names.
  returned: with RV(signature)
  type: int
  sample: 2
digest_signed:
  description: Whether the input was over 8 KB, so that NCP signed its SHA-256 digest instead of the input itself.
  returned: always
  type: bool
  sample: false
dest:
  description: The file written or checked.
  returned: with O(dest)
  type: str
  sample: dist/app-1.4.2.tar.gz.sig
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
  sample: release
group:
  description: Group name of O(dest).
  returned: with O(dest), when the file exists
  type: str
  sample: release
mode:
  description: Permissions of O(dest), in octal.
  returned: with O(dest), when the file exists
  type: str
  sample: '0644'
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
    status: 422
    code: UNPROCESSABLE_ENTITY
    message: 'Invalid status: cannot sign with a key in DISABLE'
'''

import os

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import (
    CryptoError, KmsCrypto, ciphertext_version, input_to_sign,
)
from ansible_collections.ncloud.kms.plugins.module_utils.selector import key_selector


class KmsSign(KmsModule):
    argument_spec = dict(
        key_selector('key_name'),
        content=dict(type='str'),
        src=dict(type='path'),
        dest=dict(type='path'),
        force=dict(type='bool', default=False)
    )
    module_kwargs = dict(add_file_common_args=True, required_one_of=[('content', 'src'), ('key_name', 'key_tag')],
                         mutually_exclusive=[('content', 'src'), ('key_name', 'key_tag')])
    empty_result = {}

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        """What NCP signs for the input (the input, or its SHA-256 digest over 8 KB), before any request."""
        p = self.params
        if not self.files_present('src'):
            return
        content = to_bytes(p['content'], errors='surrogate_or_strict') if p['content'] is not None else None
        self.signed_input, self.digest_signed = input_to_sign(content, p['src'])

    # ---- find ----------------------------------------------------------------------------------

    def predicted_writes(self):
        return ['write dest'] if self.params['dest'] else []

    # ---- compare -------------------------------------------------------------------------------

    def held_signature(self, crypto, key):
        """The signature in dest when NCP verifies it for this input, else None; a dest that holds no signature
        fails here unless force."""
        dest = self.params['dest']
        if not dest or not os.path.isfile(dest):
            return None
        with open(dest, 'rb') as handle:
            held = handle.read(64 * 1024).decode('ascii', 'replace').strip()
        if ciphertext_version(held) is None:
            if not self.params['force']:
                self.fail('dest %s holds no NCP signature (ncpkms:v<version>:<base64>): kms_sign does not overwrite '
                          'it unless force: true' % dest)
            return None
        try:
            return held if crypto.verify(key, self.signed_input, held) else None
        except CryptoError:
            return None   # made with a version since disabled, or with another key: sign again

    # ---- act -----------------------------------------------------------------------------------

    def write_dest(self, signature):
        self.write_file(self.params['dest'], lambda out: out.write(to_bytes(signature + '\n')))

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        p = self.params
        existed = bool(p['dest']) and os.path.exists(p['dest'])
        key = self.selector.find(self.connection, if_missing=self.key_missing)
        result = {'digest_signed': self.digest_signed}
        if key is None:
            return dict(result, **({'dest': p['dest']} if p['dest'] else {})), None, None
        crypto = KmsCrypto(self.client(self.region))
        crypto.check_enabled(key)
        crypto.check_signing(key)
        signature = self.held_signature(crypto, key)
        held = signature is not None
        if not held and not (p['dest'] and self.check_mode):
            signature = crypto.sign(key, self.signed_input)
        if not held and p['dest']:
            self.act_locally('write dest', lambda: self.write_dest(signature))
        if signature is not None:
            result.update(signature=signature, key_version=ciphertext_version(signature))
        if not p['dest']:
            return result, None, None
        self.set_file_attributes(p['dest'])
        result['dest'] = p['dest']
        before = {'dest': p['dest'], 'holds_a_valid_signature': held, 'exists': existed}
        after = {'dest': p['dest'], 'holds_a_valid_signature': True, 'exists': True}
        return result, before, after


def main():
    KmsSign.main()


if __name__ == '__main__':
    main()
