# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
name: kms_decrypt
short_description: Decrypt NAVER Cloud Platform KMS ciphertexts inline
version_added: 1.0.0
description:
  - Returns the plaintext of each term, an NCP KMS ciphertext (C(ncpkms:v<version>:...)) or an envelope (the text
    file M(ncloud.kms.kms_encrypt) writes for content over 32 KB), decrypted with one key.
  - An envelope's wrapped data key is decrypted with the other terms, and its content on the controller
    (AES-256-GCM, with the C(cryptography) package that ansible-core installs).
  - All terms of one call go to the API in as few requests as the limits allow, one below 32 KB in all.
  - Within one process, a ciphertext already decrypted with the same key and context is not sent again, and
    a key name is resolved to its tag once. Each task runs its lookups in its own worker process.
  - The values returned are marked unsafe, so they are never templated. Nothing the plugin logs or raises
    holds a plaintext, the secret key or a request signature. Use C(no_log) on tasks that show the values.
  - The key must be enabled. A disabled key or one pending deletion fails with a message that says so and
    what to do; so does a term that is not an NCP ciphertext (its value is not shown), and a ciphertext that
    does not match the key and context (for example one made in another boundary).
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  _terms:
    description: One or more ciphertexts, as NCP returns them (C(ncpkms:v<version>:<base64>)), or envelopes.
    required: true
    type: list
    elements: str
  context:
    description:
      - The context the terms were encrypted with, as text (the plugin encodes it), at most 50 bytes.
      - Required for terms made by a convergent key.
    type: str
  output:
    description:
      - V(text) returns each plaintext as UTF-8 text; a plaintext that is not UTF-8 fails, pointing at V(base64).
      - V(base64) returns each plaintext base64-encoded, for binary data.
    type: str
    choices: [text, base64]
    default: text
extends_documentation_fragment:
  - ncloud.kms.key_selector.key_name
  - ncloud.kms.key_selector.region
  - ncloud.kms.auth
  - ncloud.kms.auth.plugins
notes:
  - The options O(access_key), O(secret_key) and the endpoints are taken from the environment variables
    named above when they are not given; a C(module_defaults) group does not reach lookups.
'''

EXAMPLES = r'''
- name: Use a database password kept in the repository as an NCP ciphertext
  ansible.builtin.template:
    src: app.conf.j2
    dest: /etc/app/app.conf
    mode: '0600'
  vars:
    db_password: "{{ lookup('ncloud.kms.kms_decrypt', db_password_ncpkms, key_name='app-secrets') }}"
  no_log: true

- name: Decrypt several values with one API request, bound to a context, from a KR key
  ansible.builtin.set_fact:
    api_tokens: "{{ lookup('ncloud.kms.kms_decrypt', token_a, token_b, key_name='kr-tokens', region='KR',
                           context='service=billing', wantlist=True) }}"
  no_log: true

- name: Read a certificate bundle kept in an envelope (content over 32 KB)
  ansible.builtin.copy:
    content: "{{ lookup('ncloud.kms.kms_decrypt', lookup('ansible.builtin.file', 'files/ca-bundle.pem.ncpkms'),
                        key_name='app-secrets') }}"
    dest: /etc/pki/app/ca-bundle.pem
    mode: '0644'

- name: Decrypt a binary file's ciphertext to base64, addressing the key by tag
  ansible.builtin.copy:
    content: "{{ lookup('ncloud.kms.kms_decrypt', lookup('ansible.builtin.file', 'license.ncpkms'),
                        key_tag=license_key_tag, output='base64') | b64decode }}"
    dest: /opt/app/license.bin
    mode: '0600'
  no_log: true

- name: Give every connection option from variables (module_defaults does not reach a lookup; the environment serves otherwise)
  ansible.builtin.debug:
    msg: "{{ lookup('ncloud.kms.kms_decrypt', secret_ncpkms, key_name='app-secrets',
                    access_key=ncp_access_key, secret_key=ncp_secret_key, site='public',
                    endpoint='https://kms-gateway.example.internal',
                    endpoint_kr='https://kms-gateway-kr.example.internal',
                    endpoint_jpn='https://kms-gateway-jp.example.internal',
                    ca_path='/etc/pki/internal-ca.pem', validate_certs=true, timeout=30, retries=5,
                    key_cache=false) }}"
  no_log: true

- name: Take the keys from a profile of the Ncloud CLI's configure file, never from the server role
  ansible.builtin.debug:
    msg: "{{ lookup('ncloud.kms.kms_decrypt', secret_ncpkms, key_name='app-secrets',
                    config_file='~/.ncloud/configure', profile='kms-reader', server_role=false) }}"
  no_log: true
'''

RETURN = r'''
_raw:
  description: The plaintext of each term, in the order of the terms (text, or base64 with O(output=base64)).
  type: list
  elements: str
'''

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import CryptoError, encode_context, to_b64
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KeyConflict
from ansible_collections.ncloud.kms.plugins.plugin_utils.controller import (
    decrypt_texts, empty_means_unset, open_connection, plugin_selector,
)


display = Display()

MODULE_DEFAULTS_HINT = ('. module_defaults does not reach lookups (Ansible runs a lookup on the controller, outside '
                        'any module): give the option to the lookup, for example access_key=ncp_access_key from a '
                        'variable, or set the environment variable')


def refuse(message):
    raise AnsibleLookupError(message)


class LookupModule(LookupBase):

    # ---- options -------------------------------------------------------------------------------

    def selector(self):
        return plugin_selector(self.get_option, lambda message: refuse('kms_decrypt: %s' % message),
                               lambda warning: display.warning('kms_decrypt: %s' % warning))

    # ---- find, then decrypt (nothing to compare: a lookup only reads): plugin_utils/controller.py ---

    def decrypt(self, connection, selector, terms):
        return decrypt_texts(connection, selector, [str(term) for term in terms], encode_context(self.get_option('context')))

    # ---- result --------------------------------------------------------------------------------

    def render(self, plaintexts):
        if self.get_option('output') == 'base64':
            return [to_b64(plaintext) for plaintext in plaintexts]
        values = []
        for position, plaintext in enumerate(plaintexts, 1):
            try:
                values.append(plaintext.decode('utf-8'))
            except UnicodeDecodeError:
                refuse('kms_decrypt: the plaintext of term %d is not UTF-8 text; use output=base64 for binary data'
                       % position)
        return values

    def run(self, terms, variables=None, **kwargs):
        with empty_means_unset():
            self.set_options(var_options=variables, direct=kwargs)
        selector = self.selector()
        connection = open_connection(self.get_option, refuse, kwargs, MODULE_DEFAULTS_HINT, [selector.first_region()],
                                     debug=display.vvvv)
        try:
            plaintexts = self.decrypt(connection, selector, terms)
        except (CryptoError, KmsApiError, KeyConflict) as exc:
            raise AnsibleLookupError('kms_decrypt: %s' % exc)
        finally:
            connection.close()
        return [wrap_var(value) for value in self.render(plaintexts)]
