# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NCP's credential chain, each source alone and in order: the options, the environment (both names of each
variable), a profile of the configure file, the server role from the emulator's metadata service (v2, v1, an expired
key read again, none, slow, absent, turned off). Every failure names the places looked at and never a key."""

import os
import time

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils import credentials
from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError, KmsClient, StaticKeys
from ansible_collections.ncloud.kms.plugins.module_utils.connection import CONNECTION_OPTIONS, KmsConnection
from ansible_collections.ncloud.kms.plugins.module_utils.transport import HttpSession
from ansible_collections.ncloud.kms.plugins.modules.kms_key_info import KmsKeyInfo
from ansible_collections.ncloud.kms.tests.emulator.kms_emulator.server import Emulator
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import OMIT, ModuleFailed, run_module

ACCESS, SECRET = 'AKCHAIN0001', 'chain-secret-0123456789'
FILE_ACCESS, FILE_SECRET = 'AKFILE0001', 'file-secret-0123456789'
PROD_ACCESS, PROD_SECRET = 'AKPROD0001', 'prod-secret-0123456789'
CONFIGURE = """[DEFAULT]
ncloud_access_key_id = %s
ncloud_secret_access_key = %s
ncloud_api_url = https://ncloud.apigw.ntruss.com

[prod]
ncloud_access_key_id=%s
ncloud_secret_access_key=%s
ncloud_api_url = https://ncloud.apigw.gov-ntruss.com

[half]
ncloud_access_key_id = AKHALF
""" % (FILE_ACCESS, FILE_SECRET, PROD_ACCESS, PROD_SECRET)
NO_ROLE = {'NCLOUD_KMS_SERVER_ROLE': 'false'}


@pytest.fixture(scope='module')
def emulator():
    running = Emulator(access_key=ACCESS, secret_key=SECRET)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def metadata(emulator, monkeypatch):
    """The emulator's metadata service, reset, as NCLOUD_METADATA_API_ENDPOINT."""
    emulator.admin_reset({})
    monkeypatch.setenv('NCLOUD_METADATA_API_ENDPOINT', emulator.urls()['global'])
    return emulator.metadata


@pytest.fixture
def configure(tmp_path):
    path = tmp_path / 'configure'
    path.write_text(CONFIGURE)
    return str(path)


def options(**given):
    """A plugin's options: the defaults, then ``given``."""
    values = dict((option, facts.get('default')) for option, facts in CONNECTION_OPTIONS.items())
    values.update(given)
    return values


class Failed(Exception):
    pass


def fail(message):
    raise Failed(message)


def connect(environ, monkeypatch, given=None, **values):
    """A validated KmsConnection with only ``environ`` as NCLOUD_* variables (and the metadata endpoint kept)."""
    for variable in [name for name in os.environ if name.startswith('NCLOUD_') and 'METADATA' not in name]:
        monkeypatch.delenv(variable)
    for variable, value in environ.items():
        monkeypatch.setenv(variable, value)
    for option, facts in CONNECTION_OPTIONS.items():
        if option not in values:
            variable = next((name for name in facts.get('env', ()) if os.environ.get(name)), None)
            values[option] = os.environ[variable] if variable else facts.get('default')
            if variable and facts['type'] == 'bool':   # as get_option converts it
                values[option] = values[option].lower() in ('1', 'true', 'yes', 'on')
    connection = KmsConnection(options(**values), fail, given or {})
    connection.validate([None])
    return connection


# ---- the options and the environment -------------------------------------------------------------

@pytest.mark.parametrize('environ, source', [
    ({'NCLOUD_ACCESS_KEY_ID': ACCESS, 'NCLOUD_SECRET_ACCESS_KEY': SECRET},
     'the environment variable NCLOUD_ACCESS_KEY_ID and the environment variable NCLOUD_SECRET_ACCESS_KEY'),
    ({'NCLOUD_ACCESS_KEY': ACCESS, 'NCLOUD_SECRET_KEY': SECRET},
     'the environment variable NCLOUD_ACCESS_KEY and the environment variable NCLOUD_SECRET_KEY'),
    ({'NCLOUD_ACCESS_KEY_ID': ACCESS, 'NCLOUD_ACCESS_KEY': 'AKOLD', 'NCLOUD_SECRET_ACCESS_KEY': SECRET,
      'NCLOUD_SECRET_KEY': 'old-secret'},
     'the environment variable NCLOUD_ACCESS_KEY_ID and the environment variable NCLOUD_SECRET_ACCESS_KEY'),
    ({'NCLOUD_ACCESS_KEY_ID': '', 'NCLOUD_ACCESS_KEY': ACCESS, 'NCLOUD_SECRET_ACCESS_KEY': '', 'NCLOUD_SECRET_KEY': SECRET},
     'the environment variable NCLOUD_ACCESS_KEY and the environment variable NCLOUD_SECRET_KEY'),
])
def test_a_module_takes_both_names_of_each_variable_the_sdk_name_first(environ, source, configure):
    seen = []
    environ = dict(environ, NCLOUD_CONFIG_FILE=configure)   # a profile that must not be read
    with pytest.MonkeyPatch.context() as patch:
        keep = KmsConnection.validate
        patch.setattr(KmsConnection, 'validate', lambda self, regions: (keep(self, regions), seen.append(self.keys)))
        run_module(KmsKeyInfo, {'access_key': OMIT, 'secret_key': OMIT}, ScriptedClient(('LIST', None, [])),
                   environ=environ)
    assert seen[0].current() == (ACCESS, SECRET) and seen[0].source == source


def test_options_win_over_the_environment_and_the_file(monkeypatch, configure):
    connection = connect({'NCLOUD_ACCESS_KEY': 'AKENV', 'NCLOUD_SECRET_KEY': 'env-secret', 'NCLOUD_CONFIG_FILE': configure},
                         monkeypatch, given={'access_key': ACCESS, 'secret_key': SECRET}, access_key=ACCESS,
                         secret_key=SECRET)
    assert connection.keys.current() == (ACCESS, SECRET)
    assert connection.keys.source == 'the option access_key and the option secret_key'


def test_the_environment_wins_over_the_file(monkeypatch, configure):
    connection = connect({'NCLOUD_ACCESS_KEY': ACCESS, 'NCLOUD_SECRET_KEY': SECRET, 'NCLOUD_CONFIG_FILE': configure},
                         monkeypatch)
    assert connection.keys.current() == (ACCESS, SECRET)


@pytest.mark.parametrize('given, unset', [({'access_key': ACCESS}, 'secret_key'), ({'secret_key': SECRET}, 'access_key')])
def test_one_key_without_the_other_fails_before_any_other_source(monkeypatch, configure, metadata, given, unset):
    with pytest.raises(Failed) as caught:
        connect({'NCLOUD_CONFIG_FILE': configure}, monkeypatch, given=given, **given)
    assert 'but %s is not: set %s too' % (unset, unset) in str(caught.value)
    assert metadata.state()['requests'] == []
    assert SECRET not in str(caught.value)


# ---- the configure file ----------------------------------------------------------------------------

def test_the_default_profile_of_the_file(monkeypatch, configure, metadata):
    connection = connect({'NCLOUD_CONFIG_FILE': configure}, monkeypatch)
    assert connection.keys.current() == (FILE_ACCESS, FILE_SECRET)
    assert connection.keys.source == 'the profile DEFAULT of the configure file %s' % configure
    assert connection.options['site'] == 'public' and metadata.state()['requests'] == []


def test_a_named_profile_on_the_gov_site_selects_the_gov_site(monkeypatch, configure):
    connection = connect({'NCLOUD_CONFIG_FILE': configure, 'NCLOUD_PROFILE': 'prod'}, monkeypatch)
    assert connection.keys.current() == (PROD_ACCESS, PROD_SECRET)
    assert connection.options['site'] == 'gov' and connection.base_url() == 'https://ocapi.gov-ncloud.com'


def test_the_task_site_wins_over_the_profile(monkeypatch, configure):
    connection = connect({'NCLOUD_CONFIG_FILE': configure, 'NCLOUD_PROFILE': 'prod', 'NCLOUD_KMS_SITE': 'public'},
                         monkeypatch)
    assert connection.options['site'] == 'public'


def test_the_file_in_the_home_folder_is_read_when_no_file_is_named(monkeypatch, tmp_path):
    (tmp_path / '.ncloud').mkdir()
    (tmp_path / '.ncloud' / 'configure').write_text(CONFIGURE)
    monkeypatch.setenv('HOME', str(tmp_path))
    connection = connect({}, monkeypatch)
    assert connection.keys.source == 'the profile DEFAULT of the configure file %s/.ncloud/configure' % tmp_path


def test_lines_before_any_section_are_the_default_profile(monkeypatch, tmp_path):
    path = tmp_path / 'configure'
    path.write_text('# written by hand\nncloud_access_key_id=%s\n  NCLOUD_SECRET_ACCESS_KEY = %s  \n' % (ACCESS, SECRET))
    connection = connect({'NCLOUD_CONFIG_FILE': str(path)}, monkeypatch)
    assert connection.keys.current() == (ACCESS, SECRET)


def test_an_empty_profile_named_on_purpose_says_it_has_no_keys(monkeypatch, tmp_path):
    path = tmp_path / 'configure'
    path.write_text('[DEFAULT]\nncloud_access_key_id = %s\nncloud_secret_access_key = %s\n[empty]\n' % (ACCESS, SECRET))
    with pytest.raises(Failed) as caught:
        connect({'NCLOUD_CONFIG_FILE': str(path), 'NCLOUD_PROFILE': 'empty'}, monkeypatch)
    assert str(caught.value).startswith('the profile empty of the configure file %s has no ncloud_access_key_id and no '
                                        'ncloud_secret_access_key' % path)


def test_a_profile_never_takes_a_key_from_the_default_section(monkeypatch, configure):
    with pytest.raises(Failed) as caught:
        connect({'NCLOUD_CONFIG_FILE': configure, 'NCLOUD_PROFILE': 'half'}, monkeypatch)
    assert str(caught.value) == ('the profile half of the configure file %s has no ncloud_secret_access_key: a profile '
                                 'needs both ncloud_access_key_id and ncloud_secret_access_key' % configure)


@pytest.mark.parametrize('environ, message', [
    ({'NCLOUD_PROFILE': 'staging'}, 'the profile staging is not in the configure file {file} (its profiles: DEFAULT, '
                                    'half, prod)'),
    ({'NCLOUD_CONFIG_FILE': '{file}.missing'}, 'the configure file {file}.missing (profile DEFAULT) does not exist'),
    ({'NCLOUD_CONFIG_FILE': '{folder}'}, 'the configure file {folder} cannot be read: Is a directory'),
    ({'NCLOUD_CONFIG_FILE': '{file}.latin1'}, 'the configure file {file}.latin1 is not UTF-8 text'),
    ({'NCLOUD_CONFIG_FILE': '{file}.broken'}, 'the configure file {file}.broken has a line that is neither [profile] '
                                              'nor name = value (line 3)'),
])
def test_a_broken_file_or_profile_fails_naming_the_file_and_the_profile_never_a_value(monkeypatch, configure, metadata,
                                                                                      environ, message):
    folder = os.path.dirname(configure)
    with open(configure + '.latin1', 'wb') as handle:
        handle.write(b'[DEFAULT]\nncloud_access_key_id = caf\xe9\n')
    with open(configure + '.broken', 'w') as handle:
        handle.write('[DEFAULT]\nncloud_access_key_id = %s\n%s\n' % (FILE_ACCESS, FILE_SECRET))
    environ = dict((name, value.format(file=configure, folder=folder)) for name, value in environ.items())
    environ.setdefault('NCLOUD_CONFIG_FILE', configure)
    with pytest.raises(Failed) as caught:
        connect(environ, monkeypatch)
    assert str(caught.value) == message.format(file=configure, folder=folder)
    assert FILE_SECRET not in str(caught.value) and metadata.state()['requests'] == []


# ---- the server role -------------------------------------------------------------------------------

def role_connection(monkeypatch, **environ):
    return connect(dict({'NCLOUD_CONFIG_FILE': ''}, **environ), monkeypatch, endpoint=None)


def test_the_server_role_by_metadata_v2_signs_requests(emulator, metadata, monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))   # no configure file
    connection = role_connection(monkeypatch)
    assert isinstance(connection.keys, credentials.ServerRole) and metadata.state()['requests'] == []  # read when used
    client = KmsClient(emulator.urls()['global'], connection.signing_keys(), HttpSession())
    assert client.request('GET', '/keys')['keyList'] == []
    assert [(entry['method'], entry['path'], entry['token']) for entry in metadata.state()['requests']] == [
        ('PUT', '/latest/api/token', False),
        ('GET', '/latest/meta-data/iam/security-credentials', True),
        ('GET', '/latest/meta-data/iam/security-credentials/kms-automation-role', True)]
    assert connection.keys.source == ('the server role kms-automation-role, from the metadata service at %s (metadata '
                                      'v2)' % emulator.urls()['global'])


def test_metadata_v1_when_the_service_gives_no_token(emulator, metadata, monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    metadata.configure({'versions': ['v1']})
    connection = role_connection(monkeypatch)
    client = KmsClient(emulator.urls()['global'], connection.signing_keys(), HttpSession())
    client.request('GET', '/keys')
    assert [(entry['path'], entry['status'], entry['token']) for entry in metadata.state()['requests']] == [
        ('/latest/api/token', 404, False), ('/latest/meta-data/iam/security-credentials', 200, False),
        ('/latest/meta-data/iam/security-credentials/kms-automation-role', 200, False)]
    assert connection.keys.version == 'metadata v1'


def test_an_expired_temporary_key_is_read_again_and_the_old_one_is_refused(emulator, metadata, monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    metadata.configure({'lifetime': 2})
    connection = role_connection(monkeypatch)
    client = KmsClient(emulator.urls()['global'], connection.signing_keys(), HttpSession())
    client.request('GET', '/keys')
    first = connection.keys.current()
    time.sleep(2.2)
    stale = KmsClient(emulator.urls()['global'], StaticKeys(first[0], first[1], 'the expired key'), HttpSession(),
                      retries=0)
    with pytest.raises(KmsApiError) as refused:
        stale.request('GET', '/keys')
    assert refused.value.status == 401 and 'the temporary access key has expired' in str(refused.value)
    client.request('GET', '/keys')   # the same client, in the same run
    assert connection.keys.reads == 2 and connection.keys.current() != first


def test_a_slow_metadata_service_fails_within_the_bound_listing_every_place(metadata, monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    metadata.configure({'delay': 10})
    connection = role_connection(monkeypatch)
    started = time.monotonic()
    with pytest.raises(Failed) as caught:
        connection.signing_keys()
    assert time.monotonic() - started < credentials.METADATA_WAIT + 1.5
    message = str(caught.value)
    assert message.startswith('no NCP credentials found; looked, in this order, at the options access_key and '
                              'secret_key, and the environment variables NCLOUD_ACCESS_KEY_ID, NCLOUD_ACCESS_KEY, '
                              'NCLOUD_SECRET_ACCESS_KEY, NCLOUD_SECRET_KEY: not set; the configure file '
                              '%s/.ncloud/configure (profile DEFAULT): no such file; the server role, from the metadata '
                              'service at ' % tmp_path)
    assert message.endswith(': no answer within 3 seconds: not an NCP VPC server, or its metadata service is off')


def test_no_metadata_service_fails_at_once(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('NCLOUD_METADATA_API_ENDPOINT', 'http://127.0.0.1:9')   # discard: nothing listens there
    connection = role_connection(monkeypatch)
    started = time.monotonic()
    with pytest.raises(Failed) as caught:
        connection.signing_keys()
    assert time.monotonic() - started < credentials.METADATA_WAIT
    assert 'the server role, from the metadata service at http://127.0.0.1:9: cannot reach it' in str(caught.value)


@pytest.mark.parametrize('settings, why', [
    ({'role': None}, 'no role is assigned to this server (/latest/meta-data/iam/security-credentials answered 404)'),
    ({'versions': []}, 'it gave no metadata v2 token (HTTP 404) and refused metadata v1 (HTTP 401)'),
])
def test_a_server_without_a_role_fails_naming_why(metadata, monkeypatch, tmp_path, settings, why):
    monkeypatch.setenv('HOME', str(tmp_path))
    metadata.configure(settings)
    with pytest.raises(Failed) as caught:
        role_connection(monkeypatch).signing_keys()
    assert why in str(caught.value)


def test_the_server_role_turned_off_fails_before_any_metadata_request(metadata, monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    with pytest.raises(Failed) as caught:
        role_connection(monkeypatch, **NO_ROLE)
    assert str(caught.value).endswith('the server role: turned off (server_role: false, or NCLOUD_KMS_SERVER_ROLE=false)')
    assert metadata.state()['requests'] == []


def test_a_metadata_address_that_is_no_url_fails_naming_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('NCLOUD_METADATA_API_ENDPOINT', '169.254.169.254')
    with pytest.raises(Failed) as caught:
        role_connection(monkeypatch)
    assert 'NCLOUD_METADATA_API_ENDPOINT must be an http(s) URL' in str(caught.value)


def test_the_file_wins_over_the_role(metadata, monkeypatch, configure):
    connection = connect({'NCLOUD_CONFIG_FILE': configure}, monkeypatch)
    assert connection.signing_keys().current() == (FILE_ACCESS, FILE_SECRET) and metadata.state()['requests'] == []


@pytest.mark.parametrize('text, seconds', [
    ('2026-12-07T05:00:00Z', 1796619600.0), ('2026-12-07T14:00:00+09:00', 1796619600.0),
    ('2026-12-07T05:00:00.123456789Z', 1796619600.123456), ('2026-12-07T05:00:00', 1796619600.0),
])
def test_expiration_times_in_rfc_3339(text, seconds):
    assert credentials.parse_expiration(text) == pytest.approx(seconds)


# ---- -vvvv -------------------------------------------------------------------------------------------

@pytest.mark.parametrize('verbosity, said', [(4, True), (3, False)])
def test_at_vvvv_the_result_says_which_source_signed_never_a_key(verbosity, said):
    result = run_module(KmsKeyInfo, {'_ansible_verbosity': verbosity}, ScriptedClient(('LIST', None, [])))
    if said:
        assert result['credentials_source'] == ('ncloud.kms signs requests with the key of the option access_key and '
                                                'the option secret_key')
    else:
        assert 'credentials_source' not in result
    assert 'unit-test-secret' not in repr(result)


def test_an_empty_option_is_unset_so_its_variable_counts(configure):
    result = run_module(KmsKeyInfo, {'access_key': '', 'secret_key': '', '_ansible_verbosity': 4},
                        ScriptedClient(('LIST', None, [])),
                        environ={'NCLOUD_ACCESS_KEY_ID': ACCESS, 'NCLOUD_SECRET_KEY': SECRET, 'NCLOUD_CONFIG_FILE': configure})
    assert result['credentials_source'].endswith('the environment variable NCLOUD_ACCESS_KEY_ID and the environment '
                                                 'variable NCLOUD_SECRET_KEY')


def test_a_module_failure_without_any_credentials_lists_every_place(tmp_path):
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsKeyInfo, {'access_key': OMIT, 'secret_key': OMIT}, ScriptedClient(),
                   environ=dict(NO_ROLE, HOME=str(tmp_path)))
    assert caught.value.result['msg'].startswith('no NCP credentials found; looked, in this order, at the options')
