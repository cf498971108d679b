"""Export a fabric's managed objects as one multi-document wiring YAML, in the order hhfab reads them.

The managed files are the truth, so the export is made of them, byte for byte (comments included),
one document each, ordered namespaces, switch groups, switches, servers, connections, then the VPC
objects; any other kind of the registry follows. Dropped into the raw/ of an empty fabric, it ingests
back into the same managed files. A managed file that is not one object of its folder's kind (a link,
several documents, unreadable, a kind of another folder: a `git push` can put anything there) is left
out with a finding, never exported as if it were one.
"""

from dataclasses import dataclass, field

from netbox_hedgehog.core.findings import Finding, Severity
from netbox_hedgehog.core.kinds import KINDS
from netbox_hedgehog.core.tree import MANAGED
from netbox_hedgehog.core.yaml_reader import read_documents
from netbox_hedgehog.services.faults import os_reason
from netbox_hedgehog.services.treefs import LinkRefused

__all__ = ('EXPORT_CONTENT_TYPE', 'EXPORT_SKIPPED', 'FabricExport', 'export_fabric', 'export_filename', 'export_order')

EXPORT_SKIPPED = 'EXPORT_SKIPPED'
# How the page and the API hand the export over (RFC 9512's media type for YAML).
EXPORT_CONTENT_TYPE = 'application/yaml; charset=utf-8'
# hhfab's own order: what a Connection names exists before it (namespaces, groups, switches, servers),
# the VPC objects after the wiring they attach to, and the gateway objects after the VPCs they peer.
HHFAB_ORDER = (
    'VLANNamespace',
    'IPv4Namespace',
    'SwitchGroup',
    'Switch',
    'Server',
    'Connection',
    'VPC',
    'External',
    'ExternalAttachment',
    'ExternalPeering',
    'VPCAttachment',
    'VPCPeering',
    'GatewayGroup',
    'Gateway',
    'GatewayPeering',
)


def export_order(kinds=KINDS):
    """The registry's kinds in hhfab's order; kinds it does not name follow, in the registry's order."""
    rank = {name: position for position, name in enumerate(HHFAB_ORDER)}
    return sorted(kinds, key=lambda kind: rank.get(kind.kind, len(rank)))


@dataclass
class FabricExport:
    text: str = ''
    objects: int = 0
    # Managed files left out, each with why (EXPORT_SKIPPED).
    findings: list = field(default_factory=list)


def export_fabric(fabric):
    """The fabric's managed objects as one YAML stream (FabricExport); reads through the tree's descriptors."""
    export = FabricExport()
    documents = []
    with fabric.files() as tree:
        for kind in export_order():
            folder = f'{MANAGED}/{kind.directory}'
            if not tree.is_folder(folder):
                continue
            names = sorted(entry.name for entry in tree.scandir(folder) if entry.name.endswith('.yaml'))
            for name in names:
                text = _object_text(tree, f'{folder}/{name}', kind, export.findings)
                if text is not None:
                    documents.append(text)
    export.objects = len(documents)
    export.text = ''.join(f'---\n{text}' for text in documents)
    return export


def export_filename(fabric):
    """The name a download of the export gets: `<fabric>-wiring.yaml` (fabric names are RFC 1123 labels)."""
    return f'{fabric.name}-wiring.yaml'


def _object_text(tree, path, kind, findings):
    """The text of the managed file `path` when it holds one `kind` object, else None and a finding."""
    try:
        data = tree.read(path)
    except LinkRefused:
        return _skip(findings, path, 'it is a symbolic link, which is never followed')
    except OSError as exc:
        return _skip(findings, path, f'it cannot be read ({os_reason(exc)})')
    read = read_documents(data, path)
    if read.findings or len(read.documents) != 1:
        return _skip(findings, path, 'it is not one valid YAML document')
    (document,) = read.documents
    found = document.data.get('kind') if isinstance(document.data, dict) else None
    if found != kind.kind:
        return _skip(findings, path, f'it holds {found or "no kind"}, not a {kind.kind}')
    text = data.decode('utf-8')
    text = text.removeprefix('---\n')
    return text if text.endswith('\n') else f'{text}\n'


def _skip(findings, path, why):
    findings.append(
        Finding(
            Severity.WARNING,
            EXPORT_SKIPPED,
            f'Left out of the export: {why}.',
            file=path,
            hint='Run the health check: it names what is wrong with this file.',
        )
    )
