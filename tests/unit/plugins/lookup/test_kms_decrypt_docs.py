# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every option of the kms_decrypt lookup, the common ones included, is used in its EXAMPLES; the plugins
doc fragment only adds environment variables (and ansible.cfg entries) to options the shared fragment documents."""

import re

import yaml

from ansible_collections.ncloud.kms.plugins.doc_fragments.auth import ModuleDocFragment
from ansible_collections.ncloud.kms.plugins.lookup import kms_decrypt
from ansible_collections.ncloud.kms.tests.unit.plugins.plugin_docs import documented_options


def test_every_lookup_option_has_an_example():
    documented = set(documented_options(kms_decrypt)) - {'_terms'}
    assert {'key_name', 'key_tag', 'region', 'access_key'} <= documented
    missing = sorted(option for option in documented if not re.search(r'\b%s=' % option, kms_decrypt.EXAMPLES))
    assert missing == []


def test_the_plugins_fragment_only_adds_environment_variables_and_ini_entries_to_documented_options():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    for name, extra in yaml.safe_load(ModuleDocFragment.PLUGINS)['options'].items():
        assert name in options and set(extra) in ({'env'}, {'env', 'ini'})
