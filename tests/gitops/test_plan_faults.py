"""The plan's part in disk faults, without Django: unreadable files and outputs, and outputs that failed."""

from plan_samples import SERVER, VPC

from netbox_hedgehog.core.plan import make_plan
from netbox_hedgehog.core.plan_model import FileAction, RawFile, Unreadable


def plan(files, current=None, **options):
    return make_plan([RawFile(path, text.encode()) for path, text in files.items()], current, **options)


def test_a_raw_file_that_could_not_be_read_is_rejected_with_the_reason():
    result = plan({'raw/vpc.yaml': VPC}, unreadable=[('raw/bad.yaml', 'Input/output error')])
    assert [(file.path, file.action) for file in result.files] == [
        ('raw/bad.yaml', FileAction.REJECT),
        ('raw/vpc.yaml', FileAction.INGEST),
    ]
    (finding,) = [finding for finding in result.findings() if finding.code == 'INGEST_READ_FAILED']
    assert (finding.code, finding.file) == ('INGEST_READ_FAILED', 'raw/bad.yaml')
    # The message does not repeat the file shown beside it.
    assert finding.message == 'It could not be read (Input/output error): it stays in raw/.'


def test_an_output_that_could_not_be_read_rejects_the_file_bound_there():
    current = {'managed/vpcs/vpc-1.yaml': Unreadable('Too many levels of symbolic links')}
    result = plan({'raw/vpc.yaml': VPC, 'raw/server.yaml': SERVER}, current)
    assert [file.path for file in result.rejected] == ['raw/vpc.yaml']
    (finding,) = [finding for finding in result.findings() if finding.code == 'INGEST_READ_FAILED']
    assert (finding.code, finding.line, finding.path) == ('INGEST_READ_FAILED', 1, 'metadata.name')
    assert 'managed/vpcs/vpc-1.yaml could not be read (Too many levels of symbolic links)' in finding.message


def test_a_failed_output_rejects_every_file_with_a_document_bound_there_duplicates_included():
    result = plan({'raw/a.yaml': VPC + '---\n' + SERVER, 'raw/b.yaml': VPC, 'raw/c.yaml': SERVER})
    assert [document.action.value for document in result.files[1].documents] == ['duplicate']
    in_place = result.reject_unwritten({'managed/vpcs/vpc-1.yaml': 'No space left on device'})
    assert [file.path for file in result.rejected] == ['raw/a.yaml', 'raw/b.yaml']
    assert [file.path for file in result.ingested] == ['raw/c.yaml']
    # What the index must still describe: the documents whose outputs are in place, of any file.
    assert sorted((file.path, document.target) for file, document in in_place) == [
        ('raw/a.yaml', 'managed/servers/server-1.yaml'),
        ('raw/c.yaml', 'managed/servers/server-1.yaml'),
    ]
    found = [(f.file, f.message) for f in result.findings() if f.code == 'INGEST_WRITE_FAILED']
    message = (
        'managed/vpcs/vpc-1.yaml could not be written (No space left on device): VPC vpc-1 stays in raw/, in this file.'
    )
    assert found == [('raw/a.yaml', message), ('raw/b.yaml', message)]
