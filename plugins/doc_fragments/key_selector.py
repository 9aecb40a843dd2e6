# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    """The options that address one key (module_utils/selector.py KEY_SELECTOR and key_selector()).

    ncloud.kms.key_selector: name and key_tag; ncloud.kms.key_selector.region: region;
    ncloud.kms.key_selector.key_name: key_name and key_tag, for the crypto plugins.
    """

    DOCUMENTATION = r'''
options:
  name:
    description:
      - Name of the key. 3 to 15 letters, digits, V(-) or V(_), starting with a letter; a name that breaks a rule
        fails before any request.
      - Found by listing the boundary's keys, reading pages only until the name is met. Names match regardless
        of case, as NCP keeps them unique; a key stored as C(App-Data) is the key of a task that names
        C(app-data), with a warning that names both spellings.
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
      - Where the key lives. V(KR) or V(JPN) select that region-isolation boundary's endpoint; V(global) the
        global boundary only.
      - Unset, a name follows its key. The key of that name is looked for in the global boundary first; when it
        is not there, in the isolation boundaries of the site (at the same time), and the one that holds it is
        used, with a warning that says where it was found. Two isolation boundaries holding the name fail the task
        before any write. A name found nowhere fails (in check mode, warns), except in M(ncloud.kms.kms_key),
        which creates it as a new global key.
      - Unset with O(key_tag), the tag's prefix (C(kr-), C(jpn-)) says where the key lives (one read, no listing).
        A O(region) that contradicts the prefix fails before any request.
    type: str
    choices: [global, KR, JPN]
'''

    KEY_NAME = r'''
options:
  key_name:
    description:
      - Name of the key. 3 to 15 letters, digits, V(-) or V(_), starting with a letter; a name that breaks a rule
        fails before any request.
      - Found by listing the boundary's keys once per process (reading pages only until the name is met),
        regardless of case.
      - One of O(key_name) and O(key_tag) is required.
    type: str
  key_tag:
    description:
      - The key's tag, which addresses the key directly.
    type: str
'''
