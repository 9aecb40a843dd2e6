# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base every ncloud.kms module stands on.

A module declares its own options and implements ``validate()`` (input rules, no API call)
and ``run()`` (find, compare, act). The base owns the common options, the clients, the
check-mode guard on every write, the diff, and the one place that builds the result or the
structured failure.
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, _load_params, env_fallback, missing_required_lib

from ansible_collections.ncloud.kms.plugins.module_utils.client import (
    ENDPOINT_ENV, GLOBAL, HAS_REQUESTS, REQUESTS_IMPORT_ERROR, KmsApiError,
)
from ansible_collections.ncloud.kms.plugins.module_utils.connection import KmsConnection

AUTH_ARGUMENT_SPEC = dict(
    access_key=dict(type='str', no_log=False, fallback=(env_fallback, ['NCLOUD_ACCESS_KEY'])),
    secret_key=dict(type='str', no_log=True, fallback=(env_fallback, ['NCLOUD_SECRET_KEY'])),
    site=dict(type='str', default='public', choices=['public', 'gov']),
    endpoint=dict(type='str', fallback=(env_fallback, [ENDPOINT_ENV[GLOBAL]])),
    endpoint_kr=dict(type='str', fallback=(env_fallback, [ENDPOINT_ENV['KR']])),
    endpoint_jpn=dict(type='str', fallback=(env_fallback, [ENDPOINT_ENV['JPN']])),
    timeout=dict(type='int', default=30),
    retries=dict(type='int', default=5),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
)


def like_for_like(before, after):
    """The diff of two records: when both exist, only the fields both carry (a list record
    beside a full read would otherwise show memo and rotation as added)."""
    if before and after:
        shared = set(before) & set(after)
        before = dict((field, value) for field, value in before.items() if field in shared)
        after = dict((field, value) for field, value in after.items() if field in shared)
    return {'before': before, 'after': after}


def given_options():
    """The options as the task gave them, before defaults and fallbacks (an explicit null stays a key)."""
    try:
        return _load_params()
    except Exception:  # pylint: disable=broad-exception-caught
        return {}


class KmsModule(object):
    """Common options, clients, guarded writes, diff and result for one module run."""

    argument_spec = {}
    module_kwargs = {}
    # The result of a run that found no key to act on (check mode, or an explicitly null key_tag).
    empty_result = {'key': {}}

    def __init__(self):
        spec = dict(AUTH_ARGUMENT_SPEC)
        spec.update(self.argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        self.params = self.module.params
        self.given = given_options()
        self.check_mode = self.module.check_mode
        self.changed = False
        self.actions = []
        self.connection = KmsConnection(self.params, self.fail, self.given)

    # ---- input -------------------------------------------------------------------------------

    def validate(self):
        """Module-specific input rules; call ``self.fail`` on the first broken one."""

    def _validate_common(self):
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=str(REQUESTS_IMPORT_ERROR))
        self.connection.validate(self.regions())

    # ---- API access --------------------------------------------------------------------------

    def regions(self):
        """The boundaries this run talks to (global is None); checked before any request."""
        return [self.params.get('region')]

    def client(self, region=GLOBAL):
        """The client of one boundary; all clients of a run share one HTTP session."""
        return self.connection.client(region)

    def write(self, client, description, method, path, body=None, idempotent=True, recover=None):
        """One write, sent only outside check mode; returns the answer's data or None.

        It counts as a change (``changed``, ``actions``) only once it took effect: in check mode
        at once, else when the answer arrives, or when ``recover(exc)`` shows that a write whose
        answer was lost (``maybe_applied``) holds, returning the data to go on with. A write
        that failed leaves ``changed`` and ``actions`` as they were.
        """
        data = None
        if not self.check_mode:
            try:
                data = client.request(method, path, body=body, idempotent=idempotent)
            except KmsApiError as exc:
                if recover is None or not exc.maybe_applied:
                    raise
                data = recover(exc)
        self.changed = True
        self.actions.append(description)
        return data

    def null_key_tag(self):
        """Whether the task gave ``key_tag`` as null or empty (not left it out): the tag of a key that check mode
        did not create. ansible-core before 2.19 renders a template of a null value as an empty string."""
        return 'key_tag' in self.given and self.given['key_tag'] in (None, '')

    def key_missing(self, message):
        """A key the task needs is not there. Outside check mode a failure; in check mode a warning,
        because an earlier task of the same run may be the one that would create it."""
        if not self.check_mode:
            self.fail(message)
        self.module.warn('%s. In check mode this is expected when an earlier task of this run would create the key; '
                         'without check mode this task fails.' % message)

    # ---- result ------------------------------------------------------------------------------

    def fail(self, msg, error=None, **extra):
        if error is not None:
            extra['error'] = error
        self.module.fail_json(msg=msg, changed=self.changed, actions=self.actions, **extra)

    def exit(self, before=None, after=None, **result):
        if self.module._diff and (before is not None or after is not None):
            result['diff'] = like_for_like(before or {}, after or {})
        self.module.exit_json(changed=self.changed, actions=self.actions, **result)

    def run(self):
        """Find, compare and act; return ``(result, before, after)``."""
        raise NotImplementedError

    @classmethod
    def main(cls):
        module = cls()
        module._validate_common()
        module.validate()
        if module.null_key_tag():
            module.key_missing('key_tag is null or empty, as in the record check mode returns for a key it would create, '
                               'so this task cannot tell which key it is about; it can be predicted once that key exists')
            module.exit(**module.empty_result)
        try:
            result, before, after = module.run()
        except KmsApiError as exc:
            module.fail(str(exc), error=exc.to_dict())
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # A bug or an answer no rule foresaw: fail cleanly. Neither the message nor the
            # traceback (shown with -vvv) holds a header or a secret: only code and the exception text.
            module.fail('unexpected %s in %s: %s' % (type(exc).__name__, module.module._name, exc),
                        exception=traceback.format_exc())
        finally:
            module.connection.close()
        module.exit(before=before, after=after, **result)
