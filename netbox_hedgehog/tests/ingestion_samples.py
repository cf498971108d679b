"""Small, valid Hedgehog YAML for ingestion tests (the shared corpus covers real-world files)."""

WIRING = """\
# Leaf switches of rack 1
apiVersion: wiring.githedgehog.com/v1beta1
kind: Switch
metadata:
  name: leaf-01
spec:
  role: server-leaf
  profile: dell-s5248f-on   # the switch model
  description: leaf 1
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: Server
metadata:
  name: server-01
spec:
  description: first server
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: Connection
metadata:
  name: server-01--unbundled--leaf-01
spec:
  unbundled:
    link:
      server:
        port: server-01/enp2s1
      switch:
        port: leaf-01/E1/1
"""

VPC = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPC
metadata:
  name: vpc-1
spec:
  subnets:
    default:
      subnet: 10.0.1.0/24
      vlan: {vlan}
"""

ATTACHMENT_AND_FOREIGN = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPCAttachment
metadata:
  name: vpc-1--server-01
spec:
  connection: server-01--unbundled--leaf-01
  subnet: vpc-1/default
---
apiVersion: gateway.githedgehog.com/v1alpha1
kind: VPCInfo
metadata:
  name: gw-1
spec: {}
"""

# One valid document, then one whose VLAN is out of range: the whole file must stay in raw/.
HALF_INVALID = """\
apiVersion: wiring.githedgehog.com/v1beta1
kind: Switch
metadata:
  name: leaf-02
spec:
  role: server-leaf
  profile: dell-s5248f-on
---
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPC
metadata:
  name: vpc-bad
spec:
  subnets:
    default:
      subnet: 10.0.9.0/24
      vlan: 5000
"""

LEGACY_WITH_SERVER_FIELDS = """\
apiVersion: wiring.githedgehog.com/v1alpha2
kind: Server
metadata:
  name: server-09
  uid: 3f1c2a9e-0000-4000-8000-000000000000
  resourceVersion: "12345"
  creationTimestamp: "2024-10-02T10:00:00Z"
spec:
  description: exported with kubectl  # keep this comment
status: {}
"""


# The namespaces the samples name without saying so (Hedgehog's defaults for a VPC and a Switch).
NAMESPACES = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: IPv4Namespace
metadata:
  name: default
spec:
  subnets:
    - 10.0.0.0/16
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: VLANNamespace
metadata:
  name: default
spec:
  ranges:
    - from: 1000
      to: 2999
"""


def vpc(vlan=1001):
    return VPC.format(vlan=vlan)
