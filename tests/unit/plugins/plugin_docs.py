# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read this collection's plugin documentation as ansible-doc assembles it: the plugin's own options merged
over those of every ``ncloud.kms`` doc fragment it extends. Plugins are found on disk, so a new module is
covered without editing a test."""

import importlib
import os

import yaml

PLUGINS_DIR = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'plugins')


def plugin_names(kind):
    """The plugins of one kind (``modules``, ``lookup``) by file name."""
    folder = os.path.join(PLUGINS_DIR, kind)
    return sorted(name[:-3] for name in os.listdir(folder) if name.endswith('.py') and not name.startswith('_'))


def plugin(kind, name):
    return importlib.import_module('ansible_collections.ncloud.kms.plugins.%s.%s' % (kind, name))


def fragment_options(fragment):
    """The options of ``ncloud.kms.NAME`` or ``ncloud.kms.NAME.ATTRIBUTE``."""
    parts = fragment.split('.')
    assert parts[:2] == ['ncloud', 'kms'], fragment
    holder = importlib.import_module('ansible_collections.ncloud.kms.plugins.doc_fragments.%s' % parts[2]).ModuleDocFragment
    text = getattr(holder, parts[3].upper() if len(parts) > 3 else 'DOCUMENTATION')
    return yaml.safe_load(text).get('options', {})


def documented_options(module):
    """Every option of a plugin, fragments included; the plugin's own entry wins, as in ansible-doc."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = {}
    for fragment in doc.get('extends_documentation_fragment', []):
        for name, entry in fragment_options(fragment).items():
            options[name] = dict(options.get(name, {}), **entry)
    options.update(doc.get('options') or {})
    return options


def own_options(module):
    """The options a module's examples must show: its own, and those of its key selector (the connection options
    have one example, in the ncloud.kms.auth.modules fragment; ansible.builtin.files has its own docs)."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get('options') or {})
    for fragment in doc.get('extends_documentation_fragment', []):
        if fragment.startswith('ncloud.kms.key_selector'):
            options.update(fragment_options(fragment))
    return options
