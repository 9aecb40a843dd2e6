# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    """The attributes of the file a crypto module writes (module_utils/base.py DEST_FILE_OPTIONS)."""

    DOCUMENTATION = r'''
options:
  mode:
    description:
      - Permissions of O(dest), as for M(ansible.builtin.copy) (for example V('0600')).
    type: raw
  owner:
    description:
      - Owner of O(dest).
    type: str
  group:
    description:
      - Group of O(dest).
    type: str
'''
