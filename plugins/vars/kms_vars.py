# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
name: kms_vars
short_description: Secrets in group_vars and host_vars as NCP KMS ciphertexts, decrypted in one call
version_added: 1.0.0
description:
  - Loads the files named C(*.ncpkms-vars) under C(group_vars/) and C(host_vars/) beside the inventory (or the
    playbook), for the group or host they are named after, as C(host_group_vars) loads C(*.yml) files.
    C(group_vars/web.ncpkms-vars) and every C(*.ncpkms-vars) in C(group_vars/web/) belong to the group C(web);
    C(host_vars/db1.ncpkms-vars) and C(host_vars/db1/) to the host C(db1).
  - Secrets fail closed. C(host_group_vars) never reads a C(.ncpkms-vars) file (it reads C(.yml), C(.yaml),
    C(.json) and files without an extension), so where this plugin is not enabled (an C(ansible.cfg) that is not
    picked up, another working directory, an AWX job with its own configuration) the variable is undefined and the
    task that uses it fails, instead of handing a ciphertext on as the value. A file named C(*.ncpkms.yml) or
    C(*.ncpkms.yaml), the format before 1.0.0, fails the play, naming the file, until it is renamed.
  - Each file is plain YAML. Any string in it that is an NCP ciphertext (C(ncpkms:v<version>:...)) or an envelope
    (see M(ncloud.kms.kms_encrypt)) is replaced by its plaintext; other values are kept as they are.
  - A file may name its key and context under a top-level C(ncpkms) mapping (C(key_name) or C(key_tag),
    C(region), C(context)), which is not a variable; a file without it uses the plugin's options below.
  - The ciphertexts of all the files, for all hosts and groups, are decrypted together the first time any
    variable is asked for, in one array call per key and context (split only at NCP's 32 KB limit), then kept
    for the rest of the process. A play over 50 hosts that reads 100 such secrets makes one decrypt call.
  - All values of these files are marked unsafe (never templated), and are never logged; errors name the file and
    the variable, never a value. Keep such files out of C(no_log)-less debug output as any secret.
  - Vars plugins of collections run only when enabled, for example
    C(ANSIBLE_VARS_ENABLED=host_group_vars,ncloud.kms.kms_vars) or C(vars_plugins_enabled) in C(ansible.cfg).
  - Credentials come from NCP's chain, as for the modules and the lookup (options, variables, a configure profile, the
    server role), and endpoints from the same environment variables.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  key_name:
    description:
      - The key of the files that name none (C(ncpkms.key_name) or C(ncpkms.key_tag) in a file wins).
    type: str
    env:
      - name: NCLOUD_KMS_VARS_KEY_NAME
    ini:
      - section: ncloud_kms_vars
        key: key_name
  key_tag:
    description:
      - The key, by tag, of the files that name none.
    type: str
    env:
      - name: NCLOUD_KMS_VARS_KEY_TAG
    ini:
      - section: ncloud_kms_vars
        key: key_tag
  region:
    description:
      - Where that key lives (V(KR), V(JPN) or V(global)); unset, a name follows its key as in the modules.
    type: str
    choices: [KR, JPN, global]
    env:
      - name: NCLOUD_KMS_VARS_REGION
    ini:
      - section: ncloud_kms_vars
        key: region
  context:
    description:
      - The context of the files that name none.
    type: str
    env:
      - name: NCLOUD_KMS_VARS_CONTEXT
    ini:
      - section: ncloud_kms_vars
        key: context
  timeout:
    env:
      - name: NCLOUD_KMS_VARS_TIMEOUT
    ini:
      - section: ncloud_kms_vars
        key: timeout
  retries:
    env:
      - name: NCLOUD_KMS_VARS_RETRIES
    ini:
      - section: ncloud_kms_vars
        key: retries
  validate_certs:
    env:
      - name: NCLOUD_KMS_VARS_VALIDATE_CERTS
    ini:
      - section: ncloud_kms_vars
        key: validate_certs
  ca_path:
    env:
      - name: NCLOUD_KMS_VARS_CA_PATH
    ini:
      - section: ncloud_kms_vars
        key: ca_path
  stage:
    ini:
      - section: ncloud_kms_vars
        key: stage
    env:
      - name: NCLOUD_KMS_VARS_STAGE
extends_documentation_fragment:
  - ansible.builtin.vars_plugin_staging
  - ncloud.kms.auth
  - ncloud.kms.auth.plugins
'''

EXAMPLES = r'''
# group_vars/web.ncpkms-vars, YAML (kms_encrypt writes each ciphertext; any text editor keeps the rest)
#
#   ncpkms:
#     key_name: app-secrets
#     context: app=web
#   db_password: ncpkms:v3:Ai8x...
#   api:
#     token: ncpkms:v3:Qm9v...
#     url: https://api.example.com
#
# ansible.cfg
#
#   [defaults]
#   vars_plugins_enabled = host_group_vars,ncloud.kms.kms_vars
#
#   [ncloud_kms_vars]
#   ; the key of the files that name none (ansible.cfg takes no comment at the end of a line)
#   key_name = app-secrets
#   ; a slower network: 60 seconds an answer, 8 retries
#   timeout = 60
#   retries = 8
#
# A task then reads {{ db_password }} and {{ api.token }} as plain text.
'''

import os

from ansible.errors import AnsibleError
from ansible.inventory.host import Host
from ansible.plugins.vars import BaseVarsPlugin
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var
from ansible.utils.vars import combine_vars

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import CryptoError, ciphertext_version, encode_context
from ansible_collections.ncloud.kms.plugins.module_utils.envelope import is_envelope
from ansible_collections.ncloud.kms.plugins.module_utils.selector import (
    KeyConflict, file_settings_problem, with_file_settings,
)
from ansible_collections.ncloud.kms.plugins.plugin_utils.controller import (
    decrypt_texts, empty_means_unset, open_connection, plugin_selector,
)

display = Display()

SUFFIXES = ('.ncpkms-vars',)
# Before 1.0.0: host_group_vars reads these too inside a group's folder, and without this plugin would hand the
# ciphertexts on as the values. Such a file fails the play until it is renamed.
LEAKING_SUFFIXES = ('.ncpkms.yml', '.ncpkms.yaml')
METADATA = 'ncpkms'
# Per process: the real path of a file -> its variables, decrypted; the folders already read.
_FILES = {}
_READ = set()


def fail(message):
    raise AnsibleError('ncloud.kms.kms_vars: %s' % message)


def warn(message):
    display.warning('ncloud.kms.kms_vars: %s' % message)


def is_secret(value):
    """A string meant as a ciphertext (it starts with ncpkms:, whole or damaged) or an envelope."""
    return isinstance(value, str) and (value.strip().startswith('ncpkms:') or is_envelope(value))


def secret_leaves(node, trail=()):
    """``(trail, text)`` of every secret string in a YAML structure; a trail is the keys and indexes leading to it."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from secret_leaves(value, trail + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from secret_leaves(value, trail + (index,))
    elif is_secret(node):
        yield trail, node if is_envelope(node) else node.strip()


def plain(node):
    """A YAML structure as plain dicts, lists and strings (a loader may hand back its own tagged types)."""
    if isinstance(node, dict):
        return dict((str(key), plain(value)) for key, value in node.items())
    if isinstance(node, list):
        return [plain(value) for value in node]
    return str(node) if isinstance(node, str) else node


def put(node, trail, value):
    for step in trail[:-1]:
        node = node[step]
    node[trail[-1]] = value


def name_of(trail):
    return '.'.join(str(step) for step in trail)


class VarsModule(BaseVarsPlugin):

    # ---- options: the key of a file, its own or the plugin's ---------------------------------------

    def selector_of(self, path, metadata):
        problem = file_settings_problem(metadata)
        if problem:
            fail('%s: %s' % (path, problem))
        option = with_file_settings(self.get_option, metadata)
        selector = plugin_selector(option, lambda problem: fail(
            '%s: %s (set them under %s in the file, or NCLOUD_KMS_VARS_KEY_NAME)' % (path, problem, METADATA)), warn)
        return selector, option('context')

    # ---- find: the files ------------------------------------------------------------------------------

    @staticmethod
    def secret_files(basedir):
        for subdir in ('group_vars', 'host_vars'):
            for folder, unused, names in os.walk(os.path.join(basedir, subdir)):
                for name in sorted(names):
                    if name.startswith('.'):
                        continue
                    if name.endswith(LEAKING_SUFFIXES):
                        fail('%s: rename it to %s. A kms_vars file is named *.ncpkms-vars since 1.0.0: inside a '
                             'group\'s or host\'s folder host_group_vars reads *.yml files too, and where kms_vars is '
                             'not enabled it would hand the ciphertexts on as the values'
                             % (os.path.join(folder, name), os.path.join(folder, name.rsplit('.', 2)[0] + SUFFIXES[0])))
                    if name.endswith(SUFFIXES):
                        yield os.path.realpath(os.path.join(folder, name))

    @staticmethod
    def files_of(basedir, entity):
        subdir = os.path.join(basedir, 'host_vars' if isinstance(entity, Host) else 'group_vars')
        files = [os.path.realpath(os.path.join(subdir, entity.name + suffix)) for suffix in SUFFIXES]
        for folder, unused, names in os.walk(os.path.join(subdir, entity.name)):
            files += sorted(os.path.realpath(os.path.join(folder, name)) for name in names if name.endswith(SUFFIXES))
        return [path for path in files if path in _FILES]

    # ---- act: read and decrypt every file at once ---------------------------------------------------

    def read_all(self, loader, basedir):
        """Every file's variables into _FILES: the secrets of all files, per key and context, in one decrypt call
        each (split only at NCP's size limit)."""
        groups = {}
        for path in self.secret_files(basedir):
            if path in _FILES:
                continue
            data = plain(loader.load_from_file(path) or {})
            if not isinstance(data, dict):
                fail('%s must hold a mapping of variables' % path)
            selector, context = self.selector_of(path, data.pop(METADATA, None))
            _FILES[path] = data
            group = groups.setdefault((selector.identity(), context), (selector, []))
            group[1].extend((path, trail, text) for trail, text in secret_leaves(data))
        for (unused, context), (selector, leaves) in groups.items():
            if leaves:
                self.decrypt_group(selector, context, leaves)
        for path in list(_FILES):
            _FILES[path] = wrap_var(_FILES[path])

    def decrypt_group(self, selector, context, leaves):
        """The values of one key and context, in one call; when that call fails, the values one by one, so that the
        failure names the file and the variable (never the value)."""
        for path, trail, text in leaves:
            if not is_envelope(text) and ciphertext_version(text) is None:
                fail('%s: the value of %s is not a whole NCP ciphertext (ncpkms:v<version>:<base64>, cut short or '
                     'missing its = padding?)' % (path, name_of(trail)))
        connection = open_connection(self.get_option, fail, regions=[selector.first_region()], debug=display.vvvv)
        try:
            plaintexts = self.decrypt_leaves(connection, selector, context, leaves)
        finally:
            connection.close()
        for (path, trail, unused), plaintext in zip(leaves, plaintexts):
            try:
                put(_FILES[path], trail, plaintext.decode('utf-8'))
            except UnicodeDecodeError:
                fail('%s: the value of %s is not UTF-8 text; keep binary data in a file (kms_decrypt module)'
                     % (path, name_of(trail)))

    def decrypt_leaves(self, connection, selector, context, leaves):
        texts = [text for unused, unused2, text in leaves]
        try:
            return decrypt_texts(connection, selector, texts, encode_context(context), what='value')
        except (CryptoError, KmsApiError, KeyConflict) as exc:
            if len(leaves) == 1:
                fail('%s: the value of %s does not decrypt: %s' % (leaves[0][0], name_of(leaves[0][1]), exc))
            for leaf in leaves:   # which one: the first that fails alone
                self.decrypt_leaves(connection, selector, context, [leaf])
            raise AnsibleError('ncloud.kms.kms_vars: %s' % exc)

    # ---- result ---------------------------------------------------------------------------------------

    def get_vars(self, loader, path, entities, cache=True):
        super(VarsModule, self).get_vars(loader, path, entities)
        basedir = os.path.realpath(self._basedir)
        if basedir not in _READ:
            with empty_means_unset():
                self.read_all(loader, basedir)
            _READ.add(basedir)
        data = {}
        for entity in entities if isinstance(entities, list) else [entities]:
            for secret_file in self.files_of(basedir, entity):
                data = combine_vars(data, _FILES[secret_file])
        return data
