#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_encrypt
short_description: Encrypt content with a NAVER Cloud Platform KMS key, into a file that does not churn
version_added: 1.0.0
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
  - Content over 32 KB, or any content with O(envelope=true), is encrypted locally into an envelope in O(dest)
    (envelope encryption). NCP makes a 256-bit data key (create-custom-key) and returns it in plain and wrapped
    under the key; the content is encrypted on the host that runs the module with AES-256-GCM, in chunks (a file of
    any size, with memory use that does not grow with it), and O(dest) gets one text file that names its format
    and version, holds the wrapped data key exactly as NCP returned it (C(ncpkms:v<version>:...), so its key
    version can be read), then the nonce, the ciphertext in base64 lines and the GCM tag. The plain data key never
    touches disk or output. This needs the Python C(cryptography) package where the module runs (ansible-core
    installs it on the controller). M(ncloud.kms.kms_decrypt) and the C(ncloud.kms.kms_decrypt) lookup read it.
  - An envelope in O(dest) is idempotent the same way. When its data key opens with this key and context and it
    decrypts to the same content (compared by SHA-256, streamed), nothing is written (one decrypt call).
  - Without an envelope, content over 32 KB (190 bytes for an RSA2048 key) fails before any request; so does a
    context over 50 bytes, or a convergent key without O(context).
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
  envelope:
    description:
      - Encrypt into an envelope (see above). Unset, content over 32 KB goes into an envelope and smaller content
        into one NCP ciphertext; V(true) always makes an envelope, V(false) never (content over 32 KB then fails).
      - An envelope needs O(dest).
    type: bool
  force:
    description:
      - Replace a O(dest) that holds no ciphertext, or a ciphertext this key and context cannot decrypt.
      - Without it such a O(dest) fails the task before any write. A O(dest) that holds a ciphertext of this key
        and context is rewritten when its content differs, with or without O(force).
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

- name: Keep a keystore larger than 32 KB encrypted in git (an envelope; re-runs do not rewrite it)
  ncloud.kms.kms_encrypt:
    src: files/keystore.p12
    key_name: app-secrets
    dest: files/keystore.p12.ncpkms
    envelope: true

- name: Return a ciphertext without writing a file
  ncloud.kms.kms_encrypt:
    content: "{{ api_token }}"
    key_name: app-secrets
  register: sealed
  no_log: true
'''

RETURN = r'''
ciphertext:
  description: The ciphertext of the content; with O(dest), the one the file holds after the run.
  returned: when encrypted or read from O(dest) (not in check mode when a new one would be written)
  type: str
  sample: 'ncpkms:v1:kS5xQ0...'
key_version:
  description: The key version the ciphertext names (for an envelope, the version its wrapped data key names).
  returned: with RV(ciphertext), or when O(dest) holds an envelope after the run
  type: int
  sample: 1
envelope:
  description: Whether the content is (or in check mode, would be) in an envelope rather than one NCP ciphertext.
  returned: always
  type: bool
  sample: false
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

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.ncloud.kms.plugins.module_utils import envelope
from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import (
    MAX_DATA_BYTES, CryptoError, KmsCrypto, check_ciphertexts, check_plaintexts, ciphertext_version, encode_context,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import describe_key
from ansible_collections.ncloud.kms.plugins.module_utils.selector import key_selector


class KmsEncrypt(KmsModule):
    argument_spec = dict(
        key_selector('key_name'),
        content=dict(type='str', no_log=True),
        src=dict(type='path'),
        context=dict(type='str'),
        dest=dict(type='path'),
        force=dict(type='bool', default=False),
        envelope=dict(type='bool')
    )
    module_kwargs = dict(add_file_common_args=True, required_one_of=[('content', 'src'), ('key_name', 'key_tag')],
                         mutually_exclusive=[('content', 'src'), ('key_name', 'key_tag')])
    empty_result = {}

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        """The content to encrypt (bytes, or the src path for an envelope), the form and the encoded context,
        before any request."""
        p = self.params
        if not self.files_present('src'):
            return
        self.source = to_bytes(p['content'], errors='surrogate_or_strict') if p['content'] is not None else p['src']
        size = len(self.source) if p['content'] is not None else os.path.getsize(p['src'])
        if not size:
            self.fail('%s is empty: NCP encrypts at least one byte' % ('content' if p['content'] is not None
                                                                       else 'src %s' % p['src']))
        self.envelope = p['envelope'] if p['envelope'] is not None else size > MAX_DATA_BYTES
        if not self.envelope:
            if size > MAX_DATA_BYTES:
                self.fail('the content to encrypt must be at most %d bytes (32 KB) with envelope: false; %s has %d'
                          % (MAX_DATA_BYTES, 'content' if p['content'] is not None else 'src ' + p['src'], size))
            self.data = self.source if p['content'] is not None else self.read_src()
            check_plaintexts([self.data], None)
        elif not p['dest']:
            self.fail('content over 32 KB (or envelope: true) is encrypted into an envelope file: give dest')
        elif envelope.missing_cryptography():
            self.fail(missing_required_lib('cryptography', reason='for envelope encryption'))
        self.context = encode_context(p['context'])

    def read_src(self):
        with open(self.params['src'], 'rb') as handle:
            return handle.read()

    # ---- find ----------------------------------------------------------------------------------

    def predicted_writes(self):
        return ['write dest'] if self.params['dest'] else []

    # ---- compare -------------------------------------------------------------------------------

    def dest_holds_content(self, crypto, key):
        """Whether dest holds the content in the form this run writes (a ciphertext, or an envelope), encrypted with
        this key and context; returns (holds, the ciphertext dest holds when it is one).

        A dest that holds neither form, or one this key and context cannot open, fails here unless force.
        """
        dest = self.params['dest']
        if not dest or not os.path.isfile(dest):
            return False, None
        if envelope.file_is_envelope(dest):
            return self.envelope_holds_content(crypto, key), None
        with open(dest, 'rb') as handle:
            held = handle.read(64 * 1024).decode('ascii', 'replace').strip()
        try:
            check_ciphertexts([held], 'dest')
        except CryptoError:
            return self.refuse_unless_forced('holds no valid NCP ciphertext or envelope (another file, or a damaged '
                                             'one)'), None
        try:
            opened = crypto.decrypt(key, [held], self.context)[0]
        except CryptoError:
            return self.refuse_unless_forced('holds a ciphertext that %s cannot decrypt with this context (another '
                                             "key's, or another context's)" % describe_key(key)), None
        same = not self.envelope and opened == self.data
        return same, held if same else None

    def envelope_holds_content(self, crypto, key):
        try:
            held = envelope.Envelope(self.params['dest'], 'dest')
            data_key = crypto.decrypt(key, [held.wrapped_key], self.context)[0]
            digest = held.open_to(data_key) if self.envelope else None
        except CryptoError:
            return self.refuse_unless_forced('holds an envelope that %s cannot open with this context (another '
                                             "key's, another context's, or a damaged one)" % describe_key(key))
        return digest == envelope.content_digest(self.source)

    def refuse_unless_forced(self, what):
        if not self.params['force']:
            self.fail('dest %s %s: kms_encrypt does not overwrite it unless force: true' % (self.params['dest'], what))
        return False

    # ---- act -----------------------------------------------------------------------------------

    def write_dest(self, ciphertext):
        self.write_file(self.params['dest'], lambda out: out.write(to_bytes(ciphertext + '\n')))

    def write_envelope(self, crypto, key):
        """A new data key from NCP, then the content sealed under it into dest."""
        data_key, wrapped = crypto.data_key(key, self.context)
        self.write_file(self.params['dest'], lambda out: envelope.seal(self.source, data_key, wrapped, out))

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        p = self.params
        existed = bool(p['dest']) and os.path.exists(p['dest'])
        key = self.selector.find(self.connection, if_missing=self.key_missing)
        if key is None:
            return dict({'dest': p['dest']} if p['dest'] else {}, envelope=self.envelope), None, None
        crypto = KmsCrypto(self.client(self.region))
        crypto.check_enabled(key)
        crypto.check_encrypting(key, self.context)
        held, ciphertext = self.dest_holds_content(crypto, key)
        result = {'envelope': self.envelope}
        if self.envelope:
            if not held:
                self.act_locally('write dest', lambda: self.write_envelope(crypto, key))
            if os.path.isfile(p['dest']) and envelope.file_is_envelope(p['dest']):
                result['key_version'] = ciphertext_version(envelope.Envelope(p['dest'], 'dest').wrapped_key)
        else:
            if not held and not (p['dest'] and self.check_mode):
                ciphertext = crypto.encrypt(key, [self.data], self.context)[0]
            if not held and p['dest']:
                self.act_locally('write dest', lambda: self.write_dest(ciphertext))
            if ciphertext is not None:
                result.update(ciphertext=ciphertext, key_version=ciphertext_version(ciphertext))
        if not p['dest']:
            return result, None, None
        self.set_file_attributes(p['dest'])
        result['dest'] = p['dest']
        before = {'dest': p['dest'], 'holds_this_content': held, 'exists': existed}
        after = {'dest': p['dest'], 'holds_this_content': True, 'exists': True}
        return result, before, after


def main():
    KmsEncrypt.main()


if __name__ == '__main__':
    main()
