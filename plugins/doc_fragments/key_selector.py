# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    """The options that address one key (module_utils/base.py KEY_SELECTOR and key_selector()).

    ncloud.kms.key_selector: name and key_tag; ncloud.kms.key_selector.region: region;
    ncloud.kms.key_selector.key_name: key_name and key_tag, for the crypto plugins.
    """

    DOCUMENTATION = r'''
options:
  name:
    description:
      - Name of the key. 3 to 15 letters, digits, V(-) or V(_), starting with a letter; a name that breaks a rule
        fails before any request.
      - Found by listing the boundary's keys, reading pages only until the name is met.
      - One of O(name) and O(key_tag) is required.
    type: str
  key_tag:
    description:
      - The key's tag, which addresses the key directly (one API read, no listing).
      - An explicit V(null) or empty value (the tag check mode returns for a key it would create) warns in check
        mode and fails otherwise.
    type: str
'''

    REGION = r'''
options:
  region:
    description:
      - Unset for a global key; V(KR) or V(JPN) for a region-isolation key (selects that boundary's endpoint).
    type: str
    choices: [KR, JPN]
'''

    KEY_NAME = r'''
options:
  key_name:
    description:
      - Name of the key. 3 to 15 letters, digits, V(-) or V(_), starting with a letter; a name that breaks a rule
        fails before any request.
      - Found by listing the boundary's keys once per process (reading pages only until the name is met).
      - One of O(key_name) and O(key_tag) is required.
    type: str
  key_tag:
    description:
      - The key's tag, which addresses the key directly.
    type: str
'''
