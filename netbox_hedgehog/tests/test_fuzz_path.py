"""The whole path fuzzed (fuzz_path.py, its cases from fuzz_cases.py): hostile files through upload, validate
and ingest, on a real tree and PostgreSQL. A hundred examples here; `benchmarks/bench_fuzz.py` runs this same
test with ten thousand."""

import json
import os
from unittest import mock

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.extra.django import TestCase

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.tests.fuzz_cases import cases
from netbox_hedgehog.tests.fuzz_path import check_case, reset_tree
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

# The suite's count; the benchmark sets more. Each outcome is appended to the report file when one is named.
EXAMPLES_ENV, REPORT_ENV = 'HEDGEHOG_FUZZ_EXAMPLES', 'HEDGEHOG_FUZZ_REPORT'
# The benchmark's ten thousand cases: the durability barriers (os.sync, fsync) are skipped, as what is
# under test here is what becomes of each input, not crash safety (bench_crash.py tests that).
NO_SYNC_ENV = 'HEDGEHOG_FUZZ_NO_SYNC'
EXAMPLES = int(os.environ.get(EXAMPLES_ENV) or 100)


class WholePathFuzzTest(TemporaryGitopsRootMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='fuzz')
        self.tree = self.gitops_root / 'fuzz'
        report = os.environ.get(REPORT_ENV)
        self.report = open(report, 'a', encoding='utf-8', buffering=1) if report else None  # noqa: SIM115
        if self.report:
            self.addCleanup(self.report.close)
        if os.environ.get(NO_SYNC_ENV):
            for name in ('sync', 'fsync'):
                patcher = mock.patch.object(os, name, lambda *args: None)
                patcher.start()
                self.addCleanup(patcher.stop)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        # Shrinking a case through NetBox takes minutes; the failing case is printed as generated.
        phases=[Phase.explicit, Phase.generate, Phase.target],
        derandomize=EXAMPLES_ENV not in os.environ,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(cases())
    def test_no_input_escapes_as_an_exception_or_loses_a_document(self, case):
        reset_tree(self.tree)
        # The run's database rows are rolled back after each example (hypothesis' Django TestCase).
        figures = check_case(self, self.fabric, self.tree, case)
        if self.report:
            self.report.write(json.dumps(figures) + '\n')
