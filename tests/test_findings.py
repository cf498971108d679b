"""The one finding shape: a message never repeats the file shown beside it; one order on every surface."""

from netbox_hedgehog.core.findings import Finding, Severity, in_file_order


def finding(message, file='raw/a.yaml', line=None, document=None):
    return Finding(Severity.ERROR, 'CODE', message, file, line, document)


def test_a_message_opening_with_its_file_names_it_it():
    assert finding('raw/a.yaml could not be read (Input/output error).').message == (
        'It could not be read (Input/output error).'
    )
    assert finding('raw/a.yaml: the file name is not UTF-8 text.').message == 'The file name is not UTF-8 text.'
    # Near misses: another file, a longer name with the same start, and no file at all are left as written.
    assert finding('raw/b.yaml could not be read.').message == 'raw/b.yaml could not be read.'
    assert finding('raw/a.yaml.orig is in the way.').message == 'raw/a.yaml.orig is in the way.'
    assert finding('raw/a.yaml is gone.', file='').message == 'raw/a.yaml is gone.'


def test_a_stored_finding_reads_back_the_same():
    stored = finding('raw/a.yaml could not be read.').as_dict()
    assert Finding.from_dict(stored).as_dict() == stored


def test_findings_come_by_file_then_line_the_files_own_first():
    unordered = [
        finding('b3', 'raw/b.yaml', 3, 0),
        finding('fabric'),
        finding('a9', 'raw/a.yaml', 9, 1),
        finding('a-file', 'raw/a.yaml'),
        finding('a2', 'raw/a.yaml', 2, 0),
        finding('a2-again', 'raw/a.yaml', 2, 0),
    ]
    unordered[1] = Finding(Severity.INFO, 'CODE', 'fabric')
    assert [f.message for f in in_file_order(unordered)] == ['fabric', 'a-file', 'a2', 'a2-again', 'a9', 'b3']
