# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Without the Python library requests, every module fails with ansible-core's missing_required_lib message, and
the lookup and the vars plugin with one that says how to install it, before any other work."""

import sys

import pytest

from ansible.errors import AnsibleLookupError
from ansible.module_utils.basic import missing_required_lib

from ansible_collections.ncloud.kms.plugins.module_utils import base
from ansible_collections.ncloud.kms.plugins.plugin_utils import controller
from ansible_collections.ncloud.kms.plugins.modules.kms_key import KmsKey
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import ModuleFailed, run_module
from ansible_collections.ncloud.kms.tests.unit.plugins.lookup.test_kms_decrypt import lookup_with


def test_a_module_fails_with_missing_required_lib_before_any_rule_or_request(monkeypatch):
    monkeypatch.setattr(base, 'HAS_REQUESTS', False)
    monkeypatch.setattr(base, 'REQUESTS_IMPORT_ERROR', 'Traceback: ImportError: No module named requests')
    with pytest.raises(ModuleFailed) as caught:
        # an invalid name too: the missing library is said first, and nothing is sent (the client has no answers)
        run_module(KmsKey, {'name': '1-not-a-key-name'}, ScriptedClient())
    assert caught.value.result['msg'] == missing_required_lib('requests')
    assert 'No module named requests' in caught.value.result['exception']


def test_the_lookup_fails_saying_how_to_install_requests(monkeypatch):
    monkeypatch.setattr(controller, 'HAS_REQUESTS', False)
    lookup = lookup_with({'key_name': 'app', 'access_key': 'ak', 'secret_key': 'sk'}, monkeypatch)
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run(['ncpkms:v1:YWJj'], variables={})
    message = str(caught.value)
    assert 'needs the Python library requests on the controller' in message
    assert '%s -m pip install requests' % sys.executable in message


def test_the_vars_plugin_fails_the_same_way_through_open_connection(monkeypatch):
    monkeypatch.setattr(controller, 'HAS_REQUESTS', False)
    said = []

    def fail(message):
        said.append(message)
        raise RuntimeError(message)
    with pytest.raises(RuntimeError):
        controller.open_connection(lambda name: None, fail)
    assert len(said) == 1 and 'pip install requests' in said[0]
