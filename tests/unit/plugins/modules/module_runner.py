# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's ``main()`` in-process with the task's arguments and a scripted client.

``run_module(KmsKey, {'name': 'app'}, client)`` returns the result the module exits with; a module that
fails raises ``ModuleFailed`` holding its result. Every request goes to ``client`` (a
``fake_clients.ScriptedClient``): an empty one proves that no request was made.
"""

import contextlib
import json

from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.ncloud.kms.plugins.module_utils.connection import KmsConnection
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    @contextlib.contextmanager
    def patch_module_args(args):
        with mock.patch.object(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))):
            yield

CREDENTIALS = {'access_key': 'AKUNITTEST', 'secret_key': 'unit-test-secret'}
OMIT = object()   # an argument value: the task leaves the option out (CREDENTIALS too)


class ModuleExited(SystemExit):
    """How a module's exit_json ends the run here (a SystemExit, as the real one, so no handler catches it)."""

    def __init__(self, result):
        super(ModuleExited, self).__init__(result)
        self.result = result


class ModuleFailed(ModuleExited):
    pass


def _exit(self, **result):
    raise ModuleExited(result)


def _fail(self, msg, **result):
    result['msg'] = msg
    raise ModuleFailed(result)


def run_module(module_class, args, client=None, check_mode=False, environ=None):
    """The module's result for these task arguments; ``ModuleFailed`` when it fails.

    ``client`` answers every boundary, or is a dict of boundary (None for global, 'KR', 'JPN') -> client.
    The NCLOUD_* environment variables are those of ``environ`` only; the key cache is off unless ``environ`` turns
    it on (NCLOUD_KMS_KEY_CACHE, with XDG_CACHE_HOME for its folder).
    """
    client = client if client is not None else ScriptedClient()
    clients = client if isinstance(client, dict) else None
    warnings = []
    task_args = dict(CREDENTIALS)
    task_args.update(args)
    task_args = dict((name, value) for name, value in task_args.items() if value is not OMIT)
    if check_mode:
        task_args['_ansible_check_mode'] = True
    with patch_module_args(task_args), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', _exit), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', _fail), \
            mock.patch.object(basic.AnsibleModule, 'warn', lambda self, text: warnings.append(text)), \
            mock.patch.object(KmsConnection, 'client', lambda self, region=None: clients[region] if clients else client), \
            mock.patch.dict('os.environ', clear=False) as process_environ:
        for variable in [name for name in process_environ if name.startswith('NCLOUD_')]:
            del process_environ[variable]
        process_environ['NCLOUD_KMS_KEY_CACHE'] = 'false'  # the key cache is tested on its own (environ turns it on)
        process_environ.update(environ or {})
        try:
            module_class.main()
        except ModuleExited as exited:
            exited.result['warnings'] = warnings
            if isinstance(exited, ModuleFailed):
                raise
            return exited.result
    raise AssertionError('the module neither exited nor failed')


def bad_input_ids(cases):
    """Readable test ids for a BAD_INPUT table: the start of each expected message."""
    return [message[:40] for unused, message in cases]


def assert_fails_before_any_request(module_class, args, message):
    """The module fails with ``message`` in its msg, unchanged, having sent no request."""
    client = ScriptedClient()
    try:
        run_module(module_class, args, client)
    except ModuleFailed as failed:
        assert message in failed.result['msg'], failed.result['msg']
        assert failed.result.get('changed', False) is False
        assert client.calls == []
        return
    raise AssertionError('the module did not fail: %r' % (args,))
