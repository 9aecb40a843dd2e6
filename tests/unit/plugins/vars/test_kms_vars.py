# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kms_vars vars plugin: every secret of every *.ncpkms.yml file in one decrypt call per key and context,
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
    write(tmp_path / 'group_vars' / 'web.ncpkms.yml', 'db_password: %s\napi:\n  token: %s\n  url: https://x\n'
          % (sealed(MARKER + '-db'), sealed('tok')))
    write(tmp_path / 'group_vars' / 'web' / 'more.ncpkms.yml', 'list_of: [%s, plain]\n' % sealed('first'))
    write(tmp_path / 'host_vars' / 'web1.ncpkms.yml', 'host_secret: %s\n' % sealed('h1'))
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
    write(tmp_path / 'group_vars' / 'all.ncpkms.yml',
          'ncpkms:\n  key_tag: own\n  context: app=web\npw: %s\n' % sealed('own-pw'))
    write(tmp_path / 'group_vars' / 'db.ncpkms.yml', 'pw2: %s\n' % sealed('default-pw'))
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
    write(tmp_path / 'group_vars' / 'web.ncpkms.yml', text)
    with pytest.raises(AnsibleError) as caught:
        plugin.get_vars(Loader(), str(tmp_path), [Group('web')])
    assert said in str(caught.value) and 'web.ncpkms.yml' in str(caught.value) and plugin.client.calls == []


def test_a_value_that_does_not_decrypt_is_named_by_file_and_variable_never_by_value(plugin, tmp_path, monkeypatch):
    from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
    write(tmp_path / 'group_vars' / 'web.ncpkms.yml', 'ok: %s\ndb:\n  pw: %s\n' % (sealed('fine'), sealed(MARKER)))
    answer = plugin.client.request

    def refuse_the_marker(method, path, query=None, body=None, idempotent=True):
        if sealed(MARKER) in str(body):
            raise KmsApiError('decryption failed', status=400, method='POST', path=path)
        return answer(method, path, query, body, idempotent)
    monkeypatch.setattr(plugin.client, 'request', refuse_the_marker)
    with pytest.raises(AnsibleError) as caught:
        plugin.get_vars(Loader(), str(tmp_path), [Group('web')])
    assert 'web.ncpkms.yml: the value of db.pw does not decrypt' in str(caught.value)
    assert MARKER not in str(caught.value) and sealed(MARKER) not in str(caught.value)


def test_a_damaged_ciphertext_is_named_before_any_request(plugin, tmp_path):
    write(tmp_path / 'group_vars' / 'web.ncpkms.yml', 'pw: %s\n' % sealed(MARKER)[:-2])
    with pytest.raises(AnsibleError) as caught:
        plugin.get_vars(Loader(), str(tmp_path), [Group('web')])
    assert 'the value of pw is not a whole NCP ciphertext' in str(caught.value) and plugin.client.calls == []
    assert MARKER not in str(caught.value)
