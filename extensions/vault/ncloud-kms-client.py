#!/bin/sh
''''exec "${NCLOUD_KMS_VAULT_PYTHON:-python3}" "$0" "$@" # '''  # pylint: disable=pointless-string-statement
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The module's docstring is the shell line above (the trick that lets this file run on any python3), so the help text
# lives in HELP, which --help prints.
HELP = """An Ansible Vault password client backed by NAVER Cloud Platform KMS.

    ansible-playbook --vault-id prod@ncloud-kms-client.py site.yml          (or ANSIBLE_VAULT_IDENTITY_LIST)
    ncloud-kms-client.py --vault-id prod                                     print prod's password
    ncloud-kms-client.py --vault-id prod --set --key-name app-secrets        store a password, read from stdin
    ncloud-kms-client.py --vault-id prod --set --generate --key-name ...     or made here (32 random bytes, base64)
    ncloud-kms-client.py --vault-id prod --set --replace --generate ...      replace it; the old one stays readable
                                                                             as the vault id prod.previous
    ncloud-kms-client.py --vault-id prod --retire-previous                   once every file is rekeyed, forget it

Each vault id's password is kept as an NCP KMS ciphertext in <ID>.ncpkms, in the first of these folders:
NCLOUD_KMS_VAULT_DIR when set; ncpkms-vault under the working directory when it exists; ncpkms-vault beside the
ansible.cfg in use (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg) when it exists. --set
with none of them existing makes ncpkms-vault under the working directory. The file holds the ciphertext and which
key made it, never the password, and is safe to commit. Who may decrypt it is decided by NCP's IAM and the key's IP
ACL. Credentials come from NCP's chain, as for the modules: NCLOUD_ACCESS_KEY_ID or NCLOUD_ACCESS_KEY with
NCLOUD_SECRET_ACCESS_KEY or NCLOUD_SECRET_KEY, else a profile of the configure file (NCLOUD_CONFIG_FILE, default
~/.ncloud/configure; NCLOUD_PROFILE, default DEFAULT), else the server role of an NCP VPC server
(NCLOUD_KMS_SERVER_ROLE=false turns it off). Site and endpoints come from NCLOUD_KMS_SITE and NCLOUD_KMS_ENDPOINT*;
an empty variable is unset. The CA bundle comes from REQUESTS_CA_BUNDLE.

A password is never replaced silently: --set for a vault id that has one fails unless --replace is given, and
--replace keeps the old ciphertext as <ID>.previous.ncpkms (the vault id <ID>.previous), so that
ansible-vault rekey --vault-id <ID>.previous@<client> --new-vault-id <ID>@<client> moves vaulted files to the new
password with no password in a file or on a command line.

Standard output holds the password and nothing else; every error is one line on standard error. Exit status: 0
with the password, 2 when the vault id has no file (Ansible's "no secret for this vault id"), 1 for any other
failure. One decrypt call per run. The client runs on the Python that runs Ansible (it needs ansible-core and
requests): the one in NCLOUD_KMS_VAULT_PYTHON, else python3, else the interpreter of the Ansible command that
started it.
"""

import argparse
import base64
import os
import re
import sys

FORMAT = 'ncloud.kms vault password'
FIELDS = ('Format', 'Vault-Id', 'Key-Name', 'Key-Tag', 'Region', 'Context', 'Ciphertext')
DEFAULT_DIR = 'ncpkms-vault'
PREVIOUS = '.previous'      # the vault id <ID>.previous holds the password that --replace replaced
VAULT_ID = re.compile(r'^[A-Za-z0-9_.-]{1,64}$')
NO_SECRET, FAILED = 2, 1


class ClientError(Exception):
    """A failure said in one line on standard error."""


def say(message):
    sys.stderr.write('ncloud-kms-client: %s\n' % message)


def ansible_python():
    """The interpreter of the Ansible command that started this client (its command line's first word, a
    virtual environment's python as the command's shebang names it), or None."""
    try:
        with open('/proc/%d/cmdline' % os.getppid(), 'rb') as handle:
            first = handle.read().split(b'\0')[0].decode('utf-8', 'replace')
    except OSError:
        return None
    return first if os.path.isabs(first) and os.path.basename(first).startswith('python') else None


def import_collection():
    """The collection's code, from the collection this file belongs to; on a Python without ansible-core or
    requests, run again on the one that runs Ansible."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.normpath(os.path.join(here, '..', '..', '..', '..', '..')))
    try:
        import ansible  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
        import requests  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError as exc:
        other = ansible_python()
        if other and other != sys.executable and not os.environ.get('NCLOUD_KMS_VAULT_REEXEC'):
            os.environ['NCLOUD_KMS_VAULT_REEXEC'] = '1'
            os.execv(other, [other, os.path.abspath(__file__)] + sys.argv[1:])
        raise ClientError('this Python (%s) lacks %s: set NCLOUD_KMS_VAULT_PYTHON to the Python that runs Ansible'
                          % (sys.executable, exc.name or exc))


def ansible_cfg_folder():
    """The folder of the ansible.cfg Ansible would use (its own search order), or None."""
    try:
        from ansible.config.manager import find_ini_config_file  # pylint: disable=import-outside-toplevel
        path = find_ini_config_file()
    except Exception:  # pylint: disable=broad-exception-caught
        return None
    return os.path.dirname(os.path.abspath(path)) if path else None


def vault_dir_candidates():
    """(folder, where it comes from), in the order the client looks."""
    named = os.environ.get('NCLOUD_KMS_VAULT_DIR')
    if named:
        return [(named, 'NCLOUD_KMS_VAULT_DIR')]
    candidates = [(os.path.join(os.getcwd(), DEFAULT_DIR), 'the working directory')]
    cfg_folder = ansible_cfg_folder()
    if cfg_folder and os.path.join(cfg_folder, DEFAULT_DIR) != candidates[0][0]:
        candidates.append((os.path.join(cfg_folder, DEFAULT_DIR), 'beside the ansible.cfg in use'))
    return candidates


def vault_dir():
    """The first folder of ``vault_dir_candidates`` that exists, else the first (--set makes it)."""
    candidates = vault_dir_candidates()
    return next((folder for folder, unused in candidates if os.path.isdir(folder)), candidates[0][0])


def vault_file(vault_id):
    if not VAULT_ID.match(vault_id):
        raise ClientError('the vault id %r must be 1 to 64 letters, digits, ".", "_" or "-"' % vault_id)
    return os.path.join(vault_dir(), vault_id + '.ncpkms')


def looked_in():
    return '; '.join('%s (%s)' % (folder, where) for folder, where in vault_dir_candidates())


def read_record(path, vault_id):
    """The fields of a vault file; a missing file is Ansible's 'no secret for this vault id' (exit 2)."""
    if not os.path.isfile(path):
        raise LookupError('no password is stored for the vault id %s: no %s in %s'
                          % (vault_id, os.path.basename(path), looked_in()))
    record = {}
    with open(path) as handle:
        for line in handle:
            if line.strip() and not line.startswith('#'):
                name, unused, value = line.partition(':')
                record[name.strip()] = value.strip()
    if record.get('Format') != FORMAT or not record.get('Ciphertext') or not record.get('Key-Tag'):
        raise ClientError('%s is not a vault password file of ncloud.kms (it needs Format: %s, Key-Tag and '
                          'Ciphertext)' % (path, FORMAT))
    return record


def write_record(path, record):
    """The file, mode 0600, written at once (a reader never sees half of it); a failure names the file, not the
    temporary one."""
    folder = os.path.dirname(path) or '.'
    temp = '%s.%d.tmp' % (path, os.getpid())
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, 'w') as out:
            out.write('# An Ansible Vault password kept by NCP KMS: a ciphertext only that key can decrypt, safe to '
                      'commit.\n# Read with: ncloud-kms-client.py --vault-id %s\n' % record['Vault-Id'])
            out.write(''.join('%s: %s\n' % (name, record.get(name) or '') for name in FIELDS))
        os.replace(temp, path)
    except OSError as exc:
        if os.path.exists(temp):
            os.remove(temp)
        raise ClientError('cannot write %s: %s' % (path, exc.strerror or exc))


class Kms(object):
    """The collection's connection and crypto, from the NCLOUD_* variables (an empty one is unset)."""

    def __init__(self):
        import_collection()
        # pylint: disable=import-outside-toplevel
        try:
            from ansible_collections.ncloud.kms.plugins.module_utils.client import CryptoError, KmsApiError
            from ansible_collections.ncloud.kms.plugins.module_utils.connection import CONNECTION_OPTIONS, environment_value
            from ansible_collections.ncloud.kms.plugins.module_utils.crypto import KmsCrypto, encode_context
            from ansible_collections.ncloud.kms.plugins.module_utils.selector import KeyConflict, KeySelector
            from ansible_collections.ncloud.kms.plugins.plugin_utils.controller import decrypt_texts, open_connection
        except ImportError as exc:
            raise ClientError('run the client from the installed collection (.../ansible_collections/ncloud/kms/'
                              'extensions/vault/): %s' % exc)
        self.errors = (CryptoError, KmsApiError, KeyConflict)
        self.options, self.environment_value = CONNECTION_OPTIONS, environment_value
        self.crypto, self.encode_context, self.selector = KmsCrypto, encode_context, KeySelector
        self.decrypt_texts, self.open_connection = decrypt_texts, open_connection

    def option(self, name):
        facts = self.options[name]
        value = self.environment_value(facts.get('env', ()))[0]
        if value is None:
            return facts.get('default')
        if facts['type'] == 'bool':
            return value.lower() in ('1', 'true', 'yes', 'on')
        return value

    def connect(self, region):
        def fail(message):
            raise ClientError(message)
        return self.open_connection(self.option, fail, regions=[region])

    def decrypt(self, record):
        selector = self.selector(None, record['Key-Tag'], record.get('Region') or None, 'key_name', False, say)
        connection = self.connect(selector.first_region())
        try:
            plaintext = self.decrypt_texts(connection, selector, [record['Ciphertext']],
                                           self.encode_context(record.get('Context') or None), what='ciphertext')[0]
        finally:
            connection.close()
        return plaintext.decode('utf-8')

    def encrypt(self, password, key_name, key_tag, region, context):
        selector = self.selector(key_name, key_tag, region, 'key_name', self.option('key_cache'), say)
        problem = selector.problem(exactly_one=True)
        if problem:
            raise ClientError(problem.replace('key_name and key_tag', '--key-name and --key-tag (or '
                                              'NCLOUD_KMS_VAULT_KEY_NAME or _TAG)'))
        connection = self.connect(selector.first_region())
        try:
            key = selector.find(connection)
            if key is None:
                raise ClientError(selector.missing(connection))
            crypto = self.crypto(connection.client(selector.region))
            crypto.check_enabled(key)
            encoded = self.encode_context(context)
            crypto.check_encrypting(key, encoded)
            ciphertext = crypto.encrypt(key, [password.encode('utf-8')], encoded)[0]
        finally:
            connection.close()
        return key, selector.region, ciphertext


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='ncloud-kms-client.py', description=HELP,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--vault-id', required=True, help='the vault id (Ansible passes it)')
    parser.add_argument('--set', action='store_true',
                        help='store a password for a vault id that has none, read from stdin')
    parser.add_argument('--replace', action='store_true',
                        help='with --set: replace the vault id\'s password, keeping the old one as <ID>.previous')
    parser.add_argument('--retire-previous', action='store_true',
                        help='remove <ID>.previous, once every vaulted file is rekeyed to the new password')
    parser.add_argument('--generate', action='store_true', help='with --set: make the password (32 random bytes)')
    parser.add_argument('--key-name', default=os.environ.get('NCLOUD_KMS_VAULT_KEY_NAME') or None,
                        help='with --set: the name of the NCP KMS key that encrypts the password '
                             '(default NCLOUD_KMS_VAULT_KEY_NAME)')
    parser.add_argument('--key-tag', default=os.environ.get('NCLOUD_KMS_VAULT_KEY_TAG') or None,
                        help='with --set: the key by its tag instead (default NCLOUD_KMS_VAULT_KEY_TAG)')
    parser.add_argument('--region', choices=['global', 'KR', 'JPN'], help='where the key lives (a name follows its key)')
    parser.add_argument('--context', help='text bound to the ciphertext (kept in the file; not secret)')
    args = parser.parse_args(argv)
    for option, needs_set in (('--generate', args.generate), ('--replace', args.replace)):
        if needs_set and not args.set:
            parser.error('%s goes with --set' % option)
    if args.retire_previous and args.set:
        parser.error('--retire-previous goes alone: retire the old password once every file is rekeyed')
    if args.set and args.vault_id.endswith(PREVIOUS):
        parser.error('the vault id %s keeps a replaced password: only --set --replace of %s writes it'
                     % (args.vault_id, args.vault_id[:-len(PREVIOUS)]))
    return args


def read_password(args):
    if args.generate:
        return base64.b64encode(os.urandom(32)).decode('ascii')
    password = sys.stdin.readline().rstrip('\r\n')
    if not password:
        raise ClientError('no password on standard input (give --generate to make one)')
    return password


def check_replacing(args, path, previous):
    """A password is replaced only with --replace, and only while no earlier replaced one waits to be retired."""
    if not os.path.exists(path):
        return
    if not args.replace:
        raise ClientError('the vault id %s has a password already (%s): replacing it would lock every file vaulted '
                          'with it; give --replace to replace it and keep the old one as the vault id %s%s'
                          % (args.vault_id, path, args.vault_id, PREVIOUS))
    if os.path.exists(previous):
        raise ClientError('the vault id %s%s still holds the password replaced before (%s): rekey the files vaulted '
                          'with it, then run --vault-id %s --retire-previous, before replacing again'
                          % (args.vault_id, PREVIOUS, previous, args.vault_id))


def store(args, path):
    previous = vault_file(args.vault_id + PREVIOUS)
    check_replacing(args, path, previous)
    password = read_password(args)
    kms = Kms()
    try:
        key, region, ciphertext = kms.encrypt(password, args.key_name, args.key_tag, args.region, args.context)
    except kms.errors as exc:
        raise ClientError(str(exc))
    replacing = os.path.exists(path)
    if replacing:
        old = read_record(path, args.vault_id)
        write_record(previous, dict(old, **{'Vault-Id': args.vault_id + PREVIOUS}))
    write_record(path, {'Format': FORMAT, 'Vault-Id': args.vault_id, 'Key-Name': key.get('keyName'),
                        'Key-Tag': key['keyTag'], 'Region': region or 'global', 'Context': args.context,
                        'Ciphertext': ciphertext})
    if replacing:
        say('replaced the password of the vault id %s in %s (key %s); the old one is the vault id %s%s (%s) until '
            '--retire-previous' % (args.vault_id, path, key.get('keyName'), args.vault_id, PREVIOUS, previous))
    else:
        say('stored a new password for the vault id %s in %s (key %s)' % (args.vault_id, path, key.get('keyName')))


def retire_previous(args):
    previous = vault_file(args.vault_id + PREVIOUS)
    read_record(previous, args.vault_id + PREVIOUS)
    os.remove(previous)
    say('retired the previous password of the vault id %s (%s removed): files still vaulted with it no longer open'
        % (args.vault_id, previous))


def show(args, path):
    record = read_record(path, args.vault_id)
    kms = Kms()
    try:
        password = kms.decrypt(record)
    except kms.errors as exc:
        raise ClientError('the password of the vault id %s (%s) does not decrypt: %s' % (args.vault_id, path, exc))
    sys.stdout.write(password + '\n')


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        path = vault_file(args.vault_id)
        if args.set:
            store(args, path)
        elif args.retire_previous:
            retire_previous(args)
        else:
            show(args, path)
    except LookupError as exc:
        say(str(exc))
        return NO_SECRET
    except (ClientError, OSError, UnicodeDecodeError) as exc:
        say(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return FAILED
    return 0


if __name__ == '__main__':
    sys.exit(main())
