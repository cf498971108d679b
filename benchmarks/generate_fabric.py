"""Generate a large, valid Hedgehog fabric as GitOps YAML files (for benchmarks, tests and demos).

A spine-leaf fabric: spines, server leaves in ESLAG redundancy groups, border leaves with BGP and
static externals, gateways (hydrated, as hhfab writes them) on the border leaves, servers on unbundled,
bundled and ESLAG connections, VPCs with attachments, peerings and gateway peerings. Every reference
resolves inside the generated set, VLANs and subnets are unique, and fabric links carry /31 addresses, so
the whole set validates without errors or warnings.

    python benchmarks/generate_fabric.py OUT_DIR [--size small|large] [--seed N]

or from Python: `write_fabric(folder, size='large', seed=0) -> FabricStats`.
"""

import argparse
import ipaddress
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ('SIZES', 'FabricStats', 'Shape', 'write_fabric')

WIRING = 'wiring.githedgehog.com/v1beta1'
VPC_API = 'vpc.githedgehog.com/v1beta1'
GATEWAY_API = 'gateway.githedgehog.com/v1alpha1'


@dataclass(frozen=True)
class Shape:
    spines: int
    racks: int  # each rack: a pair of server leaves in one ESLAG group
    servers_per_rack: int
    vpcs: int
    attachments_per_server: int
    peerings: int
    vpcs_per_file: int
    gateways: int  # on the border leaves, one link each
    gateway_peerings: int


SIZES = {
    'small': Shape(
        spines=2,
        racks=2,
        servers_per_rack=6,
        vpcs=6,
        attachments_per_server=2,
        peerings=3,
        vpcs_per_file=3,
        gateways=2,
        gateway_peerings=4,
    ),
    'large': Shape(
        spines=8,
        racks=48,
        servers_per_rack=36,
        vpcs=400,
        attachments_per_server=3,
        peerings=200,
        vpcs_per_file=5,
        gateways=4,
        gateway_peerings=100,
    ),
    # ~100k documents: hundreds of leaves, tens of thousands of servers, connections and attachments. Servers stay
    # on ports E1/3-E1/48 (the uplinks are E1/49 and up); the VPCs' VLANs fit the namespace's 2000.
    'xlarge': Shape(
        spines=8,
        racks=396,
        servers_per_rack=46,
        vpcs=900,
        attachments_per_server=3,
        peerings=400,
        vpcs_per_file=5,
        gateways=8,
        gateway_peerings=200,
    ),
}


@dataclass(frozen=True)
class FabricStats:
    files: int
    documents: int
    bytes: int


class _Writer:
    """Collects documents per file and writes each file as a multi-document YAML stream."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.files = {}

    def add(self, file, kind, name, spec, api=WIRING, comment=None):
        doc = {'apiVersion': api, 'kind': kind, 'metadata': {'name': name}, 'spec': spec}
        self.files.setdefault(file, []).append((comment, doc))

    def write(self):
        total_docs = total_bytes = 0
        for file, docs in self.files.items():
            parts = []
            for comment, doc in docs:
                text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)
                parts.append(f'# {comment}\n{text}' if comment else text)
            data = ('---\n'.join(parts)).encode()
            path = self.folder / file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            total_docs += len(docs)
            total_bytes += len(data)
        return FabricStats(files=len(self.files), documents=total_docs, bytes=total_bytes)


def write_fabric(folder, size='large', seed=0):
    """Write a fabric of the given size into `folder` (created if needed); returns what was written."""
    shape = SIZES[size]
    rng = random.Random(seed)
    out = _Writer(folder)
    _namespaces(out)
    spines = [f'spine-{n:02d}' for n in range(1, shape.spines + 1)]
    for spine in spines:
        out.add(
            'wiring/spines.yaml', 'Switch', spine, {'role': 'spine', 'profile': 'dell-s5232f-on', 'description': spine}
        )
    link_ips = ipaddress.IPv4Network('172.30.128.0/17').subnets(new_prefix=31)
    server_connections = []
    for rack in range(1, shape.racks + 1):
        server_connections += _rack(out, rng, rack, spines, shape, link_ips)
    _border(out, spines, link_ips)
    _gateways(out, shape, link_ips)
    vpcs = _vpcs(out, rng, shape)
    _attachments(out, rng, shape, server_connections, vpcs)
    _peerings(out, rng, shape, vpcs)
    _external_peerings(out, vpcs)
    _gateway_peerings(out, rng, shape, vpcs)
    return out.write()


def _namespaces(out):
    out.add('wiring/namespaces.yaml', 'VLANNamespace', 'default', {'ranges': [{'from': 1000, 'to': 2999}]})
    out.add('wiring/namespaces.yaml', 'IPv4Namespace', 'default', {'subnets': ['10.0.0.0/9']}, api=VPC_API)


def _rack(out, rng, rack, spines, shape, link_ips):
    """A pair of ESLAG leaves with their servers; returns the rack's server connections."""
    file = f'wiring/rack-{rack:03d}.yaml'
    group = f'eslag-{rack:03d}'
    leaves = [f'leaf-{rack:03d}-{side}' for side in ('a', 'b')]
    out.add(file, 'SwitchGroup', group, {})
    for leaf in leaves:
        spec = {
            'role': 'server-leaf',
            'profile': 'celestica-ds3000',
            'description': f'rack {rack} {leaf[-1]}',
            'redundancy': {'group': group, 'type': 'eslag'},
            'portBreakouts': {'E1/1': '4x25G', 'E1/2': '4x25G'},
        }
        out.add(file, 'Switch', leaf, spec, comment=f'leaf {leaf}')
    fabric_file = f'wiring/fabric-{rack:03d}.yaml'
    for leaf in leaves:
        for index, spine in enumerate(spines, start=1):
            # Each leaf on its own spine port (a port belongs to one Connection).
            spine_port = f'{spine}/E1/{2 * rack - 1 + leaves.index(leaf)}'
            link = {'spine': {'port': spine_port}, 'leaf': {'port': f'{leaf}/E1/{48 + index}'}}
            if rng.random() < 0.8:  # most links numbered (hydrated), some unnumbered
                pair = next(link_ips)
                link['spine']['ip'] = f'{pair.network_address}/31'
                link['leaf']['ip'] = f'{pair.network_address + 1}/31'
            out.add(fabric_file, 'Connection', f'{spine}--fabric--{leaf}', {'fabric': {'links': [link]}})
    connections = []
    for number in range(1, shape.servers_per_rack + 1):
        server = f'server-{rack:03d}-{number:02d}'
        out.add(file, 'Server', server, {'description': f'rack {rack} server {number}'})
        port = 2 + number  # E1/3 and up, same port on both leaves
        kind = ('unbundled', 'bundled', 'eslag')[number % 3]
        if kind == 'unbundled':
            leaf = leaves[number % 2]
            name = f'{server}--unbundled--{leaf}'
            spec = {
                'unbundled': {'link': {'server': {'port': f'{server}/enp2s1'}, 'switch': {'port': f'{leaf}/E1/{port}'}}}
            }
        elif kind == 'bundled':
            leaf = leaves[number % 2]
            name = f'{server}--bundled--{leaf}'
            links = [
                {'server': {'port': f'{server}/enp2s{n}'}, 'switch': {'port': f'{leaf}/E1/{port}/{n}'}} for n in (1, 2)
            ]
            spec = {'bundled': {'links': links, 'mtu': 9000}}
        else:
            name = f'{server}--eslag--{leaves[0]}--{leaves[1]}'
            links = [
                {'server': {'port': f'{server}/enp2s{n}'}, 'switch': {'port': f'{leaf}/E1/{port}'}}
                for n, leaf in enumerate(leaves, start=1)
            ]
            spec = {'eslag': {'links': links, 'fallback': True}}
        out.add(file, 'Connection', name, spec, comment=f'{kind} connection of {server}')
        connections.append((rack, name))
    return connections


def _border(out, spines, link_ips):
    file = 'wiring/border.yaml'
    out.add(file, 'SwitchGroup', 'border', {})
    borders = ['border-a', 'border-b']
    for leaf in borders:
        out.add(file, 'Switch', leaf, {'role': 'border-leaf', 'profile': 'celestica-ds4000', 'groups': ['border']})
        for index, spine in enumerate(spines, start=1):
            pair = next(link_ips)
            link = {
                # Past the rack leaves' spine ports (two per rack, up to E1/96 for the large shape).
                'spine': {'port': f'{spine}/E1/{101 + borders.index(leaf)}', 'ip': f'{pair.network_address}/31'},
                'leaf': {'port': f'{leaf}/E1/{48 + index}', 'ip': f'{pair.network_address + 1}/31'},
            }
            out.add(file, 'Connection', f'{spine}--fabric--{leaf}', {'fabric': {'links': [link]}})
    externals = 'vpc/externals.yaml'
    for number, leaf in enumerate(borders, start=1):
        bgp, static = f'bgp-{number}', f'static-{number}'
        out.add(
            externals,
            'External',
            bgp,
            {
                'ipv4Namespace': 'default',
                'inboundCommunity': f'6510{number}:5000',
                'outboundCommunity': f'5000:6510{number}',
            },
            api=VPC_API,
        )
        out.add(
            externals,
            'External',
            static,
            {'ipv4Namespace': 'default', 'static': {'prefixes': ['0.0.0.0/0']}},
            api=VPC_API,
        )
        for ext, port in ((bgp, 1), (static, 2)):
            conn = f'{leaf}--external--{ext}'
            out.add(file, 'Connection', conn, {'external': {'link': {'switch': {'port': f'{leaf}/E1/{port}'}}}})
        out.add(
            externals,
            'ExternalAttachment',
            f'{leaf}--{bgp}',
            {
                'connection': f'{leaf}--external--{bgp}',
                'external': bgp,
                'neighbor': {'asn': 65100 + number, 'ip': f'100.100.{number}.6'},
                'switch': {'ip': f'100.100.{number}.1/24', 'vlan': 100 + number},
            },
            api=VPC_API,
        )
        out.add(
            externals,
            'ExternalAttachment',
            f'{leaf}--{static}',
            {
                'connection': f'{leaf}--external--{static}',
                'external': static,
                'static': {'remoteIP': f'192.168.{30 + number}.1', 'ip': f'192.168.{30 + number}.5/24', 'vlan': 35},
            },
            api=VPC_API,
        )


def _gateways(out, shape, link_ips):
    """Gateways in the group `default`, each on a border leaf port (E1/20 and up) with a numbered link."""
    file = 'wiring/gateways.yaml'
    out.add(file, 'GatewayGroup', 'default', {}, api=GATEWAY_API)
    for number in range(1, shape.gateways + 1):
        gateway, leaf = f'gateway-{number}', ('border-a', 'border-b')[number % 2]
        pair = next(link_ips)
        switch_ip, gateway_ip = f'{pair.network_address}/31', f'{pair.network_address + 1}/31'
        spec = {
            'protocolIP': f'172.30.8.{number}/32',
            'vtepIP': f'172.30.12.{number}/32',
            'vtepMAC': f'ca:fe:00:00:00:{number:02x}',
            'asn': 65534,
            'interfaces': {'enp2s1': {'ips': [gateway_ip], 'pci': f'0000:02:{number:02x}.0'}},
            'neighbors': [{'source': 'enp2s1', 'ip': str(pair.network_address), 'asn': 65101}],
            'groups': [{'name': 'default', 'priority': number}],
        }
        out.add(file, 'Gateway', gateway, spec, api=GATEWAY_API, comment=f'gateway {number}, hydrated')
        link = {
            'switch': {'port': f'{leaf}/E1/{19 + number}', 'ip': switch_ip},
            'gateway': {'port': f'{gateway}/enp2s1', 'ip': gateway_ip},
        }
        out.add(file, 'Connection', f'{leaf}--gateway--{gateway}', {'gateway': {'links': [link]}})


def _vpcs(out, rng, shape):
    """VPCs with 1-3 subnets each; VLANs and /24s unique across the fabric. Returns {vpc: [subnets]}."""
    vlans = iter(range(1000, 3000))
    networks = ipaddress.IPv4Network('10.0.0.0/9').subnets(new_prefix=24)
    vpcs = {}
    for number in range(1, shape.vpcs + 1):
        name = f'vpc-{number:04d}'
        subnets = {}
        for index in range(rng.randint(1, 3)):
            network = next(networks)
            subnet = {'subnet': str(network), 'vlan': next(vlans)}
            if index == 0:
                subnet['dhcp'] = {'enable': True, 'range': {'start': str(network.network_address + 10)}}
            subnets[f'subnet-{index + 1}'] = subnet
        spec = {'subnets': subnets}
        if len(subnets) > 1 and rng.random() < 0.3:
            spec['permit'] = [list(subnets)]
            spec['defaultIsolated'] = True
        file = f'vpc/vpcs-{(number - 1) // shape.vpcs_per_file + 1:03d}.yaml'
        out.add(file, 'VPC', name, spec, api=VPC_API, comment=f'tenant VPC {number}')
        vpcs[name] = list(subnets)
    return vpcs


def _attachments(out, rng, shape, server_connections, vpcs):
    vpc_names = list(vpcs)
    for rack, connection in server_connections:
        for vpc in rng.sample(vpc_names, shape.attachments_per_server):
            subnet = rng.choice(vpcs[vpc])
            file = f'vpc/attachments-{rack:03d}.yaml'
            name = f'{vpc}--{subnet}--{connection.split("--")[0]}'
            out.add(file, 'VPCAttachment', name, {'connection': connection, 'subnet': f'{vpc}/{subnet}'}, api=VPC_API)


def _peerings(out, rng, shape, vpcs):
    names = list(vpcs)
    pairs = set()
    while len(pairs) < min(shape.peerings, len(names) * (len(names) - 1) // 2):
        pairs.add(tuple(sorted(rng.sample(names, 2))))
    for number, (first, second) in enumerate(sorted(pairs)):
        spec = {'permit': [{first: {'subnets': [vpcs[first][0]]}, second: {}}]}
        file = f'vpc/peerings-{number // 20 + 1:03d}.yaml'
        out.add(file, 'VPCPeering', f'{first}--{second}', spec, api=VPC_API)


def _external_peerings(out, vpcs):
    for number, vpc in enumerate(list(vpcs)[:50]):
        external = ('bgp-1', 'static-1', 'bgp-2', 'static-2')[number % 4]
        spec = {
            'permit': {
                'vpc': {'name': vpc, 'subnets': [vpcs[vpc][0]]},
                'external': {'name': external, 'prefixes': [{'prefix': '0.0.0.0/0'}]},
            }
        }
        out.add('vpc/externalpeerings.yaml', 'ExternalPeering', f'{vpc}--{external}', spec, api=VPC_API)


def _gateway_peerings(out, rng, shape, vpcs):
    """VPC pairs peered through the gateways (every fifth with masquerade NAT on one side), and VPCs reaching
    the static externals through them."""
    names = list(vpcs)
    for number in range(shape.gateway_peerings):
        file = f'vpc/gatewaypeerings-{number // 20 + 1:03d}.yaml'
        first, second = rng.sample(names, 2)
        if number % 4 == 3:
            external = f'ext.static-{number % 2 + 1}'
            sides = {
                first: {'expose': [{'ips': [{'vpcSubnet': vpcs[first][0]}]}]},
                external: {'expose': [{'default': True}]},
            }
            name = f'{first}--{external[4:]}--{number}'
        else:
            exposed = {'ips': [{'vpcSubnet': vpcs[first][0]}]}
            if number % 5 == 0:
                exposed |= {'as': [{'cidr': f'192.168.200.{number % 250}/32'}], 'nat': {'masquerade': {}}}
            sides = {first: {'expose': [exposed]}, second: {'expose': [{'ips': [{'vpcSubnet': vpcs[second][-1]}]}]}}
            name = f'{first}--{second}--{number}'
        out.add(file, 'GatewayPeering', name, {'gatewayGroup': 'default', 'peering': sides}, api=GATEWAY_API)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('folder', type=Path)
    parser.add_argument('--size', choices=sorted(SIZES), default='large')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    stats = write_fabric(args.folder, args.size, args.seed)
    print(f'{stats.documents} documents in {stats.files} files, {stats.bytes} bytes, under {args.folder}')


if __name__ == '__main__':
    main()
