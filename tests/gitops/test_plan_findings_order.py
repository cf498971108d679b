"""A plan's findings of each file come in the order of the file's lines, whichever step found them."""

from netbox_hedgehog.core.plan import make_plan
from netbox_hedgehog.core.plan_model import RawFile

VPC = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPC
metadata:
  name: {name}
spec:
  subnets:
    default:
      subnet: {subnet}
      vlan: {vlan}
"""


def test_findings_of_a_file_are_sorted_by_line():
    # a.yaml: vpc-1 (also defined differently in b.yaml: an ingestion conflict, found after validation),
    # then a VPC with VLAN 5000 (found by validation, further down the file).
    a = VPC.format(name='vpc-1', subnet='10.0.1.0/24', vlan=1001) + '---\n'
    a += VPC.format(name='vpc-bad', subnet='10.0.9.0/24', vlan=5000)
    b = VPC.format(name='vpc-1', subnet='10.0.2.0/24', vlan=1002)
    plan = make_plan([RawFile('raw/a.yaml', a.encode()), RawFile('raw/b.yaml', b.encode())])
    (file_a,) = [file_plan for file_plan in plan.files if file_plan.path == 'raw/a.yaml']
    lines = [finding.line for finding in file_a.findings]
    assert {'INGEST_CONFLICT', 'VPC_VLAN_INVALID'} <= {finding.code for finding in file_a.findings}
    assert lines == sorted(lines)
