#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_verify
short_description: Check a NAVER Cloud Platform KMS signature, to gate a deployment on it
version_added: 1.0.0
description:
  - Verifies that O(signature) (or the signature in the file O(signature_src)) is NCP's signature of O(content) or
    of the file O(src), made with the key given.
  - Fails when the signature does not verify, unless O(fail_on_invalid=false); RV(valid) says which. Never changes
    anything (C(changed=false)).
  - Input over 8 KB is verified by its SHA-256 digest, as M(ncloud.kms.kms_sign) signs it.
  - By default NCP verifies (one verify call). With O(public_key_only=true) the module reads the public key of the
    signature's version (one get-pub-key call, kept for the rest of the run) and verifies on the host that runs the
    module, with the Python C(cryptography) package (which ansible-core installs on the controller); NCP then logs
    no verify call, and a version disabled after the public key was read still verifies locally.
  - A signature made with a key version that is disabled does not verify at NCP (the task fails, or RV(valid) is
    false).
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  content:
    description:
      - The text that was signed (its UTF-8 bytes). One of O(content) and O(src) is required.
    type: str
  src:
    description:
      - A file on the managed host whose bytes were signed; any size (read in chunks).
    type: path
  signature:
    description:
      - The signature, as M(ncloud.kms.kms_sign) returned it (C(ncpkms:v<version>:<base64>)). One of O(signature)
        and O(signature_src) is required.
    type: str
  signature_src:
    description:
      - A file on the managed host that holds the signature (as M(ncloud.kms.kms_sign) writes it).
    type: path
  fail_on_invalid:
    description:
      - Fail the task when the signature does not verify. With V(false), the task succeeds and RV(valid) is V(false).
    type: bool
    default: true
  public_key_only:
    description:
      - Verify locally with the public key of the signature's version instead of asking NCP to verify.
    type: bool
    default: false
extends_documentation_fragment:
  - ncloud.kms.key_selector.key_name
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Verifies in check mode too; it changes nothing in either mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
'''

EXAMPLES = r'''
- name: Deploy only an artifact whose signature verifies (the task fails otherwise)
  ncloud.kms.kms_verify:
    src: /opt/releases/app-1.4.2.tar.gz
    signature_src: /opt/releases/app-1.4.2.tar.gz.sig
    key_name: release-signing

- name: Check a signature without failing, and decide later
  ncloud.kms.kms_verify:
    content: "deploy {{ app_version }} to production"
    signature: "{{ approval.signature }}"
    key_tag: "{{ kr_signing_key.key.key_tag }}"
    region: KR
    fail_on_invalid: false
  register: checked

- name: Verify with the public key only (one get-pub-key call; NCP logs no verify call)
  ncloud.kms.kms_verify:
    src: /opt/releases/app-1.4.2.tar.gz
    signature_src: /opt/releases/app-1.4.2.tar.gz.sig
    key_name: release-signing
    public_key_only: true
'''

RETURN = r'''
valid:
  description:
    - Whether the signature verifies for the input.
    - V(null) in check mode when O(src) or O(signature_src) does not exist yet (an earlier task of the run, such as
      M(ncloud.kms.kms_sign) with C(dest), would write it); the task then warns.
  returned: always
  type: bool
  sample: true
key_version:
  description: The key version the signature names.
  returned: always
  type: int
  sample: 2
digest_signed:
  description: Whether the input is over 8 KB, so that its SHA-256 digest is what was signed.
  returned: always
  type: bool
  sample: false
verified_by:
  description: C(ncp) (a verify call) or C(public key) (checked locally with O(public_key_only)).
  returned: always
  type: str
  sample: ncp
actions:
  description: Always empty; verifying changes nothing.
  returned: always
  type: list
  elements: str
  sample: []
error:
  description: The API error behind a failure, with C(status), C(code) and C(message).
  returned: on API failure
  type: dict
  sample:
    status: 422
    code: UNPROCESSABLE_ENTITY
    message: 'Invalid status: version 1 is disabled'
'''


from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import (
    CryptoError, KmsCrypto, ciphertext_version, input_to_sign,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import describe_key
from ansible_collections.ncloud.kms.plugins.module_utils.selector import key_selector


def verify_with_public_key(public_pem, signed_input, signature):
    """Whether ``signature`` (NCP's string) verifies for ``signed_input`` with a PEM public key: RSASSA-PSS with
    SHA-256 (any salt length) for RSA, ECDSA with SHA-256 (DER) for EC. Needs the cryptography package."""
    import base64
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    public = serialization.load_pem_public_key(to_bytes(public_pem))
    raw = base64.b64decode(signature.split(':', 2)[2])
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(raw, signed_input, ec.ECDSA(hashes.SHA256()))
        else:
            salt = getattr(padding.PSS, 'AUTO', padding.PSS.MAX_LENGTH)
            public.verify(raw, signed_input, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt),
                          hashes.SHA256())
    except InvalidSignature:
        return False
    return True


class KmsVerify(KmsModule):
    argument_spec = dict(
        key_selector('key_name'),
        content=dict(type='str'),
        src=dict(type='path'),
        signature=dict(type='str'),
        signature_src=dict(type='path'),
        fail_on_invalid=dict(type='bool', default=True),
        public_key_only=dict(type='bool', default=False, no_log=False),
    )
    module_kwargs = dict(required_one_of=[('content', 'src'), ('signature', 'signature_src'), ('key_name', 'key_tag')],
                         mutually_exclusive=[('content', 'src'), ('signature', 'signature_src'),
                                             ('key_name', 'key_tag')])
    empty_result = {'valid': None}   # check mode, when a file an earlier task would write is missing

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        """The signed input, the signature and its version, before any request."""
        p = self.params
        if not self.files_present('src', 'signature_src'):
            return
        content = to_bytes(p['content'], errors='surrogate_or_strict') if p['content'] is not None else None
        self.signed_input, self.digest_signed = input_to_sign(content, p['src'])
        self.signature = p['signature']
        if p['signature_src'] is not None:
            with open(p['signature_src'], 'rb') as handle:
                self.signature = handle.read(64 * 1024).decode('ascii', 'replace').strip()
        self.version = ciphertext_version(self.signature)
        if self.version is None:
            self.fail('%s holds no NCP signature: signatures are ncpkms:v<version>:<base64> with complete base64; its '
                      'value is not shown' % ('signature' if p['signature'] is not None else
                                              'signature_src %s' % p['signature_src']))
        if p['public_key_only']:
            try:
                import cryptography  # noqa: F401  pylint: disable=unused-import
            except ImportError:
                self.fail(missing_required_lib('cryptography', reason='for public_key_only'))

    def describe(self, option):
        """'in signature_src PATH' / 'src PATH', or the inline option's name, for messages (never a value)."""
        p = self.params
        if option == 'signature':
            return 'in signature_src %s' % p['signature_src'] if p['signature_src'] else 'given as signature'
        return 'src %s' % p['src'] if p['src'] else 'the content given'

    # ---- find ----------------------------------------------------------------------------------

    def find(self):
        """The key and its boundary's crypto client; a missing key fails (in check mode, warns)."""
        return self.selector.find(self.connection, if_missing=self.key_missing), KmsCrypto(self.client(self.region))

    # ---- compare -------------------------------------------------------------------------------

    def verify(self, crypto, key):
        if self.params['public_key_only']:
            public_pem = crypto.public_key(key['keyTag'], self.version)
            return verify_with_public_key(public_pem, self.signed_input, self.signature)
        return crypto.verify(key, self.signed_input, self.signature)

    # ---- result (a read-only module: find, compare, say) ---------------------------------------

    def run(self):
        p = self.params
        key, crypto = self.find()
        result = {'key_version': self.version, 'digest_signed': self.digest_signed,
                  'verified_by': 'public key' if p['public_key_only'] else 'ncp'}
        if key is None:
            return dict(result, valid=False), None, None
        crypto.check_enabled(key)
        crypto.check_signing(key)
        try:
            valid = self.verify(crypto, key)
        except CryptoError as exc:   # the signature's version is disabled (422)
            if p['fail_on_invalid']:
                raise
            self.module.warn('the signature cannot verify: %s' % exc)
            valid = False
        if not valid and p['fail_on_invalid']:
            raise CryptoError('the signature %s does not verify for %s: it is not %s\'s signature (version %d) of '
                              'it. The input changed, or another key signed it; fail_on_invalid: false returns valid: '
                              'false instead' % (self.describe('signature'), self.describe('src'), describe_key(key),
                                                 self.version))
        return dict(result, valid=valid), None, None


def main():
    KmsVerify.main()


if __name__ == '__main__':
    main()
