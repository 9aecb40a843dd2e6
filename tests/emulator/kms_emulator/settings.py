# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key settings beyond the lifecycle: the IP ACL (read, add addresses, remove addresses, enable, disable).
Part of ``store.Store``; uses the key state of ``keystore.KeyStore``.

Rules (doc, pages ``security-kms2-*``): enabling the ACL applies "All Deny" until addresses are listed. Assumed
(v3 states it): the ACL changes only on an ``ENABLE`` key, and takes IPv4 addresses only (v3 also takes CIDR and
``*``). Reading it works in any state. Adding an address already listed, or removing one not listed, changes
nothing and is not an error (assumed: no page names an error for it).
"""

import ipaddress

from .rules import bad_request, wrong_state


def key_acl(key):
    """The ACL kept on an emulated key (keys from an older state file have none yet)."""
    return key.setdefault('acl', {'isAclEnabled': False, 'allowedIpList': []})


def ip_list(body):
    """The ``ipList`` of a body: a non-empty array of IPv4 addresses."""
    addresses = body.get('ipList')
    if not isinstance(addresses, list) or not addresses:
        raise bad_request('ipList is required: an array of IPv4 addresses')
    for address in addresses:
        try:
            if not isinstance(address, str):
                raise TypeError(address)
            ipaddress.IPv4Address(address)
        except (ValueError, TypeError):
            raise bad_request('ipList holds %r, which is not an IPv4 address' % (address,))
    return addresses


class SettingsOps(object):
    """The IP ACL of the keys a ``KeyStore`` holds."""

    def _acl_key(self, req, action):
        key = self._key(req.boundary, req.tag)
        if key['status'] != 'ENABLE':
            raise wrong_state(key, action)
        return key

    def get_acl(self, req):
        with self.lock:
            key = self._key(req.boundary, req.tag)
            acl = key_acl(key)
            return {'keyTag': key['keyTag'], 'isAclEnabled': acl['isAclEnabled'],
                    'allowedIpList': list(acl['allowedIpList'])}

    def add_acl_ips(self, req):
        with self.lock:
            key = self._acl_key(req, 'change the IP ACL of')
            acl = key_acl(key)
            for address in ip_list(req.body):
                if address not in acl['allowedIpList']:
                    acl['allowedIpList'].append(address)
            self.save()
            return {'keyTag': key['keyTag'], 'allowedIpList': list(acl['allowedIpList'])}

    def delete_acl_ips(self, req):
        with self.lock:
            key = self._acl_key(req, 'change the IP ACL of')
            acl = key_acl(key)
            removed = set(ip_list(req.body))
            acl['allowedIpList'] = [address for address in acl['allowedIpList'] if address not in removed]
            self.save()
            return {'keyTag': key['keyTag'], 'allowedIpList': list(acl['allowedIpList'])}

    def enable_acl(self, req):
        return self._set_acl(req, True)

    def disable_acl(self, req):
        return self._set_acl(req, False)

    def _set_acl(self, req, enabled):
        with self.lock:
            key = self._acl_key(req, '%s the IP ACL of' % ('enable' if enabled else 'disable'))
            key_acl(key)['isAclEnabled'] = enabled
            self.save()
            return {'keyTag': key['keyTag'], 'isAclEnabled': enabled}
