"""IPv4 parsing helpers that answer None instead of raising: rules turn None into a finding.

Cached, because a fabric repeats the same prefixes and addresses across many documents.
"""

import ipaddress
from functools import lru_cache, partial

__all__ = ('find_overlaps', 'parse_address', 'parse_interface', 'parse_prefix', 'report_overlaps')


def parse_prefix(value):
    """IPv4Network for 'a.b.c.d/n' (host bits allowed, as Go's netip.ParsePrefix), else None."""
    return _prefix(value) if isinstance(value, str) and '/' in value else None


def parse_interface(value):
    """IPv4Interface for 'a.b.c.d/n' (an address with its prefix length), else None."""
    return _interface(value) if isinstance(value, str) and '/' in value else None


def parse_address(value):
    """IPv4Address for 'a.b.c.d' (no prefix length), else None."""
    return _address(value) if isinstance(value, str) else None


def _none_for_invalid(parse):
    """`parse` as a cached function that answers None for a value it refuses (ValueError)."""

    @lru_cache(maxsize=65536)
    def parsed(value):
        try:
            return parse(value)
        except ValueError:
            return None

    return parsed


_prefix = _none_for_invalid(partial(ipaddress.IPv4Network, strict=False))
_interface = _none_for_invalid(ipaddress.IPv4Interface)
_address = _none_for_invalid(ipaddress.IPv4Address)


def find_overlaps(items):
    """(label, network, other label, other network) for each network overlapping an earlier one.

    `items` are (label, IPv4Network); sorting first keeps this O(n log n) for large sets.
    """
    ordered = sorted(items, key=lambda item: (item[1].network_address, item[1].prefixlen))
    widest = None  # the (label, network) reaching furthest so far
    for label, network in ordered:
        if widest is not None and network.network_address <= widest[1].broadcast_address:
            yield label, network, widest[0], widest[1]
        if widest is None or network.broadcast_address > widest[1].broadcast_address:
            widest = (label, network)


def report_overlaps(items, code, add):
    """A rule's finding `code` at each of `items` ((path, IPv4Network)) that overlaps an earlier one."""
    for path, network, other_path, other in find_overlaps(items):
        add(code, path, f'{path} {network} overlaps {other_path} {other}.')
