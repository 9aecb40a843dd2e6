# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files that hold NCP ciphertexts: which files a task's paths name, and what each file holds.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

``expand_paths`` turns a task's path entries (files, folders, glob patterns) into files and says which entries
name none. ``SecretFile`` reads one file: its ciphertexts (``ncpkms:v<version>:...`` anywhere in its text, or an
envelope's data key), where each stands (for messages that never show a value), and the key and context a
``*.ncpkms-vars`` file names under its ``ncpkms`` mapping. kms_reencrypt renews such files; kms_key_version checks
them before it disables a version.
"""

import glob
import os
import re

from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.ncloud.kms.plugins.module_utils import envelope
from ansible_collections.ncloud.kms.plugins.module_utils.base import ModuleFailure
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import ciphertext_version
from ansible_collections.ncloud.kms.plugins.module_utils.selector import file_settings_problem

# A ciphertext inside any text: the prefix, then base64 (standard or URL-safe) with its padding.
CIPHERTEXT_IN_TEXT = re.compile(r'ncpkms:v\d+:[A-Za-z0-9+/_-]+={0,2}')
VARS_SUFFIX = '.ncpkms-vars'   # a kms_vars file: YAML whose ncpkms mapping may name its own key and context


def expand_paths(items):
    """``(paths, unmatched)``: the files the entries name, in order and once each (a folder: every file below it; a
    pattern: the files it matches, ``**`` at any depth), and the entries that name no file."""
    paths, unmatched = [], []
    for item in items:
        if glob.has_magic(item):
            matched = sorted(path for path in glob.glob(item, recursive=True) if os.path.isfile(path))
        elif os.path.isdir(item):
            matched = sorted(os.path.join(folder, name) for folder, unused, names in os.walk(item) for name in names)
        else:
            matched = [item] if os.path.isfile(item) else []
        if not matched:
            unmatched.append(item)
        paths += matched
    return list(dict.fromkeys(paths)), unmatched


class SecretFile(object):
    """One file: its ciphertexts (or an envelope's data key), its own key and context (a kms_vars file's ncpkms
    mapping), where each ciphertext stands (for messages), and how to write it back renewed."""

    def __init__(self, path):
        self.path = path
        self.settings = {}
        self.sealed = envelope.Envelope(path) if envelope.file_is_envelope(path) else None
        if self.sealed is not None:
            self.ciphertexts = [self.sealed.wrapped_key]
            self.places = {self.sealed.wrapped_key: 'its Data-Key'}
            return
        with open(path, 'rb') as handle:
            self.text = to_text(handle.read(), errors='surrogate_or_strict')
        self.ciphertexts, self.places = [], {}
        for number, line in enumerate(self.text.splitlines(), 1):
            for found in CIPHERTEXT_IN_TEXT.findall(line):
                if ciphertext_version(found) is not None:
                    self.ciphertexts.append(found)
                    self.places.setdefault(found, self.place_on(line, number))
        if path.endswith(VARS_SUFFIX):
            self.settings = self.own_settings()

    @staticmethod
    def place_on(line, number):
        """'the variable NAME' for a 'NAME: ciphertext' line, else 'line N'."""
        name = re.match(r'^\s*-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s', line)
        return 'the variable %s (line %d)' % (name.group(1), number) if name else 'line %d' % number

    def own_settings(self):
        """The key and context the file names under its top-level ncpkms mapping (the kms_vars format)."""
        from ansible.module_utils.common.yaml import HAS_YAML, yaml_load   # only for a kms_vars file
        if not HAS_YAML:
            raise ModuleFailure('%s is a kms_vars file; reading its ncpkms mapping needs PyYAML on this host' % self.path)
        try:
            data = yaml_load(self.text)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            raise ModuleFailure('%s is not valid YAML: %s' % (self.path, str(exc).splitlines()[0]))
        settings = data.get('ncpkms') if isinstance(data, dict) else None
        problem = file_settings_problem(settings)
        if problem:
            raise ModuleFailure('%s: %s' % (self.path, problem))
        return settings or {}

    def names_other_key(self, key):
        """Whether the file's ncpkms mapping names a key other than ``key`` (a key record); a file that names none
        may hold ciphertexts of any key."""
        tag, name = self.settings.get('key_tag'), self.settings.get('key_name')
        if tag:
            return str(tag).lower() != (key.get('keyTag') or '').lower()
        return bool(name) and str(name).lower() != (key.get('keyName') or '').lower()

    def stale(self, current):
        return [c for c in self.ciphertexts if ciphertext_version(c) != current]

    def write_renewed(self, out, renewed):
        """Write the file with each stale ciphertext replaced by its renewed form (``renewed``: old -> new)."""
        if self.sealed is not None:
            self.sealed.rewrap(renewed[self.sealed.wrapped_key], out)
            return
        text = CIPHERTEXT_IN_TEXT.sub(lambda match: renewed.get(match.group(0), match.group(0)), self.text)
        out.write(to_bytes(text, errors='surrogate_or_strict'))
