"""Documents the plan's pure tests share."""

VPC = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPC
metadata:
  name: vpc-1
spec:
  subnets:
    default:
      subnet: 10.0.1.0/24
      vlan: 1001
"""
SERVER = """\
apiVersion: wiring.githedgehog.com/v1beta1
kind: Server
metadata:
  name: server-1
"""
