# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kms_vars vars plugin: every secret of every *.ncpkms-vars file in one decrypt call per key and context,
files matched to their host or group, values unsafe, errors without values."""

import base64

import pytest
import yaml

from ansible.errors import AnsibleError
from ansible.inventory.group import Group
from ansible.inventory.host import Host

from ansible_collections.ncloud.kms.plugins.module_utils.connection import CONNECTION_OPTIONS, KmsConnection
from ansible_collections.ncloud.kms.plugins.vars import kms_vars
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient

MARKER = 'PLAINTEXT-MARKER-4b2e'


def sealed(text):
    return 'ncpkms:v1:' + base64.b64encode(text.encode()).decode()


class Loader(object):
    def load_from_file(self, path):
        with open(path) as handle:
            return yaml.safe_load(handle)


class DecryptingClient(ScriptedClient):
    """Lists one key 'app'; decrypt answers each ciphertext's base64 body (so the plaintext is the text sealed)."""

    def request(self, method, path, query=None, body=None, idempotent=True):
        self.calls.append('%s %s' % (method, path))
        self.bodies.append(body)
        items = body['ciphertext'] if isinstance(body['ciphertext'], list) else [body['ciphertext']]
        plain = [c.split(':', 2)[2] for c in items]
        return {'plaintext': plain if isinstance(body['ciphertext'], list) else plain[0]}


@pytest.fixture
def plugin(monkeypatch):
    kms_vars._FILES.clear()
    kms_vars._READ.clear()
    options = dict((option, facts.get('default')) for option, facts in CONNECTION_OPTIONS.items())
    options.update(access_key='ak', secret_key='sk', key_name='app', key_tag=None, region=None, context=None,
                   key_cache=False)
    client = DecryptingClient(('LIST', None, [{'keyName': 'app', 'keyTag': 't', 'status': 'ENABLE'}]))
    monkeypatch.setattr(KmsConnection, 'client', lambda self, region=None: client)
    vars_plugin = kms_vars.VarsModule()
    monkeypatch.setattr(vars_plugin, 'get_option', options.get)
    vars_plugin.client = client
    vars_plugin.options = options
    return vars_plugin


def never_templated(value):
    """Marked unsafe (ansible-core before 2.19), or not trusted as a template (2.19 and later)."""
    try:
        from ansible._internal._datatag._tags import TrustedAsTemplate
    except ImportError:
        from ansible.utils.unsafe_proxy import AnsibleUnsafe
        return isinstance(value, AnsibleUnsafe)
    return not TrustedAsTemplate.is_tagged_on(value)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_every_secret_of_every_file_is_decrypted_in_one_call(plugin, tmp_path):
    write(tmp_path / 'group_vars' / 'web.ncpkms-vars', 'db_password: %s\napi:\n  token: %s\n  url: https://x\n'
          % (sealed(MARKER + '-db'), sealed('tok')))
    write(tmp_path / 'group_vars' / 'web' / 'more.ncpkms-vars', 'list_of: [%s, plain]\n' % sealed('first'))
    write(tmp_path / 'host_vars' / 'web1.ncpkms-vars', 'host_secret: %s\n' % sealed('h1'))
    write(tmp_path / 'group_vars' / 'web.yml', 'not_ours: 1\n')
    inventory = str(tmp_path)  # ansible passes the inventory's folder
    group = plugin.get_vars(Loader(), inventory, [Group('web')])
    host = plugin.get_vars(Loader(), inventory, [Host('web1')])
    other = plugin.get_vars(Loader(), inventory, [Host('web2')])
    assert group == {'db_password': MARKER + '-db', 'api': {'token': 'tok', 'url': 'https://x'},
                     'list_of': ['first', 'plain']}
    assert host == {'host_secret': 'h1'} and other == {}
    assert plugin.client.calls == ['LIST', 'POST /keys/t/decrypt']
    assert len(plugin.client.bodies[1]['ciphertext']) == 4
    assert never_templated(group['db_password']) and never_templated(group['api']['url'])


def test_a_file_names_its_own_key_and_context(plugin, tmp_path):
    write(tmp_path / 'group_vars' / 'all.ncpkms-vars',
          'ncpkms:\n  key_tag: own\n  context: app=web\npw: %s\n' % sealed('own-pw'))
    write(tmp_path / 'group_vars' / 'db.ncpkms-vars', 'pw2: %s\n' % sealed('default-pw'))
    values = plugin.get_vars(Loader(), str(tmp_path), [Group('all'), Group('db')])
    assert values == {'pw': 'own-pw', 'pw2': 'default-pw'}
    decrypts = [(call, body) for call, body in zip(plugin.client.calls, plugin.client.bodies) if call.endswith('/decrypt')]
    assert sorted(call for call, unused in decrypts) == ['POST /keys/own/decrypt', 'POST /keys/t/decrypt']
    own = [body for call, body in decrypts if call == 'POST /keys/own/decrypt'][0]
    assert own['context'] == base64.b64encode(b'app=web').decode()


@pytest.mark.parametrize('text, said', [
    ('ncpkms: [1]\nx: 1\n', 'ncpkms must be a mapping'),
    ('ncpkms:\n  key: x\n', 'holds unknown settings key'),
    ('ncpkms:\n  key_name: a\n  key_tag: b\n', 'exactly one of key_name and key_tag'),
    ('- a list\n', 'must hold a mapping of variables'),
])
def test_bad_files_fail_naming_the_file_before_any_request(plugin, tmp_path, text, said):
    write(tmp_path / 'group_vars' / 'web.ncpkms-vars', text)
    with pytest.raises(AnsibleError) as caught:
        plugin.get_vars(Loader(), str(tmp_path), [Group('web')])
    assert said in str(caught.value) and 'web.ncpkms-vars' in str(caught.value) and plugin.client.calls == []


def test_a_value_that_does_not_decrypt_is_named_by_file_and_variable_never_by_value(plugin, tmp_path, monkeypatch):
    from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
    write(tmp_path / 'group_vars' / 'web.ncpkms-vars', 'ok: %s\ndb:\n  pw: %s\n' % (sealed('fine'), sealed(MARKER)))
    answer = plugin.client.request

    def refuse_the_marker(method, path, query=None, body=None, idempotent=True):
        if sealed(MARKER) in str(body):
            raise KmsApiError('decryption failed', status=400, method='POST', path=path)
        return answer(method, path, query, body, idempotent)
    monkeypatch.setattr(plugin.client, 'request', refuse_the_marker)
    with pytest.raises(AnsibleError) as caught:
        plugin.get_vars(Loader(), str(tmp_path), [Group('web')])
    assert 'web.ncpkms-vars: the value of db.pw does not decrypt' in str(caught.value)
    assert MARKER not in str(caught.value) and sealed(MARKER) not in str(caught.value)


def test_a_damaged_ciphertext_is_named_before_any_request(plugin, tmp_path):
    write(tmp_path / 'group_vars' / 'web.ncpkms-vars', 'pw: %s\n' % sealed(MARKER)[:-2])
    with pytest.raises(AnsibleError) as caught:
        plugin.get_vars(Loader(), str(tmp_path), [Group('web')])
    assert 'the value of pw is not a whole NCP ciphertext' in str(caught.value) and plugin.client.calls == []
    assert MARKER not in str(caught.value)


@pytest.mark.parametrize('option', ['timeout', 'retries', 'validate_certs', 'ca_path', 'key_name', 'context'])
def test_every_option_the_plugin_cannot_take_as_an_argument_has_an_ini_entry_and_a_variable(option):
    from ansible_collections.ncloud.kms.tests.unit.plugins.plugin_docs import fragment_options
    entry = yaml.safe_load(kms_vars.DOCUMENTATION)['options'][option]
    assert entry['ini'] == [{'section': 'ncloud_kms_vars', 'key': option}]
    assert entry['env'] == [{'name': 'NCLOUD_KMS_VARS_%s' % option.upper()}]
    described = dict(fragment_options('ncloud.kms.auth').get(option, {}), **entry)   # as ansible-doc merges them
    assert described['type'] and described['description']


def test_the_documented_ansible_cfg_has_no_comment_at_the_end_of_a_line():
    import configparser
    lines = [line[4:] for line in kms_vars.EXAMPLES.splitlines() if line.startswith('#   ')]
    config = configparser.ConfigParser()
    config.read_string('\n'.join(lines[lines.index('[defaults]'):]))
    assert config.get('ncloud_kms_vars', 'key_name') == 'app-secrets'
    assert config.get('ncloud_kms_vars', 'timeout') == '60'


@pytest.mark.parametrize('old', ['group_vars/web/secrets.ncpkms.yml', 'host_vars/web1.ncpkms.yaml'])
def test_a_file_in_the_format_before_1_0_fails_naming_its_new_name(plugin, tmp_path, old):
    write(tmp_path / old, 'pw: %s\n' % sealed(MARKER))
    with pytest.raises(AnsibleError) as caught:
        plugin.get_vars(Loader(), str(tmp_path), [Group('web')])
    said = str(caught.value)
    new = old.rsplit('.', 2)[0] + '.ncpkms-vars'
    assert '%s: rename it to %s' % (tmp_path / old, tmp_path / new) in said
    assert MARKER not in said and plugin.client.calls == []


def test_host_group_vars_reads_no_file_of_this_plugin(tmp_path):
    # What makes secrets fail closed: ansible's own loader lists no .ncpkms-vars file in a group's folder.
    from ansible.parsing.dataloader import DataLoader
    write(tmp_path / 'group_vars' / 'web' / 'secrets.ncpkms-vars', 'pw: %s\n' % sealed(MARKER))
    write(tmp_path / 'group_vars' / 'web' / 'plain.yml', 'x: 1\n')
    found = DataLoader().find_vars_files(str(tmp_path / 'group_vars'), 'web')
    assert [str(path).rsplit('/', 1)[-1] for path in found] == ['plain.yml']
