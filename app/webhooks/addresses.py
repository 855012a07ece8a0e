"""Which addresses count as public: the IANA special-purpose registries, written out.

`ipaddress.is_global` is not enough: it calls IPv6 forms that carry an IPv4 address (NAT64,
6to4, IPv4-compatible, SIIT) global whatever that address is, and knows neither site-local
`fec0::/10` nor every IETF assignment. Here an IPv6 address that embeds an IPv4 address is
judged by that IPv4 address (every one it carries: Teredo has two), and every other address must
lie outside each special-purpose range below, IPv4 and IPv6 alike.
"""

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address

# IANA IPv4 Special-Purpose Address Registry (all of it, the globally reachable anycast
# assignments included: none is a webhook receiver), plus multicast and broadcast.
SPECIAL_IPV4 = tuple(
    IPv4Network(network)
    for network in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (CGNAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local (cloud metadata)
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments (DS-Lite, 192.0.0.8 dummy, NAT64 discovery)
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.31.196.0/24",  # AS112-v4
        "192.52.193.0/24",  # AMT
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private
        "192.175.48.0/24",  # direct delegation AS112
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the limited broadcast 255.255.255.255
    )
)

# IANA IPv6 Special-Purpose Address Registry, plus what the addressing architecture keeps out
# of global unicast (site-local, unique local, link-local, multicast). The forms that embed an
# IPv4 address are listed too: they are judged by it before this table is consulted.
SPECIAL_IPV6 = tuple(
    IPv6Network(network)
    for network in (
        "::/96",  # unspecified, loopback, deprecated IPv4-compatible
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64 well-known prefix
        "64:ff9b:1::/48",  # NAT64 local-use prefix
        "100::/64",  # discard-only
        "100:0:0:1::/64",  # dummy IPv6 prefix
        "2001::/23",  # IETF protocol assignments (Teredo, benchmarking, AMT, ORCHID, …)
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "2620:4f:8000::/48",  # direct delegation AS112
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing (SRv6) SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed by some networks)
        "ff00::/8",  # multicast
    )
)
GLOBAL_UNICAST = IPv6Network("2000::/3")

_LOW32 = 0xFFFF_FFFF
_EMBEDDING_96 = tuple(
    IPv6Network(network)
    for network in ("::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)
_NAT64_LOCAL = IPv6Network("64:ff9b:1::/48")
_NAT64_LOCAL_96 = IPv6Network("64:ff9b:1::/96")


def embedded_ipv4(address: IPv6Address) -> list[IPv4Address] | None:
    """The IPv4 addresses an IPv6 address carries (None: it carries none).

    The NAT64 local-use prefix may be used at any RFC 6052 length; only its `/96` form (zeros
    between the prefix and the IPv4 address) is read, since every other length would decode the
    same bits to `0.x.x.x`. Any other address there carries an unknowable IPv4 address: refused.
    """
    low32 = IPv4Address(int(address) & _LOW32)
    if any(address in network for network in _EMBEDDING_96):
        return [low32]
    if address in _NAT64_LOCAL:
        return [low32] if address in _NAT64_LOCAL_96 else [IPv4Address(0)]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        server, client = address.teredo
        return [server, client]
    return None


def is_public(address: IPAddress) -> bool:
    """Outside every special-purpose range (and, IPv6, in global unicast); an IPv6 address that
    carries IPv4 addresses is public when each of them is."""
    if isinstance(address, IPv4Address):
        return address.is_global and not any(address in network for network in SPECIAL_IPV4)
    carried = embedded_ipv4(address)
    if carried is not None:
        return all(is_public(ipv4) for ipv4 in carried)
    return (
        address in GLOBAL_UNICAST
        and address.is_global
        and not any(address in network for network in SPECIAL_IPV6)
    )
