"""Benchmark: the Topology tab's drawing of a generated fabric, against a bare YAML parse of its files.

    python benchmarks/bench_topology.py [--size small|large|xlarge] [--seed N] [--repeat N]

Generates a fabric (see generate_fabric.py), parses it once to get (kind, name, spec) of every object
(as the tab reads them from the index), then times, best of --repeat runs each: the parse of the same
bytes with CSafeLoader; build_topology over the objects; to_svg, to_mermaid and to_dot of the result.
Prints the devices, links and SVG size, each time and the ratio of graph + SVG to the parse.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate_fabric import SIZES, write_fabric  # noqa: E402
from benchmarks.timing import best_of  # noqa: E402
from netbox_hedgehog.core.topology import TOPOLOGY_KINDS, build_topology  # noqa: E402
from netbox_hedgehog.topology_render import to_dot, to_mermaid, to_svg  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', choices=sorted(SIZES), default='large')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stats = write_fabric(Path(folder), size=args.size, seed=args.seed)
        contents = [path.read_bytes() for path in sorted(Path(folder).rglob('*.yaml'))]

    def parse():
        return [document for data in contents for document in yaml.load_all(data, Loader=yaml.CSafeLoader)]

    parse_time, documents = best_of(args.repeat, parse)
    objects = [
        (document['kind'], document['metadata']['name'], document.get('spec'))
        for document in documents
        if isinstance(document, dict) and document.get('kind') in TOPOLOGY_KINDS
    ]
    graph_time, topology = best_of(args.repeat, lambda: build_topology(objects))
    svg_time, svg = best_of(args.repeat, lambda: to_svg(topology))
    mermaid_time, _ = best_of(args.repeat, lambda: to_mermaid(topology))
    dot_time, _ = best_of(args.repeat, lambda: to_dot(topology))
    print(f'fabric: {args.size}, {stats.documents} documents, {len(objects)} drawn from')
    print(f'drawing: {len(topology.nodes)} devices or groups, {len(topology.links)} links, SVG {len(svg) // 1024} KiB')
    print(f'parse (CSafeLoader, all files): {parse_time * 1000:8.1f} ms')
    print(f'build_topology:                 {graph_time * 1000:8.1f} ms')
    print(f'to_svg:                         {svg_time * 1000:8.1f} ms')
    print(f'to_mermaid / to_dot:            {mermaid_time * 1000:8.1f} ms / {dot_time * 1000:.1f} ms')
    print(f'graph + SVG / parse:            {(graph_time + svg_time) / parse_time:8.2f}x')


if __name__ == '__main__':
    main()
