"""Every finding code the reader and the validator emit: the one table docs, tests and UI rely on.

A code never changes meaning or severity once released; new checks get new codes. The reader's
codes live next to the reader (netbox_hedgehog.core.yaml_reader) and are merged in here.
"""

from typing import NamedTuple

from netbox_hedgehog.core.findings import Severity
from netbox_hedgehog.core.limits import VLAN_MAX
from netbox_hedgehog.core.yaml_reader import YAML_CODES

__all__ = ('CODES', 'Code')

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


class Code(NamedTuple):
    severity: Severity
    meaning: str
    hint: str = ''


_VALIDATION_CODES = {
    'FILE_UNREADABLE': Code(
        E,
        'The file could not be read (permissions, vanished, I/O error).',
        'Check that the file exists and can be read, then try again.',
    ),
    # What a document is
    'FOREIGN_DOCUMENT': Code(
        INFO,
        'Not one of the Hedgehog kinds this plugin manages; kept as foreign (bound for unmanaged/).',
        'Nothing to do if this is meant; Hedgehog objects need one of the managed kinds and its apiVersion.',
    ),
    'UNKNOWN_VERSION': Code(
        W,
        'A Hedgehog kind with an apiVersion this plugin does not know; kept as foreign.',
        'Use the served version (v1beta1; v1alpha1 for the gateway kinds).',
    ),
    'LEGACY_API_VERSION': Code(
        W,
        'Legacy v1alpha2 apiVersion (before fabric v0.52); accepted and written as v1beta1.',
        'Change the apiVersion to v1beta1; the schema is the same.',
    ),
    # Metadata
    'METADATA_INVALID': Code(E, 'metadata is not a mapping.', 'metadata holds name, namespace, labels, annotations.'),
    'NAME_MISSING': Code(E, 'metadata.name is missing or empty.', 'Every object needs a name.'),
    'NAME_INVALID': Code(
        E,
        'metadata.name is not a lowercase RFC 1123 subdomain.',
        'Use lowercase letters, digits, "-" and "."; start and end with a letter or digit.',
    ),
    'NAME_TOO_LONG': Code(
        E,
        'The name is longer than this kind allows (11 characters for VPC, IPv4Namespace, External; 250 for the '
        'others, so that the managed file <name>.yaml fits the 255 bytes a file name holds).',
        'Pick a shorter name; Hedgehog derives switch-side names from it.',
    ),
    'NAMESPACE_INVALID': Code(E, 'metadata.namespace is not "default".', 'Remove metadata.namespace or set "default".'),
    # Structure (the CRD schema, after defaulting)
    'FIELD_REQUIRED': Code(E, 'A required field is missing.', 'Add the field named in the message.'),
    'FIELD_TYPE': Code(
        E,
        'A field has the wrong type.',
        'Write the value with the type the message names (a mapping, a list, a string, a number).',
    ),
    'FIELD_ENUM': Code(E, 'A field has a value outside its allowed set.', 'Use one of the values the message lists.'),
    'FIELD_PATTERN': Code(
        E, 'A field does not match its required format.', 'Write the value in the format the message shows.'
    ),
    'FIELD_RANGE': Code(
        E,
        'A number or list length is outside its allowed range.',
        'Bring the value or the number of entries within the range the message gives.',
    ),
    'FIELD_UNKNOWN': Code(
        W,
        'A field the schema does not define (a newer Hedgehog release, a removed field or a typo).',
        'Check the spelling; a cluster drops unknown fields.',
    ),
    # VLANNamespace
    'VLANNS_RANGE_INVALID': Code(
        E,
        f'A VLAN range is outside 1..{VLAN_MAX} or has from > to.',
        f'Use from and to within 1..{VLAN_MAX}, with from <= to.',
    ),
    'VLANNS_RANGE_RESERVED': Code(
        E, 'A VLAN range overlaps the fabric-reserved VLANs 3000-3999.', 'Use VLANs outside 3000-3999.'
    ),
    # IPv4Namespace
    'IPV4NS_TOO_MANY_SUBNETS': Code(
        E, 'An IPv4Namespace has more than 10 subnets.', 'Merge subnets, or split them over two IPv4Namespaces.'
    ),
    'IPV4NS_SUBNET_INVALID': Code(E, 'An IPv4Namespace subnet is not an IPv4 prefix.', 'Write it like 10.0.0.0/16.'),
    'IPV4NS_SUBNET_OVERLAP': Code(
        E, 'Two subnets of an IPv4Namespace overlap.', 'Keep one of the overlapping subnets, or make them disjoint.'
    ),
    # VPC
    'VPC_MODE': Code(E, 'Unknown or unsupported VPC mode.', 'Use "" (l2vni, the default) or l3vni.'),
    'VPC_SUBNET_COUNT': Code(E, 'A VPC needs 1 to 20 subnets.', 'Give the VPC at least one and at most 20 subnets.'),
    'VPC_SUBNET_INVALID': Code(E, 'A VPC subnet CIDR is missing or not an IPv4 prefix.', 'Write it like 10.0.1.0/24.'),
    'VPC_SUBNET_PREFIX': Code(E, 'A VPC subnet prefix is longer than /30.', 'Use a /30 or larger subnet.'),
    'VPC_SUBNET_OVERLAP': Code(E, 'Two subnets of one VPC overlap.', 'Make the subnets of the VPC disjoint.'),
    'VPC_GATEWAY': Code(
        E,
        'The subnet gateway is not an IP address inside the subnet.',
        'Use an address inside the subnet, or leave gateway out (the first address is used).',
    ),
    'VPC_VLAN_REQUIRED': Code(
        E, 'A VPC subnet needs a VLAN (unless it is a hostBGP subnet).', 'Set spec.subnets.<name>.vlan.'
    ),
    'VPC_VLAN_INVALID': Code(
        E,
        f'A VPC subnet VLAN is outside 1..{VLAN_MAX}.',
        f"Use a VLAN within 1..{VLAN_MAX} (and within the VPC's VLANNamespace).",
    ),
    'VPC_VLAN_DUPLICATE': Code(
        E, 'Two subnets of one VPC use the same VLAN.', 'Give each subnet of the VPC its own VLAN.'
    ),
    'VPC_DHCP_RANGE': Code(
        E,
        'The DHCP range is invalid (outside the subnet, on the gateway, or start >= end).',
        'Put start and end inside the subnet, after the gateway, with start < end; or leave range out.',
    ),
    'VPC_DHCP_RELAY': Code(
        E,
        'DHCP relay and DHCP server are both enabled, the relay address is invalid, or relayVPC has no relay.',
        'Use either dhcp.enable or dhcp.relay.',
    ),
    'VPC_DHCP_OPTIONS': Code(
        E,
        'DHCP options are invalid or set while DHCP is disabled.',
        'Enable DHCP (dhcp.enable), or remove the options.',
    ),
    'VPC_DHCP_STATIC': Code(
        E,
        'A DHCP static lease is invalid (MAC, IP outside the subnet, duplicate IP).',
        'Give each lease a valid MAC and its own IP inside the subnet.',
    ),
    'VPC_HOSTBGP': Code(
        E,
        'A hostBGP subnet setting is inconsistent (DHCP enabled, prefix lengths).',
        "A hostBGP subnet has DHCP off and prefix lengths within the subnet's.",
    ),
    'VPC_PERMIT': Code(
        E,
        'A permit list names a subnet the VPC does not define, repeats one, or has fewer than 2.',
        'List at least two existing subnet names per permit entry.',
    ),
    'VPC_STATIC_ROUTE': Code(
        E,
        'A VPC static route has an invalid prefix or no next hop.',
        'Write the prefix like 10.10.0.0/24 and give at least one next hop.',
    ),
    # Connection
    'CONN_TYPE': Code(
        E,
        'A Connection must have exactly one type (unbundled, bundled, eslag, fabric, mesh, gateway, '
        'vpcLoopback, external, staticExternal).',
        'Keep exactly one connection type key under spec.',
    ),
    'CONN_LINKS': Code(
        E,
        'The links do not fit the connection type (count, devices involved).',
        'See the message for the devices found; fix the ports so the links fit the type.',
    ),
    'CONN_PORT_FORMAT': Code(E, 'A port is not written as "<device>/<port>".', 'Write ports like leaf-01/E1/1.'),
    'CONN_PORT_DUPLICATE': Code(E, 'A port is used twice in one connection.', 'Use each port once per connection.'),
    'CONN_LINK_IP': Code(
        E,
        'A fabric, mesh or gateway link IP is not a /31, or the two ends are not in the same /31.',
        'Give both ends addresses of the same /31, or none (unnumbered).',
    ),
    'CONN_STATIC_EXTERNAL': Code(
        E,
        'A staticExternal link is inconsistent (IP, next hop, subnets).',
        "The next hop lies inside switch.ip's subnet; subnets are disjoint prefixes without host bits.",
    ),
    'CONN_PORT_IN_USE': Code(
        E,
        'A port is already used by another Connection (leaf-01/E1/4 and leaf-01/E1/4/1 are the same port).',
        'Use a free port, or change the other Connection first.',
    ),
    'CONN_LINK_IP_IN_USE': Code(
        E,
        'A fabric, mesh or gateway link IP is already used by another link.',
        'Give each link its own /31.',
    ),
    'CONN_REDUNDANCY': Code(
        E,
        'The switches of an ESLAG connection are not in one redundancy group of type eslag.',
        'Set the same spec.redundancy group and type eslag on each of its switches.',
    ),
    'MCLAG_DEPRECATED': Code(
        W, 'MCLAG is deprecated and no longer supported by Hedgehog.', 'Move to ESLAG redundancy groups.'
    ),
    # Switch
    'SWITCH_ROLE': Code(
        E,
        'Switch role is not one of spine, server-leaf, border-leaf, mixed-leaf.',
        'Use spine, server-leaf, border-leaf or mixed-leaf.',
    ),
    'SWITCH_PROFILE_MISSING': Code(E, 'Switch profile is missing.', 'Set spec.profile to a SwitchProfile name.'),
    'SWITCH_REDUNDANCY': Code(
        E, 'Switch redundancy group and type must be set together.', 'Set both redundancy.group and redundancy.type.'
    ),
    'SWITCH_SPINE_VTEP': Code(E, 'A spine switch must not have a VTEP IP.', 'Remove spec.vtepIP from the spine.'),
    # VPCAttachment
    'VPCATTACH_SUBNET': Code(
        E, 'VPCAttachment subnet is missing or not "<vpc>/<subnet>".', 'Write spec.subnet like vpc-1/default.'
    ),
    'VPCATTACH_CONNECTION': Code(
        E, 'VPCAttachment connection is missing.', 'Set spec.connection to the name of a server Connection.'
    ),
    # VPCPeering
    'VPCPEER_PERMIT': Code(
        E,
        'A VPCPeering permit entry must name exactly the same 2 VPCs as every other entry.',
        'Each entry: {vpc-a: {...}, vpc-b: {...}}.',
    ),
    'VPCPEER_REMOTE': Code(
        E, 'VPCPeering spec.remote is deprecated and no longer supported.', 'Remove spec.remote; use Externals.'
    ),
    # External, ExternalAttachment, ExternalPeering
    'EXTERNAL_COMMUNITY': Code(E, 'A BGP community is not written as <0-65535>:<0-65535>.', 'Example: 65102:5000.'),
    'EXTERNAL_STATIC': Code(
        E,
        'A static External needs valid, non-overlapping prefixes.',
        'Write each prefix like 10.99.0.0/24, without overlaps.',
    ),
    'EXTATTACH_REQUIRED': Code(
        E, 'ExternalAttachment needs external and connection.', 'Set spec.external and spec.connection.'
    ),
    'EXTATTACH_MODE': Code(
        E,
        'ExternalAttachment BGP/static settings are inconsistent.',
        'BGP: switch.ip, neighbor.asn and neighbor.ip; static: static.remoteIP and static.ip (or proxy).',
    ),
    'EXTPEER_PERMIT': Code(
        E,
        'ExternalPeering permit needs vpc.name, external.name and valid prefixes.',
        'Set permit.vpc.name, permit.external.name and prefixes like 0.0.0.0/0.',
    ),
    # Gateway, GatewayPeering (gateway.githedgehog.com/v1alpha1)
    'GATEWAY_WORKERS': Code(
        E, 'Gateway workers is outside 1..64.', 'Set spec.workers within 1..64, or leave it out (4).'
    ),
    'GATEWAY_ADDRESS': Code(
        E,
        'A Gateway protocolIP or vtepIP is not an IPv4 /32 (vtepIP: a unicast address).',
        'Write it like 172.30.8.2/32, or leave it out for hhfab to fill in.',
    ),
    'GATEWAY_VTEP_MAC': Code(
        E,
        'A Gateway vtepMAC is not a unicast MAC address (or is all zeros).',
        'Write a unicast MAC like ca:fe:00:00:00:01, or leave it out for hhfab to fill in.',
    ),
    'GATEWAY_INTERFACE': Code(
        E,
        'A Gateway has no interface, or an interface name, address, PCI address or kernel name is invalid.',
        'Name interfaces like enp2s1; give IPv4 prefixes, and either a PCI address (0000:02:00.0) or a kernel name.',
    ),
    'GATEWAY_NEIGHBOR': Code(
        E, 'A Gateway BGP neighbor lacks a unicast IPv4 address or an ASN.', 'Give each neighbor an ip and an asn.'
    ),
    'GATEWAY_GROUPS': Code(E, 'A Gateway lists the same group twice.', 'List each gateway group once.'),
    'GATEWAY_ADDRESS_IN_USE': Code(
        E,
        'A Gateway protocolIP, vtepIP or vtepMAC is already used by another Gateway (the IPs: or by a Switch).',
        'Give each gateway its own addresses and MAC, outside those of the switches.',
    ),
    'GWPEER_SIDES': Code(
        E,
        'A GatewayPeering must name exactly 2 sides (VPCs, or Externals as ext.<name>).',
        'Key spec.peering by the two VPC (or ext.<external>) names.',
    ),
    'GWPEER_EXPOSE': Code(
        E,
        'A GatewayPeering expose entry is inconsistent (no IP block, default mixed with others, more than one of '
        'cidr/not/vpcSubnet, an invalid prefix, a VPC subnet on an External side).',
        'Each IP block sets exactly one of cidr, not, vpcSubnet; default: true stands alone.',
    ),
    'GWPEER_NAT': Code(
        E,
        'GatewayPeering NAT is inconsistent (as without nat, not exactly one mode, bad port forwarding, stateful '
        'NAT on both sides, static with stateful).',
        'Set as and nat together, one NAT mode per entry, stateful NAT on one side only.',
    ),
    'GWPEER_ACL': Code(
        E,
        'A GatewayPeering ACL is invalid (default action, rule name, action, from/to, match).',
        'default: deny or deny-unless-exposed; each rule has action allow or deny and names a side of the peering.',
    ),
    # Across documents
    'REF_DANGLING': Code(
        W,
        'A referenced object is not in the set validated (it may arrive in another file).',
        'Add the referenced object, or ignore if it lives elsewhere.',
    ),
    'REF_CONFLICT': Code(
        E,
        'A referenced object exists but contradicts the reference.',
        'Change this object or the one it refers to so they agree, as the message says.',
    ),
    'VLAN_CONFLICT': Code(
        E, 'Two VPCs in the same VLANNamespace use the same VLAN.', 'Give one of the two subnets another VLAN.'
    ),
    'SUBNET_CONFLICT': Code(
        E,
        'Subnets of two VPCs in the same IPv4Namespace overlap.',
        'Give one of the two subnets another prefix, or put the VPCs in different IPv4Namespaces.',
    ),
    'DUPLICATE_OBJECT': Code(
        E, 'The same kind and name is defined twice with different content.', 'Keep one definition.'
    ),
    'DUPLICATE_IDENTICAL': Code(
        INFO,
        'The same object is defined twice with identical content.',
        'Nothing to fix; one copy is kept. Remove the repeat to silence this.',
    ),
}

CODES = {code: Code(*entry) for code, entry in YAML_CODES.items()} | _VALIDATION_CODES
