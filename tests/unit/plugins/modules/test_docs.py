# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every option of every module, the common ones included, is used in that module's EXAMPLES."""

import re

import pytest
import yaml

from ansible_collections.ncloud.kms.plugins.doc_fragments.auth import ModuleDocFragment
from ansible_collections.ncloud.kms.plugins.modules import kms_encrypt, kms_key, kms_key_info, kms_key_migrate, kms_key_rotate

MODULES = [kms_key, kms_key_info, kms_key_migrate, kms_key_rotate, kms_encrypt]


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


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.split('.')[-1])
def test_every_option_has_an_example(module):
    documented = set(yaml.safe_load(module.DOCUMENTATION)['options'])
    documented |= set(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'])
    missing = sorted(documented - options_used(module.EXAMPLES))
    assert missing == []


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.split('.')[-1])
def test_examples_use_the_fully_qualified_module_name(module):
    name = module.__name__.split('.')[-1]
    assert re.search(r'^\s+ncloud\.kms\.%s:' % name, module.EXAMPLES, re.MULTILINE)
