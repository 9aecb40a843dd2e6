# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base every ncloud.kms module stands on, and the one write path.

A module declares its options (``argument_spec``, with ``KEY_SELECTOR`` when it addresses one key) and
implements, in this order in its file:

- options: ``validate()``, the input rules that need no API call (``self.fail`` on the first broken one);
- find / compare / act: ``run()``, which finds the key (``self.selector``, a ``selector.KeySelector``), compares, and writes only
  through ``self.apply`` / ``self.send`` (API changes) and ``self.act_locally`` (files on the managed host);
- result: what ``run()`` returns, ``(result, before, after)``; the base adds ``changed``, ``actions``
  and the diff.

The base owns the common options, the key selector built from them, the clients, the check-mode guard on every
write, the recovery of a write whose answer was lost, and the one place that builds the result or the structured
failure.

Internal to ncloud.kms: not an API; names and signatures may change in any release.
"""

import errno
import os
import tempfile
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.ncloud.kms.plugins.module_utils.client import CryptoError, KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.connection import (
    GLOBAL, KmsConnection, connection_argument_spec, environment_value,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import (
    get_token_generator, get_versions, key_path, read_back,
)
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KeyConflict, KeySelector, find_key
from ansible_collections.ncloud.kms.plugins.module_utils.transport import HAS_REQUESTS, REQUESTS_IMPORT_ERROR


PRIVATE_MODE = 0o600   # a plaintext file kms_decrypt creates without a mode option


class ModuleFailure(Exception):
    """A failure a module's logic decides on (not the API's): the message says what to do."""


# Every error of the collection that base.main turns into one structured failure.
KNOWN_ERRORS = (KmsApiError, CryptoError, ModuleFailure, KeyConflict, OSError)


def like_for_like(before, after):
    """The diff of two records: when both exist, only the fields both carry (a list record
    beside a full read would otherwise show memo and rotation as added)."""
    if before and after:
        shared = set(before) & set(after)
        before = dict((field, value) for field, value in before.items() if field in shared)
        after = dict((field, value) for field, value in after.items() if field in shared)
    return {'before': before, 'after': after}


def recording_omitted(spec, omitted):
    """``spec`` with a fallback on every option that adds the option's name to ``omitted`` when the task leaves it
    out (AnsibleModule calls a fallback only then), keeping the options' own environment fallbacks, where an empty
    variable means unset (AWX renders a credential input left unset as an empty string): the default applies. So the
    base tells an option given as null (a key_tag check mode could not know) from one left out, and an endpoint given
    as an option from one taken from the environment."""
    def fallback(option, *variables):
        omitted.add(option)
        value = environment_value(variables)[0]   # empty means unset: AWX renders an input left unset as ''
        if value is None:
            raise AnsibleFallbackNotFound
        return value
    recorded = {}
    for option, facts in spec.items():
        facts = dict(facts)
        own = facts.get('fallback')
        facts['fallback'] = (fallback, [option] + (list(own[1]) if own else []))
        recorded[option] = facts
    return recorded


def unwritable(path):
    """Why ``path`` cannot be written as a whole new file (a folder, a missing or read-only folder, an immutable or
    read-only file system), or None."""
    if os.path.isdir(path):
        return 'is a folder: name the file to write'
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return 'cannot be written: its folder %s does not exist' % folder
    if not os.access(folder, os.W_OK | os.X_OK):
        return 'cannot be written: its folder %s is read-only for this user (or on a read-only file system)' % folder
    if os.path.isfile(path):
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))   # opened, not written: its content and times stay
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EROFS):
                return 'cannot be replaced: %s (an immutable file, see lsattr, or a read-only file system)' % exc.strerror
    return None


def failure_message(exc):
    """The message of a known error; an OS error names its file."""
    if isinstance(exc, OSError) and exc.filename:
        return '%s: %s' % (exc.strerror or type(exc).__name__, exc.filename)
    return str(exc)


# ---- changes: what a write sends, and how its effect is confirmed after a lost answer ----------------

class Change(object):
    """One write to a key, and the API fields it leaves on the key (``gone``: the key is destroyed).

    After a lost answer (``KmsApiError.maybe_applied``), ``confirm`` reads the key back and returns the data
    to go on with when the change holds, else raises the error. Subclasses change what is read.
    """

    def __init__(self, description, method, action=None, body=None, sets=None, gone=False, idempotent=True):
        self.description = description
        self.method = method
        self.action = action
        self.body = body
        self.sets = sets or {}
        self.gone = gone
        self.idempotent = idempotent

    def path(self, key):
        return key_path(key['keyTag'], self.action)

    def state_now(self, client, key):
        return read_back(client, key)

    def holds_on(self, state):
        if self.gone:
            return state is None
        return state is not None and all(state.get(field) == value for field, value in self.sets.items())

    def data_from(self, state):
        return {'keyTag': state['keyTag']} if state else None

    def confirm(self, client, key, exc):
        state = self.state_now(client, key)
        if not self.holds_on(state):
            raise exc
        return self.data_from(state)


def status_change(description, status):
    """Enable or disable a key."""
    return Change(description, 'POST', 'enable' if status == 'ENABLE' else 'disable', sets={'status': status})


class CreateKey(Change):
    """Create a key. A lost answer is confirmed by the key of that name; one that differs from the body
    was made by another writer, and the task fails saying so."""

    def __init__(self, body):
        super(CreateKey, self).__init__('create key', 'POST', body=body, sets=body)

    def path(self, key):
        return '/keys'

    def state_now(self, client, key):
        return find_key(client, name=self.body['keyName'], full=True)

    def data_from(self, state):
        return state

    def confirm(self, client, key, exc):
        state = self.state_now(client, key)
        if state is None:
            raise exc
        differs = [field for field, value in self.body.items() if state.get(field) != value]
        if differs:
            raise ModuleFailure('a key named %s appeared while this task created it, but it does not match the task '
                                '(differs in %s); it was not made by this task' % (self.body['keyName'], ', '.join(differs)))
        return state


class MoveKey(Change):
    """Migrate a global key into a region-isolation boundary; confirmed by its name in the target."""

    def __init__(self, target, target_client):
        super(MoveKey, self).__init__('migrate to %s' % target, 'POST', 'migrate', body={'targetRegion': target})
        self.target_client = target_client

    def state_now(self, client, key):
        return find_key(self.target_client, name=key['keyName'])

    def holds_on(self, state):
        return state is not None


class AddVersion(Change):
    """Rotate a key: never sent twice. A lost answer is confirmed by a version newer than ``previous``."""

    def __init__(self, previous):
        super(AddVersion, self).__init__('rotate', 'POST', 'rotate', idempotent=False)
        self.previous = previous

    def state_now(self, client, key):
        current, versions = get_versions(client, key['keyTag'])
        made = [v.get('rotatedDate') for v in versions if v.get('version') == current]
        return {'version': current, 'rotatedDate': made[0] if made else None}

    def holds_on(self, state):
        return state['version'] > self.previous

    def data_from(self, state):
        return state


class GeneratorChange(Change):
    """Create, replace or discard a key's token generator (kms_key, kms_key_token). A lost answer is confirmed by
    reading the generator: created or discarded by whether there is one, replaced by an identifier other than
    ``replaces``."""

    def __init__(self, description, method, present, replaces=None):
        super(GeneratorChange, self).__init__(description, method, 'token-generator', sets={'hasTokenGenerator': present})
        self.replaces = replaces

    def state_now(self, client, key):
        generator = get_token_generator(client, key['keyTag'])
        return {'hasTokenGenerator': generator is not None,
                'tokenGeneratorId': generator.get('tokenGeneratorId') if generator else None}

    def holds_on(self, state):
        if self.replaces is not None and state['tokenGeneratorId'] == self.replaces:
            return False
        return state['hasTokenGenerator'] == self.sets['hasTokenGenerator']

    def data_from(self, state):
        return {'hasTokenGenerator': state['hasTokenGenerator']}


# ---- the module base ---------------------------------------------------------------------------------

class KmsModule(object):
    """Common options, clients, guarded writes, diff and result for one module run."""

    argument_spec = {}
    module_kwargs = {}
    # The result of a run that found no key to act on (check mode, or an explicitly null key_tag).
    empty_result = {'key': {}}

    def __init__(self):
        spec = connection_argument_spec()
        spec.update(self.argument_spec)
        self.omitted = set()
        self.module = AnsibleModule(argument_spec=recording_omitted(spec, self.omitted), supports_check_mode=True,
                                    **self.module_kwargs)
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.changed = False
        self.actions = []
        self.inputs_present = True   # files_present sets it False for a file check mode lacks: the run stops there
        self.signed_by = []   # which credential source signed: said in the result at -vvvv, never a key
        self.connection = KmsConnection(self.params, self.fail, set(spec) - self.omitted, debug=self.signed_by.append)
        name_option = 'key_name' if 'key_name' in self.argument_spec else 'name'
        self.selector = KeySelector.from_options(self.params.get, name_option, warn=self.module.warn,
                                                 writable_cache=not self.check_mode)

    @property
    def region(self):
        """The boundary of the task's key (or where a new key goes), once ``self.selector`` found it."""
        return self.selector.region

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        """Module-specific input rules; call ``self.fail`` on the first broken one."""

    def _validate_common(self):
        self.connection.validate(self.regions())
        problem = self.selector.problem()
        if problem:
            self.fail(problem)
        if self.params.get('dest'):
            self.check_writable('dest', self.params['dest'])

    def check_writable(self, option, path):
        """Fail before any request when the file an option names cannot be written; a missing folder is a warning in
        check mode (an earlier task of the run may make it)."""
        problem = unwritable(path)
        if problem is None:
            return
        message = '%s %s %s' % (option, path, problem)
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))) and not os.path.exists(path):
            self.expected_in_check_mode(message, 'make the folder')
        else:
            self.fail(message)

    def regions(self):
        """The boundaries this run talks to first (global is None); checked against the site before any request."""
        return [self.selector.first_region()]

    def null_key_tag(self):
        """Whether the task gave ``key_tag`` as null or empty (not left it out): the tag of a key that check mode
        did not create. ansible-core before 2.19 renders a template of a null value as an empty string."""
        return 'key_tag' in self.argument_spec and 'key_tag' not in self.omitted and self.params['key_tag'] in (None, '')

    # ---- find ----------------------------------------------------------------------------------

    def client(self, region=GLOBAL):
        """The client of one boundary; all clients of a run share one HTTP session."""
        return self.connection.client(region)

    def missing_key_result(self):
        """The result of a run that found no key to act on (check mode, or an explicitly null key_tag)."""
        return dict(self.empty_result)

    def predicted_writes(self):
        """The writes this task would make on a key an earlier task of the run creates (check mode on a fresh
        account); a module whose run then writes says which, so that --check reports what the real run changes."""
        return []

    def key_missing(self, message):
        """A key the task needs is not there. Outside check mode a failure; in check mode a warning, because an
        earlier task of the same run may be the one that would create it; ``predicted_writes`` are reported as
        changes, saying they are predicted."""
        self.missing_in_check_mode(message, 'create the key')

    def files_present(self, *options):
        """Whether every file these options name is there. A missing one fails; in check mode it warns instead and
        reports the predicted writes (an earlier task of this run may be the one that would write it, as kms_sign
        writes the dest that kms_verify reads), and the task then reads nothing more."""
        for option in options:
            path = self.params.get(option)
            if path is None or os.path.isfile(path):
                continue
            if not self.check_mode or os.path.exists(path):
                self.fail('%s must name a file; %s is not one' % (option, path))
            self.missing_in_check_mode('%s %s does not exist' % (option, path), 'write it')
            self.inputs_present = False
            return False
        return True

    def missing_in_check_mode(self, message, would_do):
        """Something the task needs is not there: fail, or in check mode warn and report ``predicted_writes``."""
        would = self.predicted_writes() if self.check_mode else []
        if not would:
            self.expected_in_check_mode(message, would_do)
            return
        self.changed = True
        self.actions.extend(would)
        self.module.warn('%s. In check mode this is expected when an earlier task of this run would %s, so this task '
                         'reports what it would do then (%s), without knowing it: the prediction cannot be exact. '
                         'Without check mode this task fails while it is missing.' % (message, would_do, ', '.join(would)))

    def expected_in_check_mode(self, message, would_do):
        """Something an earlier task of this run may make (``would_do``: 'write it', 'create the key') is not there:
        fail, or in check mode only warn."""
        if not self.check_mode:
            self.fail(message)
        self.module.warn('%s. In check mode this is expected when an earlier task of this run would %s; without '
                         'check mode this task fails.' % (message, would_do))

    # ---- act -----------------------------------------------------------------------------------

    def send(self, client, change, key=None, done=None):
        """One write, sent only outside check mode; returns the answer's data or None.

        It counts as a change only once it took effect: in check mode at once, else when the answer arrives, or when
        ``change.confirm`` shows that a write whose answer was lost holds. A write that failed counts as nothing.
        Counting is ``done(description)`` when given (kms_keys counts each key's writes in its own list, from several
        threads), else ``changed`` and ``actions`` of the run.
        """
        data = None
        if not self.check_mode:
            try:
                data = client.request(change.method, change.path(key), body=change.body, idempotent=change.idempotent)
            except KmsApiError as exc:
                if not exc.maybe_applied:
                    raise
                data = change.confirm(client, key, exc)
        (done or self.count_change)(change.description)
        return data

    def count_change(self, description):
        self.changed = True
        self.actions.append(description)

    def apply(self, client, key, changes, done=None):
        """Apply ``changes`` in order to the key; return the key as it is (or would be) after, None when gone.

        In check mode nothing is sent and the record is predicted from what each change sets. Each write
        goes to the tag the key has at that moment (a rename may answer a new one). ``done``: as for ``send``.
        """
        key = dict(key)
        for change in changes:
            key.update(change.sets)
            data = self.send(client, change, key, done)
            if change.gone:
                return None
            if isinstance(data, dict):
                key.update(data)
        return key

    def act_locally(self, description, action):
        """A change on the managed host (a file written): done outside check mode, recorded in both."""
        if not self.check_mode:
            action()
        self.count_change(description)

    def changed_locally(self, description):
        """A local change something else already made (file attributes set by ansible's own helpers)."""
        self.count_change(description)

    def write_file(self, dest, write, private=False):
        """Replace ``dest`` at once: ``write(handle)`` fills a temporary file in the same folder (binary), which is
        then moved into place, so a reader never sees half a file. Called through ``act_locally``. ``private``: a new
        ``dest`` is made with mode 0600 before the move, which keeps that mode, so no other user can ever read it."""
        problem = unwritable(dest)
        if problem:
            self.fail('%s %s' % (dest, problem))
        shown, dest = dest, os.path.abspath(dest)   # ansible-core's atomic_move falls back to dirname(dest): never ''
        folder = os.path.dirname(dest)
        created = private and not os.path.exists(dest)
        try:
            if created:
                os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
            handle, temp = tempfile.mkstemp(dir=folder, prefix='.ncloud_kms.')
        except OSError as exc:
            if created and os.path.exists(dest):
                os.remove(dest)
            self.fail('%s cannot be written: %s' % (shown, exc.strerror))
        try:
            with os.fdopen(handle, 'wb') as out:
                write(out)
            self.move_into_place(temp, dest, shown)
        except BaseException:
            for leftover in [temp] + ([dest] if created else []):
                if os.path.exists(leftover):
                    os.remove(leftover)
            raise

    def move_into_place(self, temp, dest, shown=None):
        """ansible-core's atomic move, with a failure that names ``dest`` as the task gave it (``shown``; ansible-core
        2.19 raises a plain Exception naming the temporary file)."""
        try:
            self.module.atomic_move(temp, dest)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            cause = exc if isinstance(exc, OSError) else exc.__cause__
            if not isinstance(cause, OSError):
                raise
            raise ModuleFailure('%s cannot be written: %s' % (shown or dest, cause.strerror or cause))

    def set_file_attributes(self, dest):
        """The file attributes of ``dest`` from the task's options (``add_file_common_args``: mode, owner, group, the
        SELinux context, attributes; ansible's own helper honours check mode); a file written in this run counts as
        one write."""
        if not os.path.exists(dest) and self.check_mode:
            return
        file_args = self.module.load_file_common_arguments(self.params, path=dest)
        if self.module.set_fs_attributes_if_different(file_args, False, diff=None) and not self.changed:
            self.changed_locally('set file attributes')

    @staticmethod
    def now_ms():
        return int(time.time() * 1000)

    # ---- result --------------------------------------------------------------------------------

    def fail(self, msg, error=None, **extra):
        if error is not None:
            extra['error'] = error
        self.module.fail_json(msg=msg, changed=self.changed, actions=self.actions, **self.debug_result(extra))

    def debug_result(self, result):
        """At -vvvv, the result says which credential source signed the requests (``credentials_source``)."""
        if self.signed_by and self.module._verbosity >= 4:
            result['credentials_source'] = self.signed_by[0]
        return result

    def exit(self, diff_before=None, diff_after=None, **result):
        """Exit with the result; ``diff_before`` and ``diff_after`` make the diff (a result may hold its own
        ``before`` and ``after``, as kms_keys' does)."""
        if self.module._diff and (diff_before is not None or diff_after is not None):
            result['diff'] = like_for_like(diff_before or {}, diff_after or {})
        self.module.exit_json(changed=self.changed, actions=self.actions, **self.debug_result(result))

    def run(self):
        """Find, compare and act; return ``(result, before, after)``."""
        raise NotImplementedError

    @classmethod
    def main(cls):
        module = cls()
        module._validate_common()
        try:
            module.validate()
            if not module.inputs_present:
                module.exit(**module.missing_key_result())
            if module.null_key_tag():
                module.key_missing('key_tag is null or empty, as in the record check mode returns for a key it would '
                                   'create, so this task cannot tell which key it is about; it can be predicted once '
                                   'that key exists')
                module.exit(**module.missing_key_result())
            result, before, after = module.run()
        except KNOWN_ERRORS as exc:
            module.fail(failure_message(exc), **({'error': exc.to_dict()} if isinstance(exc, KmsApiError) else {}))
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # A bug or an answer no rule foresaw: fail cleanly. Neither the message nor the
            # traceback (shown with -vvv) holds a header or a secret: only code and the exception text.
            module.fail('unexpected %s in %s: %s' % (type(exc).__name__, module.module._name, exc),
                        exception=traceback.format_exc())
        finally:
            module.connection.close()
        module.exit(before, after, **result)
