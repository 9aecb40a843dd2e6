# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's docs: each of its own options (and its key selector's) has an example, the connection options one
example in the modules' fragment, examples use the full name, and the shared option tables (connection options,
key selector) are the ones the doc fragments document."""

import re

import pytest
import yaml

from ansible_collections.ncloud.kms.plugins.module_utils.connection import CONNECTION_OPTIONS
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KEY_SELECTOR
from ansible_collections.ncloud.kms.tests.unit.plugins.plugin_docs import (
    fragment_options, own_options, plugin, plugin_names,
)

MODULES = plugin_names('modules')


def options_used(examples):
    used = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                used.add(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(yaml.safe_load(examples))
    return used


def test_the_modules_are_found():
    assert {'kms_key', 'kms_key_info', 'kms_key_migrate', 'kms_key_rotate', 'kms_encrypt'} <= set(MODULES)


@pytest.mark.parametrize('name', MODULES)
def test_every_option_of_the_module_has_an_example(name):
    module = plugin('modules', name)
    missing = sorted(set(own_options(module)) - options_used(module.EXAMPLES))
    assert missing == []


def test_the_connection_options_have_examples_for_every_module():
    # one with keys (every option but the other sources'), one with a configure profile and no server role
    import yaml as yaml_module
    from ansible_collections.ncloud.kms.plugins.doc_fragments.auth import ModuleDocFragment
    notes = yaml_module.safe_load(ModuleDocFragment.MODULES)['notes']
    examples = [note for note in notes if 'module_defaults: {group/ncloud.kms.kms:' in note]
    assert len(examples) == 2
    given = set()
    for example in examples:
        flow = re.search(r'C\((module_defaults: .*\}\})\)', example).group(1)
        given.update(yaml_module.safe_load(flow)['module_defaults']['group/ncloud.kms.kms'])
    assert sorted(given) == sorted(CONNECTION_OPTIONS)


@pytest.mark.parametrize('name', MODULES)
def test_examples_use_the_fully_qualified_module_name(name):
    assert re.search(r'^\s+ncloud\.kms\.%s:' % name, plugin('modules', name).EXAMPLES, re.MULTILINE)


@pytest.mark.parametrize('name', MODULES)
def test_every_module_extends_the_connection_fragment(name):
    doc = yaml.safe_load(plugin('modules', name).DOCUMENTATION)
    assert {'ncloud.kms.auth', 'ncloud.kms.auth.modules'} <= set(doc['extends_documentation_fragment'])


def test_the_connection_fragment_documents_the_connection_table():
    documented = fragment_options('ncloud.kms.auth')
    assert sorted(documented) == sorted(CONNECTION_OPTIONS)
    for option, facts in CONNECTION_OPTIONS.items():
        entry = documented[option]
        assert entry['type'] == facts['type'], option
        assert entry.get('default') == facts.get('default'), option
        assert entry.get('choices') == facts.get('choices'), option
        for variable in facts.get('env', ()):
            assert 'E(%s)' % variable in ' '.join(entry['description']), option


def test_only_modules_are_told_that_module_defaults_set_the_options():
    import yaml as yaml_module
    from ansible_collections.ncloud.kms.plugins.doc_fragments.auth import ModuleDocFragment
    assert 'module_defaults' not in ModuleDocFragment.DOCUMENTATION
    assert 'group/ncloud.kms.kms' in ' '.join(yaml_module.safe_load(ModuleDocFragment.MODULES)['notes'])
    assert 'does not reach the controller plugins' in ' '.join(yaml_module.safe_load(ModuleDocFragment.PLUGINS)['notes'])


def test_the_plugins_fragment_gives_lookups_the_same_environment_variables():
    # Ansible takes the last variable set of a plugin option's list; a module's fallback the first: reversed lists
    # give both the same precedence.
    env = dict((option, [item['name'] for item in entry['env']])
               for option, entry in fragment_options('ncloud.kms.auth.plugins').items() if 'env' in entry)
    assert env == dict((option, list(reversed(facts['env']))) for option, facts in CONNECTION_OPTIONS.items()
                       if 'env' in facts)


def test_the_configure_file_options_have_an_ansible_cfg_entry_for_the_plugins():
    ini = dict((option, entry['ini']) for option, entry in fragment_options('ncloud.kms.auth.plugins').items()
               if 'ini' in entry)
    assert ini == dict((option, [{'section': 'ncloud_kms', 'key': option}])
                       for option in ('config_file', 'profile', 'server_role'))


def test_the_key_selector_fragments_document_the_key_selector_options():
    selector = dict(fragment_options('ncloud.kms.key_selector'), **fragment_options('ncloud.kms.key_selector.region'))
    assert sorted(selector) == sorted(KEY_SELECTOR)
    for option, spec in KEY_SELECTOR.items():
        assert selector[option]['type'] == spec['type'] and selector[option].get('choices') == spec.get('choices')
    assert sorted(fragment_options('ncloud.kms.key_selector.key_name')) == ['key_name', 'key_tag']


SECTIONS = ['options', 'find', 'compare', 'act', 'result']


@pytest.mark.parametrize('name', MODULES)
def test_every_module_reads_options_find_compare_act_result_in_that_order(name):
    with open(plugin('modules', name).__file__) as handle:
        found = re.findall(r'^    # ---- (\w+)', handle.read(), re.MULTILINE)
    order = [SECTIONS.index(section) for section in found if section in SECTIONS]
    assert order == sorted(order) and {0, 1, 4} <= set(order), found


# The inputs that carry a secret, per module ('*': every module). They are no_log in the argument spec, so a task
# needs no_log: true only where its result holds a secret (kms_key_token's tokens, a decrypted value put into a
# variable or a templated file); no other option is no_log (Ansible would mask its value in every output).
SECRET_INPUTS = {'*': {'secret_key'}, 'kms_encrypt': {'content'}}


@pytest.mark.parametrize('name', MODULES)
def test_exactly_the_secret_inputs_are_no_log_in_the_argument_spec(name):
    from ansible_collections.ncloud.kms.plugins.module_utils.connection import connection_argument_spec
    module = plugin('modules', name)
    module_class = next(value for value in vars(module).values()
                        if isinstance(value, type) and value.__module__ == module.__name__ and
                        hasattr(value, 'argument_spec'))
    spec = dict(connection_argument_spec(), **module_class.argument_spec)
    no_log = set(option for option, facts in spec.items() if facts.get('no_log'))
    assert no_log == SECRET_INPUTS['*'] | SECRET_INPUTS.get(name, set())
