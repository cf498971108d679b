"""Small, valid Hedgehog YAML for ingestion tests (the shared corpus covers real-world files).

The samples are the files of tests/data/, read as text: YAML is data, kept where it reads as YAML.
"""

from pathlib import Path

DATA = Path(__file__).resolve().parent / 'data'


def _sample(name):
    return (DATA / name).read_text(encoding='utf-8')


# A Switch, a Server and their unbundled Connection, with comments (one before the first document).
WIRING = _sample('wiring.yaml')

# A VPC with one subnet; `{vlan}` is filled in by vpc().
VPC = _sample('vpc_template.yaml')

ATTACHMENT = _sample('attachment.yaml')

# The attachment, then a document of a kind this plugin does not manage (the gateway's VPCInfo).
ATTACHMENT_AND_FOREIGN = ATTACHMENT + '---\n' + _sample('vpcinfo.yaml')

# One valid document, then one whose VLAN is out of range: the whole file must stay in raw/.
HALF_INVALID = _sample('half_invalid.yaml')

# A Server of the legacy API version, exported with kubectl: server-set metadata, a status, a comment to keep.
LEGACY_WITH_SERVER_FIELDS = _sample('legacy_server.yaml')

# The namespaces the samples name without saying so (Hedgehog's defaults for a VPC and a Switch).
NAMESPACES = _sample('namespaces.yaml')


def vpc(vlan=1001):
    return VPC.format(vlan=vlan)


# githedgehog/lab-ci envs/env-ci-1.l/wiring-port-acl.yaml at 6336c04077d8, verbatim: an 18-line header, a blank
# line, then the External (28 lines from the top).
ACL_OVERLAY = _sample('acl_overlay.yaml')

# githedgehog/lab-ci envs/env-ci-1.l/wiring.yaml at 95ca77defb1c, verbatim excerpts (the corpus'
# labci_env-ci-1_wiring_eslag-externals-static_2026-06.yaml lines 1-12, 280-347 and 653-695): a section
# comment before the first document, four commented-out ExternalAttachments after a Connection, a commented-out
# Server and its Connection between two documents.
LAB_WIRING = _sample('lab_wiring.yaml')
