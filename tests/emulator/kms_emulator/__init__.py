# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local emulator of the NAVER Cloud Platform KMS API 2.0, for tests and demos."""
