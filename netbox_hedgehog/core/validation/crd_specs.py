"""The CRD schemas as data: per kind, what its spec may hold (the tables check_structure reads).

Our own transcription of what the upstream CRD schemas enforce (fabric master, July 2026), in the schema
language of schema.py.
"""

from netbox_hedgehog.core.validation.schema import BOOL, INT, STR, Anything, Arr, Int, Obj, Str

__all__ = ('SPECS', 'STATUS')

# Exactly the CRDs' patterns for link addresses (the Go kubebuilder markers).
_CIDR_PATTERN = r'^((25[0-5]|(2[0-4]|1\d|[1-9]|)\d)\.?\b){4}/([1-2]?[0-9]|3[0-2])$'
_IP_PATTERN = r'^((25[0-5]|(2[0-4]|1\d|[1-9]|)\d)\.?\b){4}$'

# Status is the cluster's business (and removed on ingestion): any mapping will do.
STATUS = Obj(values=Anything())

_PORT = Obj({'port': STR})
_SERVER_LINK = Obj({'server': _PORT, 'switch': _PORT})
_SWITCH_LINK = Obj({'switch1': _PORT, 'switch2': _PORT})
_IP_PORT = Obj({'ip': Str(pattern=_CIDR_PATTERN), 'port': STR})


def _server_facing(min_links=None, single=False):
    fields = {'mtu': INT}
    if single:
        fields['link'] = _SERVER_LINK
    else:
        fields |= {'links': Arr(_SERVER_LINK, min_items=min_links), 'fallback': BOOL}
    return Obj(fields)


_CONNECTION = Obj(
    {
        'unbundled': _server_facing(single=True),
        'bundled': _server_facing(),
        'mclag': _server_facing(min_links=2),
        'eslag': _server_facing(min_links=2),
        'mclagDomain': Obj(
            {'peerLinks': Arr(_SWITCH_LINK, min_items=1), 'sessionLinks': Arr(_SWITCH_LINK, min_items=1)}
        ),
        'fabric': Obj({'links': Arr(Obj({'spine': _IP_PORT, 'leaf': _IP_PORT}), min_items=1)}),
        'mesh': Obj({'links': Arr(Obj({'leaf1': _IP_PORT, 'leaf2': _IP_PORT}), min_items=1)}),
        'gateway': Obj({'links': Arr(Obj({'switch': _IP_PORT, 'gateway': _IP_PORT}), min_items=1)}),
        'vpcLoopback': Obj({'links': Arr(_SWITCH_LINK, min_items=1)}),
        'external': Obj({'link': Obj({'switch': _PORT})}),
        'staticExternal': Obj(
            {
                'link': Obj(
                    {
                        'switch': Obj(
                            {
                                'ip': Str(pattern=_CIDR_PATTERN),
                                'nextHop': Str(pattern=_IP_PATTERN),
                                'port': STR,
                                'subnets': Arr(STR),
                                'vlan': INT,
                            }
                        )
                    }
                ),
                'withinVPC': STR,
            }
        ),
    }
)

_SWITCH = Obj(
    {
        'role': Str(enum=('spine', 'server-leaf', 'border-leaf', 'mixed-leaf', 'virtual-edge')),
        'description': STR,
        'profile': STR,
        'groups': Arr(STR),
        'redundancy': Obj({'group': STR, 'type': Str(enum=('mclag', 'eslag'))}),
        'vlanNamespaces': Arr(STR),
        'asn': INT,
        'ip': STR,
        'vtepIP': STR,
        'protocolIP': STR,
        'portGroupSpeeds': Obj(values=STR),
        'portSpeeds': Obj(values=STR),
        'portBreakouts': Obj(values=STR),
        'portAutoNegs': Obj(values=BOOL),
        'portFECs': Obj(values=Str(enum=('rs', 'fc', 'auto', 'disabled'))),
        'boot': Obj({'serial': STR, 'mac': STR}),
        'enableAllPorts': BOOL,
        'roce': BOOL,
        'ecmp': Obj({'roceQPN': BOOL}),
        'linkFlapErrDisable': Obj(
            {
                'flapThreshold': Int(1, 50),
                'samplingInterval': Int(1, 65535),
                'recoveryInterval': Int(0, 65534),
            }
        ),
    },
    required=('role',),
)

_DHCP_OPTIONS = Obj(
    {
        'pxeURL': STR,
        'dnsServers': Arr(STR),
        'timeServers': Arr(STR),
        'interfaceMTU': INT,
        'leaseTimeSeconds': INT,
        'disableDefaultRoute': BOOL,
        'advertisedRoutes': Arr(Obj({'destination': STR, 'gateway': STR})),
    },
    required=('interfaceMTU', 'leaseTimeSeconds'),
)

_VPC_SUBNET = Obj(
    {
        'subnet': STR,
        'gateway': STR,
        'vlan': INT,
        'isolated': BOOL,
        'restricted': BOOL,
        'hostBGP': BOOL,
        'dhcp': Obj(
            {
                'enable': BOOL,
                'relay': STR,
                'relayVPC': STR,
                'range': Obj({'start': STR, 'end': STR}),
                'options': _DHCP_OPTIONS,
                'static': Obj(values=Obj({'ip': STR}, required=('ip',))),
            }
        ),
    }
)

_VPC = Obj(
    {
        'mode': STR,
        'subnets': Obj(values=_VPC_SUBNET),
        'ipv4Namespace': STR,
        'vlanNamespace': STR,
        'defaultIsolated': BOOL,
        'defaultRestricted': BOOL,
        'permit': Arr(Arr(STR)),
        'staticRoutes': Arr(Obj({'prefix': STR, 'nextHops': Arr(STR)})),
    }
)

_TCP_FLAGS = ('ack', 'established', 'fin', 'psh', 'rst', 'syn', 'urg')
_ACL_STATEMENT = Obj(
    {
        'seq': INT,
        'action': STR,
        'protocol': STR,
        'srcPrefix': STR,
        'dstPrefix': STR,
        'portRangeBegin': INT,
        'portRangeEnd': INT,
        'icmpType': INT,
        'icmpCode': INT,
        'tcpFilters': Obj(
            {flag: BOOL for flag in _TCP_FLAGS}
            | {'not' + flag.capitalize(): BOOL for flag in _TCP_FLAGS if flag != 'established'}
        ),
    },
    required=('action', 'dstPrefix', 'protocol', 'seq', 'srcPrefix'),
)

# gateway.githedgehog.com/v1alpha1 (crds-gateway/). Durations (idleTimeout) are Go duration text like "2m0s".
_GATEWAY = Obj(
    {
        'protocolIP': STR,
        'vtepIP': STR,
        'vtepMAC': STR,
        'asn': INT,
        'vtepMTU': INT,
        'interfaces': Obj(values=Obj({'pci': STR, 'kernel': STR, 'ips': Arr(STR), 'mtu': INT})),
        'neighbors': Arr(Obj({'source': STR, 'ip': STR, 'asn': INT})),
        'logs': Obj(
            {
                'default': STR,
                'tags': Obj(values=STR),
                'rateLimit': Obj({'burst': Int(minimum=0), 'replenishPerSecond': Int(minimum=0)}),
            }
        ),
        'profiling': Obj({'enabled': BOOL}),
        'workers': INT,
        'groups': Arr(Obj({'name': STR, 'priority': INT})),
        'flowTableCapacity': INT,
    }
)

_CIDR_OR_NOT = {'cidr': STR, 'not': STR}
_ACL_ENDPOINT = Obj({'cidr': STR, 'vpcSubnet': STR, 'ports': Arr(STR)})
_GATEWAY_PEERING = Obj(
    {
        'gatewayGroup': STR,
        'peering': Obj(
            values=Obj(
                {
                    'expose': Arr(
                        Obj(
                            {
                                'ips': Arr(Obj(_CIDR_OR_NOT | {'vpcSubnet': STR})),
                                'as': Arr(Obj(_CIDR_OR_NOT)),
                                'nat': Obj(
                                    {
                                        'masquerade': Obj({'idleTimeout': STR}),
                                        'portForward': Obj(
                                            {
                                                'idleTimeout': STR,
                                                'ports': Arr(
                                                    Obj(
                                                        {
                                                            'proto': Str(enum=('tcp', 'udp', '')),
                                                            'port': STR,
                                                            'as': STR,
                                                        }
                                                    )
                                                ),
                                            }
                                        ),
                                        'static': Obj(),
                                    }
                                ),
                                'default': BOOL,
                            }
                        )
                    )
                }
            )
        ),
        'acl': Obj(
            {
                'default': Str(enum=('deny', 'deny-unless-exposed', '')),
                'rules': Arr(
                    Obj(
                        {
                            'name': STR,
                            'from': STR,
                            'to': STR,
                            'action': Str(enum=('deny', 'allow')),
                            'match': Obj({'src': Arr(_ACL_ENDPOINT), 'dst': Arr(_ACL_ENDPOINT), 'proto': STR}),
                            'scope': Str(enum=('flow', 'packet', '')),
                            'log': BOOL,
                        },
                        required=('action',),
                    )
                ),
            },
            required=('default',),
        ),
    }
)

SPECS = {
    'VPC': _VPC,
    'VPCAttachment': Obj({'subnet': STR, 'connection': STR, 'nativeVLAN': BOOL}),
    'VPCPeering': Obj(
        {'remote': STR, 'permit': Arr(Obj(values=Obj({'subnets': Arr(STR, 1, 10)})), 1, 10)},
    ),
    'IPv4Namespace': Obj({'subnets': Arr(STR, 1, 20)}),
    'External': Obj(
        {'ipv4Namespace': STR, 'inboundCommunity': STR, 'outboundCommunity': STR, 'static': Obj({'prefixes': Arr(STR)})}
    ),
    'ExternalAttachment': Obj(
        {
            'external': STR,
            'connection': STR,
            'switch': Obj({'ip': STR, 'vlan': INT}),
            'neighbor': Obj({'asn': INT, 'ip': STR}),
            'static': Obj({'remoteIP': STR, 'ip': STR, 'vlan': INT, 'proxy': BOOL}, required=('remoteIP',)),
            'inboundACL': Obj({'statements': Arr(_ACL_STATEMENT)}),
        },
        required=('neighbor', 'switch'),
    ),
    'ExternalPeering': Obj(
        {
            'permit': Obj(
                {
                    'vpc': Obj({'name': STR, 'subnets': Arr(STR)}),
                    'external': Obj({'name': STR, 'prefixes': Arr(Obj({'prefix': STR}))}),
                }
            )
        }
    ),
    'Connection': _CONNECTION,
    'Server': Obj({'description': STR, 'profile': STR}),
    'Switch': _SWITCH,
    'SwitchGroup': Obj(),
    'VLANNamespace': Obj({'ranges': Arr(Obj({'from': INT, 'to': INT}), 1, 20)}),
    'Gateway': _GATEWAY,
    'GatewayGroup': Obj(),
    'GatewayPeering': _GATEWAY_PEERING,
}
