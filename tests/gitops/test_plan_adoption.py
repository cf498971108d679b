"""What the plan finds adoptable in unmanaged/, and that an adopted file is planned afresh, never settled."""

from netbox_hedgehog.core.foreign import FOREIGN_HEADER, adoptable_document
from netbox_hedgehog.core.plan import make_plan
from netbox_hedgehog.core.plan_model import DocumentAction, RawFile

GATEWAY = (
    b'apiVersion: gateway.githedgehog.com/v1alpha1\nkind: Gateway\nmetadata:\n  name: gateway-1\n'
    b'spec:\n  interfaces:\n    enp2s1: {}\n'
)
HEADER = (
    FOREIGN_HEADER.encode()
    + b'gateway.githedgehog.com kind Gateway is not managed by this plugin); kept here, not applied.\n'
)


def test_a_filed_document_of_a_kind_managed_now_is_adoptable_without_its_header():
    document, classified = adoptable_document(HEADER + GATEWAY, 'unmanaged/gateway-gateway-1-0123456789ab.yaml')
    assert document == GATEWAY
    assert (classified.kind.kind, classified.name) == ('Gateway', 'gateway-1')


def test_foreign_documents_and_files_not_written_by_ingestion_are_not():
    vpc_info = GATEWAY.replace(b'kind: Gateway', b'kind: VPCInfo')
    assert adoptable_document(HEADER + vpc_info, 'unmanaged/vpcinfo-x.yaml') is None
    assert adoptable_document(GATEWAY, 'unmanaged/gateway-by-hand.yaml') is None  # no reason header
    assert adoptable_document(HEADER + b'kind: [unclosed\n', 'unmanaged/gateway-broken.yaml') is None


def test_an_adopted_file_is_never_settled_by_a_record_of_the_same_bytes():
    path = 'unmanaged/gateway-gateway-1-0123456789ab.yaml'
    raw = RawFile(path, GATEWAY)
    # A record of these very bytes whose output (the unmanaged/ file itself) is in place.
    record = [0, 1, 'foreign', 'Gateway', 'gateway-1', path, 'sha', '']
    plan = make_plan([raw], known_files={raw.sha256: [record]}, in_place={(path, 'sha')})
    (file_plan,) = plan.ingested
    assert not file_plan.settled
    assert [(d.action, d.target) for d in file_plan.documents] == [
        (DocumentAction.CREATE, 'managed/gateways/gateway-1.yaml')
    ]
