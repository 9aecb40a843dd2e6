# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load a script of the repository by its path, for the tests of tests/utils/ and of the event source."""


def load_file(path, name):
    """The globals of a Python file run by path, as runpy.run_path gives them (ansible-test's collection loader claims
    paths under ansible_collections/, where run_path would then look for a package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)
