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

ATTACHMENT = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPCAttachment
metadata:
  name: vpc-1--server-01
spec:
  connection: server-01--unbundled--leaf-01
  subnet: vpc-1/default
"""

ATTACHMENT_AND_FOREIGN = (
    ATTACHMENT
    + """\
---
apiVersion: gateway.githedgehog.com/v1alpha1
kind: VPCInfo
metadata:
  name: gw-1
spec: {}
"""
)

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


# githedgehog/lab-ci envs/env-ci-1.l/wiring-port-acl.yaml at 6336c04077d8, verbatim: an 18-line header, a blank
# line, then the External (28 lines from the top).
ACL_OVERLAY = """\
###
### Port-ACL release test wiring overlay
###
### Adds a virtual external (managed Flatcar VM via virt-external) on
### ds3000-01/E1/2/2 so the inbound-ACL release test in fabricator has
### a probe source on real Broadcom hardware. The PCI passthrough slot
### pci@0000:9c:00.1 is already wired (annotation present in the base
### wiring) and not consumed by any other Connection.
###
### When this overlay is loaded, the fabricator vlab-builder creates a
### virt-external VM with a passthrough NIC at pci@0000:9c:00.1 and the
### agent provisions ds3000-01/E1/2/2 as an external-attachment ingress,
### binding the hardcoded inbound ACL there. The release test SSHes to
### virt-external in this VRF and probes the leaf-side IP.
###
### Static (non-proxy) attachment so no BGP session is required from the
### probe-source VM. The peer is just a Flatcar host with bash; the leaf
### still applies the same inbound ACL it would for a BGP attachment.

apiVersion: vpc.githedgehog.com/v1beta1
kind: External
metadata:
  name: acl-test
spec:
  ipv4Namespace: default
  static:
    prefixes:
      - "0.0.0.0/0"
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: Connection
metadata:
  name: ds3000-01--external--acl-test
spec:
  external:
    link:
      switch:
        port: ds3000-01/E1/2/2
---
apiVersion: vpc.githedgehog.com/v1beta1
kind: ExternalAttachment
metadata:
  name: ds3000-01--acl-test
spec:
  external: acl-test
  connection: ds3000-01--external--acl-test
  static:
    remoteIP: 100.99.100.6
    vlan: 100
    ip: 100.99.100.2/24
"""

# githedgehog/lab-ci envs/env-ci-1.l/wiring.yaml at 95ca77defb1c, verbatim excerpts (the corpus'
# labci_env-ci-1_wiring_eslag-externals-static_2026-06.yaml lines 1-12, 280-347 and 653-695): a section
# comment before the first document, four commented-out ExternalAttachments after a Connection, a commented-out
# Server and its Connection between two documents.
LAB_WIRING = """\
###
### Basic entities: namespaces, racks, switches
###

apiVersion: wiring.githedgehog.com/v1beta1
kind: VLANNamespace
metadata:
  name: default
spec:
  ranges:
    - from: 1000
      to: 2999
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: Connection
metadata:
  name: sse-c4632-01--external--ds2000-02
  annotations:
    type.hhfab.githedgehog.com: hw
spec:
  external:
    link:
      switch:
        port: sse-c4632-01/E1/1/1
# ---
# apiVersion: vpc.githedgehog.com/v1beta1
# kind: ExternalAttachment
# metadata:
#   name: ds3000-01--default
# spec:
#   external: default
#   connection: ds3000-01--external--ds2000-02
#   switch:
#     vlan: 100
#     ip: 100.2.100.2/24
#   neighbor:
#     asn: 64102
#     ip: 100.2.100.6
# ---
# apiVersion: vpc.githedgehog.com/v1beta1
# kind: ExternalAttachment
# metadata:
#   name: ds3000-02--default
# spec:
#   external: default
#   connection: ds3000-02--external--ds2000-02
#   switch:
#     vlan: 100
#     ip: 100.4.100.2/24
#   neighbor:
#     asn: 64102
#     ip: 100.4.100.6
# ---
# apiVersion: vpc.githedgehog.com/v1beta1
# kind: ExternalAttachment
# metadata:
#   name: ds3000-01--other
# spec:
#   external: other
#   connection: ds3000-01--external--ds2000-02
#   switch:
#     vlan: 200
#     ip: 100.2.200.2/24
#   neighbor:
#     asn: 64102
#     ip: 100.2.200.6
# ---
# apiVersion: vpc.githedgehog.com/v1beta1
# kind: ExternalAttachment
# metadata:
#   name: ds3000-02--other
# spec:
#   external: other
#   connection: ds3000-02--external--ds2000-02
#   switch:
#     vlan: 200
#     ip: 100.4.200.2/24
#   neighbor:
#     asn: 64102
#     ip: 100.4.200.6
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: Server
metadata:
  name: server-3
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: Connection
metadata:
  name: server-3--bundled--ds3000-01
spec:
  bundled:
    links:
      - server:
          port: server-3/enp2s1
        switch:
          port: ds3000-01/E1/1/4
      - server:
          port: server-3/enp2s2
        switch:
          port: ds3000-01/E1/2/2
# ---
# apiVersion: wiring.githedgehog.com/v1beta1
# kind: Server
# metadata:
#   name: server-4
# ---
# apiVersion: wiring.githedgehog.com/v1beta1
# kind: Connection
# metadata:
#   name: server-4--unbundled--ds3000-02
# spec:
#   unbundled:
#     link:
#       server:
#         port: server-4/enp2s1
#       switch:
#         port: ds3000-02/E1/1/4
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: Server
metadata:
  name: server-5
"""
