"""Crash safety: an ingestion killed (SIGKILL) anywhere loses nothing, and a re-run ends where an
uninterrupted run would have. Each trial kills a forked child at a different point."""

import random
import time
from unittest import mock

from django.test import TransactionTestCase

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services import fileops
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.crash import end_state, ingest_when_unlocked, lost_documents, run_killed
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

INPUTS = {
    'raw/wiring.yaml': samples.WIRING.encode(),
    'raw/vpc.yaml': samples.vpc().encode(),
    'raw/attach.yaml': samples.ATTACHMENT_AND_FOREIGN.encode(),
    'raw/legacy.yaml': samples.LEGACY_WITH_SERVER_FIELDS.encode(),
    'raw/rejected.yaml': samples.HALF_INVALID.encode(),
}
RANDOM_TRIALS = 16


class CrashSafetyTest(TemporaryGitopsRootMixin, TransactionTestCase):
    def new_fabric(self, name):
        fabric = HedgehogFabric.objects.create(name=name)
        tree = fabric.layout().path
        for path, data in INPUTS.items():
            (tree / path).write_bytes(data)
        return fabric, tree

    def test_killed_at_every_file_operation_and_at_random_times(self):
        self.kill_and_rerun(seed=20261121)

    def test_killed_at_every_file_operation_and_at_random_times_with_the_writer_forked(self):
        # A large run writes its files in a forked child: a crash point there kills the ingestion too.
        with mock.patch.object(fileops, 'FORK_MIN_FILES', 1):
            self.kill_and_rerun(seed=20261122)

    def kill_and_rerun(self, seed):
        reference, reference_tree = self.new_fabric('reference')
        started = time.perf_counter()
        outcome = ingest(reference, trigger='test')
        duration = time.perf_counter() - started
        expected = end_state(reference, reference_tree)
        # Writes are two operations (temporary file, rename); then each raw removal and the log append.
        operations = 2 * len(outcome.written) + len(outcome.removed) + 1
        self.assertGreater(len(outcome.written), 5)

        trials = [{'after_operations': n} for n in range(1, operations + 1)]
        chance = random.Random(seed)
        trials += [{'after_seconds': chance.uniform(0, duration * 1.5)} for _ in range(RANDOM_TRIALS)]
        killed = 0
        for number, trial in enumerate(trials):
            with self.subTest(**trial):
                fabric, tree = self.new_fabric(f'trial-{number}')
                killed += run_killed(fabric, **trial)
                self.assertEqual(lost_documents(tree, INPUTS), [])
                ingest_when_unlocked(fabric)
                self.assertEqual(end_state(fabric, tree), expected)
        self.assertGreaterEqual(len(trials), 30)
        self.assertGreaterEqual(killed, operations)
