"""Per-kind spec structure: field types, required fields, enums, patterns, ranges.

The tables below are our own transcription of what the upstream CRD schemas enforce (fabric
master, July 2026), written as small data. Conventions shared with the Kubernetes API server:

- a mapping value of null counts as absent (the API server prunes nulls of non-nullable fields),
  but a null list item is a type error;
- unknown fields are a warning, never an error (newer Hedgehog releases add fields);
- an integer may be written 3 or 3.0, as JSON Schema allows.
"""

import re

__all__ = ('STRUCTURAL_CODES', 'check_structure')

STRUCTURAL_CODES = frozenset(
    {'FIELD_REQUIRED', 'FIELD_TYPE', 'FIELD_ENUM', 'FIELD_PATTERN', 'FIELD_RANGE', 'METADATA_INVALID'}
)


class Str:
    __slots__ = ('enum', 'pattern')

    def __init__(self, enum=None, pattern=None):
        self.enum = enum
        self.pattern = re.compile(pattern) if pattern else None

    def check(self, value, path, add):
        if type(value) is not str:
            add('FIELD_TYPE', path, f'{path} must be a string, not {_type_name(value)}.')
        elif self.enum is not None and value not in self.enum:
            add('FIELD_ENUM', path, f'{path} is {value!r}; allowed: {", ".join(self.enum)}.')
        elif self.pattern is not None and self.pattern.search(value) is None:
            add('FIELD_PATTERN', path, f'{path} {value!r} does not match {self.pattern.pattern}.')


class Int:
    __slots__ = ('maximum', 'minimum')

    def __init__(self, minimum=None, maximum=None):
        self.minimum, self.maximum = minimum, maximum

    def check(self, value, path, add):
        kind = type(value)
        if kind is not int and not (kind is float and value.is_integer()):
            add('FIELD_TYPE', path, f'{path} must be an integer, not {_type_name(value)}.')
        elif (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            add('FIELD_RANGE', path, f'{path} is {value}; allowed: {self.minimum}..{self.maximum}.')


class Bool:
    __slots__ = ()

    def check(self, value, path, add):
        if type(value) is not bool:
            add('FIELD_TYPE', path, f'{path} must be true or false, not {_type_name(value)}.')


class Obj:
    """A mapping with known `fields` (name -> schema), or with any keys mapping to `values`."""

    __slots__ = ('fields', 'required', 'values')

    def __init__(self, fields=None, required=(), values=None):
        self.fields = fields or {}
        self.required = required
        self.values = values

    def check(self, value, path, add):
        if type(value) is not dict:
            add('FIELD_TYPE', path, f'{path} must be a mapping, not {_type_name(value)}.')
            return
        for name in self.required:
            if value.get(name) is None:
                add('FIELD_REQUIRED', f'{path}.{name}', f'{path}.{name} is required.')
        fields, values = self.fields, self.values
        for name, item in value.items():
            if item is None:
                continue
            schema = fields.get(name) or values
            if schema is None:
                add('FIELD_UNKNOWN', f'{path}.{name}', f'{path}.{name} is not a field of this kind.')
            else:
                schema.check(item, f'{path}.{name}', add)


class Arr:
    __slots__ = ('items', 'max_items', 'min_items')

    def __init__(self, items, min_items=None, max_items=None):
        self.items, self.min_items, self.max_items = items, min_items, max_items

    def check(self, value, path, add):
        if type(value) is not list:
            add('FIELD_TYPE', path, f'{path} must be a list, not {_type_name(value)}.')
            return
        count = len(value)
        if (self.min_items is not None and count < self.min_items) or (
            self.max_items is not None and count > self.max_items
        ):
            add('FIELD_RANGE', path, f'{path} has {count} items; allowed: {self.min_items}..{self.max_items}.')
        items = self.items
        for position, item in enumerate(value):
            if item is None:
                add('FIELD_TYPE', f'{path}[{position}]', f'{path}[{position}] is null.')
            else:
                items.check(item, f'{path}[{position}]', add)


def _type_name(value):
    if value is None:
        return 'null'
    return {dict: 'a mapping', list: 'a list', str: 'a string', bool: 'a boolean', int: 'an integer'}.get(
        type(value), type(value).__name__
    )


def check_structure(kind, obj, add):
    """Check the top level and the spec of a defaulted object of registered kind `kind`."""
    for name, value in obj.items():
        if name in ('apiVersion', 'kind'):
            continue  # classification already judged them
        if value is None:
            continue
        if name == 'metadata':
            if type(value) is not dict:
                add('METADATA_INVALID', 'metadata', f'metadata must be a mapping, not {_type_name(value)}.')
        elif name == 'spec':
            SPECS[kind].check(value, 'spec', add)
        elif name == 'status':
            _STATUS.check(value, 'status', add)
        else:
            add('FIELD_UNKNOWN', name, f'{name} is not a top-level field of a Kubernetes object.')


# --- The tables ------------------------------------------------------------------------------

# Exactly the CRDs' patterns for link addresses (the Go kubebuilder markers).
_CIDR_PATTERN = r'^((25[0-5]|(2[0-4]|1\d|[1-9]|)\d)\.?\b){4}/([1-2]?[0-9]|3[0-2])$'
_IP_PATTERN = r'^((25[0-5]|(2[0-4]|1\d|[1-9]|)\d)\.?\b){4}$'

STR, INT, BOOL = Str(), Int(), Bool()


class _Anything:
    __slots__ = ()

    def check(self, value, path, add):
        pass


# Status is the cluster's business (and removed on ingestion): any mapping will do.
_STATUS = Obj(values=_Anything())

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
