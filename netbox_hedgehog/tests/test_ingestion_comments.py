"""Comments belong to the document they describe: real lab files ingested, their managed files byte for byte.

What goes into no managed file (a file's header, a section comment set apart by a blank line, commented-out
documents) is kept verbatim in the run's provenance record for its raw file: nothing a person wrote is lost.
"""

import json

from django.test import TestCase

from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.run_records import PROVENANCE_LOG
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.test_ingestion import IngestionTestMixin


def lines(text, first, last):
    """Lines `first` to `last` (1-based, inclusive) of `text`, each with its newline."""
    return ''.join(text.splitlines(keepends=True)[first - 1 : last])


class CommentPlacementTest(IngestionTestMixin, TestCase):
    def ingest_file(self, name, text):
        self.drop(name, text)
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0, outcome.run.findings)
        return outcome.run

    def assert_managed(self, directory, name, text):
        self.assertEqual(self.managed(directory, name).read_bytes(), text.encode())

    def kept_comments(self, run, source):
        """The comments the run's provenance keeps for `source`, from the log in .hnp/ (the run's record in
        NetBox holds the same)."""
        (line,) = (self.tree / '.hnp' / PROVENANCE_LOG).read_text().splitlines()
        entries = json.loads(line)['entries']
        self.assertEqual(entries, run.provenance)
        return [
            (entry['line'], entry['text'])
            for entry in entries
            if entry['source'] == source and entry['action'] == 'comment'
        ]

    def test_a_file_header_set_apart_by_a_blank_line_goes_into_no_managed_file(self):
        acl = samples.ACL_OVERLAY
        run = self.ingest_file('wiring-port-acl.yaml', acl)
        self.assert_managed('externals', 'acl-test', lines(acl, 20, 28))
        self.assert_managed('connections', 'ds3000-01--external--acl-test', lines(acl, 30, 38))
        self.assert_managed(
            'externalattachments', 'ds3000-01--acl-test', lines(acl, 40, 50) + '  switch: {}\n  neighbor: {}\n'
        )
        self.assertEqual(self.kept_comments(run, 'raw/wiring-port-acl.yaml'), [(1, lines(acl, 1, 18).rstrip('\n'))])

    def test_section_comments_and_commented_out_documents_go_into_no_managed_file(self):
        lab = samples.LAB_WIRING
        run = self.ingest_file('wiring.yaml', lab)
        # "### Basic entities" is set apart from the VLANNamespace by a blank line.
        self.assert_managed('vlannamespaces', 'default', lines(lab, 5, 12))
        # Four commented-out ExternalAttachments follow this Connection's last line.
        self.assert_managed('connections', 'sse-c4632-01--external--ds2000-02', lines(lab, 14, 24))
        # A commented-out server-4 and its Connection follow this one.
        self.assert_managed('connections', 'server-3--bundled--ds3000-01', lines(lab, 87, 101))
        self.assert_managed('servers', 'server-3', lines(lab, 82, 85))
        self.assert_managed('servers', 'server-5', lines(lab, 120, 123))
        kept = self.kept_comments(run, 'raw/wiring.yaml')
        self.assertEqual(
            kept, [(first, lines(lab, first, last).rstrip('\n')) for first, last in ((1, 3), (25, 80), (102, 118))]
        )
        self.assertEqual(kept[1][1].count('# kind: ExternalAttachment\n'), 4)
        self.assertIn('#   name: server-4\n', kept[2][1])

    def test_a_comment_right_above_a_document_or_inside_it_goes_with_it(self):
        run = self.ingest_file('wiring.yaml', samples.WIRING)
        switch = self.managed('switches', 'leaf-01').read_text()
        self.assertEqual(switch, lines(samples.WIRING, 1, 9))  # the banner above and the comment inside
        self.assertEqual(self.kept_comments(run, 'raw/wiring.yaml'), [])
