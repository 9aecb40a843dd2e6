# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX renders a credential input left unset as an empty string: an empty NCLOUD_* variable means unset, and the
option's default applies, for the modules, the lookup and the vars plugin alike."""

import os

import pytest

from ansible.errors import AnsibleLookupError

from ansible_collections.ncloud.kms.plugins.module_utils.connection import KmsConnection
from ansible_collections.ncloud.kms.plugins.modules.kms_key_info import KmsKeyInfo
from ansible_collections.ncloud.kms.plugins.plugin_utils import controller
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.lookup.test_kms_decrypt import lookup_with
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import run_module

AWX_UNSET = {'NCLOUD_KMS_SITE': '', 'NCLOUD_KMS_ENDPOINT': '', 'NCLOUD_KMS_ENDPOINT_KR': '',
             'NCLOUD_KMS_ENDPOINT_JPN': ''}


@pytest.fixture
def connection_options(monkeypatch):
    """The options each KmsConnection is validated with, and the global endpoint it would use."""
    seen = []
    validate = KmsConnection.validate

    def recording(self, regions):
        validate(self, regions)
        seen.append(dict(self.options, base_url=self.base_url(), source=self.endpoint_source()))
    monkeypatch.setattr(KmsConnection, 'validate', recording)
    return seen


def test_a_module_takes_the_defaults_for_empty_variables(connection_options):
    result = run_module(KmsKeyInfo, {}, ScriptedClient(('LIST', None, [])), environ=AWX_UNSET)
    assert result['kms_keys'] == []
    options = connection_options[0]
    assert options['site'] == 'public' and options['endpoint'] is None
    assert options['base_url'] == 'https://ocapi.ncloud.com'
    assert options['source'].startswith("the public site's default")


def test_a_module_still_reads_a_variable_that_is_set(connection_options):
    environ = dict(AWX_UNSET, NCLOUD_KMS_ENDPOINT='http://127.0.0.1:8080')
    run_module(KmsKeyInfo, {}, ScriptedClient(('LIST', None, [])), environ=environ)
    assert connection_options[0]['base_url'] == 'http://127.0.0.1:8080'
    assert connection_options[0]['source'] == 'the environment variable NCLOUD_KMS_ENDPOINT'


def test_an_empty_variable_is_no_fallback_value(monkeypatch):
    from ansible.module_utils.errors import AnsibleFallbackNotFound
    from ansible_collections.ncloud.kms.plugins.module_utils.base import recording_omitted
    from ansible_collections.ncloud.kms.plugins.module_utils.connection import connection_argument_spec
    omitted = set()
    spec = recording_omitted(connection_argument_spec(), omitted)
    strategy, arguments = spec['secret_key']['fallback']
    monkeypatch.setenv('NCLOUD_SECRET_KEY', '')
    with pytest.raises(AnsibleFallbackNotFound):
        strategy(*arguments)
    monkeypatch.setenv('NCLOUD_SECRET_KEY', 'sk')
    assert strategy(*arguments) == 'sk'
    assert omitted == {'secret_key'}


def test_plugins_read_their_options_with_empty_variables_unset(monkeypatch):
    monkeypatch.setenv('NCLOUD_KMS_SITE', '')
    monkeypatch.setenv('NCLOUD_KMS_ENDPOINT', 'http://127.0.0.1:8080')
    with controller.empty_means_unset():
        assert 'NCLOUD_KMS_SITE' not in os.environ
        assert os.environ['NCLOUD_KMS_ENDPOINT'] == 'http://127.0.0.1:8080'
    assert os.environ['NCLOUD_KMS_SITE'] == ''


def test_the_lookup_sets_its_options_with_empty_variables_unset(monkeypatch):
    monkeypatch.setenv('NCLOUD_KMS_SITE', '')
    lookup = lookup_with({'key_name': 'app', 'server_role': False}, monkeypatch)
    seen = []
    monkeypatch.setattr(lookup, 'set_options', lambda **kwargs: seen.append('NCLOUD_KMS_SITE' in os.environ))
    with pytest.raises(AnsibleLookupError):   # no credentials in these options: fails before any request
        lookup.run(['ncpkms:v1:YWJj'], variables={})
    assert seen == [False]
