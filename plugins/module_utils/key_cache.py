# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small per-user file that remembers where the key of a name lives: its tag and boundary, per endpoint.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

Finding a key by name means reading list pages until the name is met (NCP has no name filter). A task that
found a key records its tag here; the next task tries that tag first with one read and uses it only when the
answer carries the same name in the same boundary. Anything else (renamed, deleted, migrated, an error) falls
back to listing, which refreshes the entry: a wrong cache costs a call, never a wrong key.

What it holds: key names, tags, boundaries and endpoints. Never a secret, never key material. The file is
``$XDG_CACHE_HOME/ncloud-kms/keys.json`` (else ``~/.cache/ncloud-kms/keys.json``), mode 0600 in a 0700 folder;
a file that is not the user's own, is readable by others, or cannot be read as this format is ignored.
Check mode reads it but never writes it. Writers take a lock beside the file and replace it atomically, so
concurrent tasks (forks, parallel jobs) keep each other's entries and leave a readable file.
"""

import fcntl
import json
import os
import tempfile

CACHE_FILE = os.path.join('ncloud-kms', 'keys.json')
FORMAT = 1
REGION_NAMES = {'global': None, 'KR': 'KR', 'JPN': 'JPN'}


def cache_path():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, CACHE_FILE)


class KeyCache(object):
    """The cache file of this user; ``writable`` is False in check mode."""

    def __init__(self, path=None, writable=True):
        self.path = path or cache_path()
        self.writable = writable

    # ---- reading: anything unexpected is an empty cache ----------------------------------------------

    def _entries(self):
        try:
            status = os.stat(self.path)
            if status.st_uid != os.getuid() or status.st_mode & 0o077:
                return {}
            with open(self.path) as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get('format') != FORMAT or not isinstance(data.get('keys'), dict):
            return {}
        return data['keys']

    @staticmethod
    def _slot(scope, name):
        return '%s|%s' % (scope, name.lower())

    def get(self, scope, name):
        """``(tag, region, endpoint)`` remembered for a name under an endpoint ``scope``, or None."""
        entry = self._entries().get(self._slot(scope, name))
        if not isinstance(entry, dict):
            return None
        tag, region, endpoint = entry.get('key_tag'), entry.get('boundary'), entry.get('endpoint')
        if not (isinstance(tag, str) and tag and region in REGION_NAMES and isinstance(endpoint, str)):
            return None
        return tag, REGION_NAMES[region], endpoint

    # ---- writing: best effort, never a failure of the task ----------------------------------------------

    def put(self, scope, name, key, region, endpoint):
        self._update(scope, name, {'name': key.get('keyName'), 'key_tag': key['keyTag'],
                                   'boundary': 'global' if region is None else region, 'endpoint': endpoint})

    def drop(self, scope, name):
        self._update(scope, name, None)

    def _update(self, scope, name, entry):
        """Read, change and replace the file under an exclusive lock, so that tasks writing at once keep each
        other's entries; the file is replaced atomically, so a reader never meets half of it."""
        if not self.writable:
            return
        folder = os.path.dirname(self.path)
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            with open(self.path + '.lock', 'a') as lock:
                os.chmod(self.path + '.lock', 0o600)
                fcntl.flock(lock, fcntl.LOCK_EX)
                self._replace(scope, name, entry, folder)
        except OSError:
            pass  # a cache that cannot be written only costs listings

    def _replace(self, scope, name, entry, folder):
        entries = dict(self._entries())
        slot = self._slot(scope, name)
        if entry is None and slot not in entries:
            return
        if entry is None:
            entries.pop(slot)
        else:
            entries[slot] = entry
        handle, temp = tempfile.mkstemp(dir=folder, prefix='.keys.')
        with os.fdopen(handle, 'w') as out:
            json.dump({'format': FORMAT, 'keys': entries}, out, sort_keys=True)
        os.chmod(temp, 0o600)
        os.replace(temp, self.path)
