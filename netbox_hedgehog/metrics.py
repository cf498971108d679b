"""Prometheus metrics of every fabric on NetBox's /metrics (METRICS_ENABLED = True).

A collector, asked at each scrape: health status, score, findings by severity and the raw/ backlog
come from the latest scheduled health check (`health_jobs.latest_summaries`); the GitOps status and
the age of the last ingestion are columns; the automatic repairs are counted from the change log
(gitops/selfheal.py). NetBox serves /metrics to anyone, so a scrape reads three queries' worth of
stored state and never touches a tree (a `git push` can fill raw/ with any number of files). With
prometheus_client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`), django-prometheus exports only the
multiprocess registry and these metrics are not shown.
"""

import logging
from datetime import datetime

from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.core.health_status import EXIT_CODES, HealthStatus
from netbox_hedgehog.health_jobs import latest_summaries
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.selfheal import repair_counts

__all__ = ('HedgehogCollector', 'register')

logger = logging.getLogger('netbox_hedgehog.metrics')


class HedgehogCollector(Collector):
    def collect(self):
        try:
            families = self._families()
        except Exception:  # a scrape must still show NetBox's own metrics
            logger.exception('event=metrics_failed')
            return
        yield from families

    def describe(self):
        """The metric names without samples: registering asks for them, and must not query the database
        (it happens while Django starts)."""
        return list(_empty_families().values())

    def _families(self):
        families = _empty_families()
        health, score, findings, checked, gitops, backlog, age, repairs = families.values()
        summaries = latest_summaries()
        repaired = repair_counts()
        now = timezone.now()
        for fabric in HedgehogFabric.objects.all():
            name = fabric.name
            repairs.add_metric([name], repaired.get(fabric.pk, 0))
            for status in GitOpsStatusChoices.values():
                gitops.add_metric([name, status], 1 if fabric.gitops_status == status else 0)
            if fabric.last_ingested:
                age.add_metric([name], (now - fabric.last_ingested).total_seconds())
            recorded = summaries.get(name)
            if not recorded or 'status' not in recorded:
                continue
            if (waiting := recorded.get('stats', {}).get('raw_backlog')) is not None:
                backlog.add_metric([name], waiting)
            health.add_metric([name], EXIT_CODES[HealthStatus(recorded['status'])])
            score.add_metric([name], recorded['score'])
            for severity, count in recorded['counts'].items():
                findings.add_metric([name, severity], count)
            checked.add_metric([name], datetime.fromisoformat(recorded['checked']).timestamp())
        return list(families.values())


def _empty_families():
    health = GaugeMetricFamily(
        'hedgehog_fabric_health', 'Health of the fabric tree: 0 healthy, 1 degraded, 2 unhealthy', labels=['fabric']
    )
    score = GaugeMetricFamily('hedgehog_fabric_health_score', 'Health score 0-100', labels=['fabric'])
    findings = GaugeMetricFamily(
        'hedgehog_fabric_health_findings', 'Findings of the last health check', labels=['fabric', 'severity']
    )
    checked = GaugeMetricFamily(
        'hedgehog_fabric_health_checked_timestamp_seconds', 'When the last health check ran', labels=['fabric']
    )
    gitops = GaugeMetricFamily(
        'hedgehog_fabric_gitops_status',
        'GitOps status of the fabric (1 for the current one)',
        labels=['fabric', 'status'],
    )
    backlog = GaugeMetricFamily(
        'hedgehog_fabric_raw_backlog_files', 'Files waiting in raw/ at the last health check', labels=['fabric']
    )
    age = GaugeMetricFamily(
        'hedgehog_fabric_last_ingestion_age_seconds', 'Seconds since the last ingestion finished', labels=['fabric']
    )
    repairs = CounterMetricFamily(
        'hedgehog_fabric_self_repairs',
        'Automatic repairs by the scheduled health check (self-healing), as kept in the change log',
        labels=['fabric'],
    )
    return {
        'health': health,
        'score': score,
        'findings': findings,
        'checked': checked,
        'gitops': gitops,
        'backlog': backlog,
        'age': age,
        'repairs': repairs,
    }


_collector = HedgehogCollector()
_registered = []


def register(registry=REGISTRY):
    """Add the collector to `registry` once (NetBox's /metrics exports the default registry)."""
    if not any(done is registry for done in _registered):
        registry.register(_collector)
        _registered.append(registry)
