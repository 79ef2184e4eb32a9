# -*- coding: utf-8 -*-
"""The site's crons as Prometheus / OpenMetrics metrics (``@@cron-metrics``).

Written with the official ``prometheus_client`` exposition: a
:class:`CronCollector` (a custom collector, computing everything at scrape
time from the site) is registered in a private ``CollectorRegistry`` made
for each request, never in the library's global registry (which would
mix sites and keep them alive).

Metrics (labels ``cron`` = uid, ``name`` = the cron's runner name):

* ``collective_cron_runs`` (counter): runs by cron and status (NOTRUN:
  occurrences logged as not run), monotonic: read from the counters each
  recorded run adds to in the cron's run state (``collective.cron.runstats``),
  so a scrape reads one small dict per cron, not its logs;
* ``collective_cron_run_duration_seconds`` (histogram): run durations,
  from the same counters;
* ``collective_cron_last_success_timestamp_seconds`` (gauge): the end of
  the newest OK or WARN run;

A cron with no counters yet (not run since they exist, on a site not
upgraded to 3002) is counted from its logs, once per process.
* ``collective_cron_queued_jobs`` (gauge): jobs of this site in the queue;
* ``collective_cron_worker_heartbeat_age_seconds`` (gauge, label
  ``instance``): seconds since each worker's last heartbeat;
* ``collective_cron_healthy`` (gauge): 1 unless ``@@cron-health`` says
  unhealthy, with the status as a label.

Who may read them: holders of "collective.cron: Manage crons", or a caller
with the token of ``metrics-token`` in zope.conf's ``<product-config
collective.cron>`` (or the ``COLLECTIVE_CRON_METRICS_TOKEN`` environment
variable), sent as ``Authorization: Bearer <token>``; compared in constant
time.  Without a token configured, only the permission opens it.
"""

from collective.cron import clock
from collective.cron import config
from collective.cron.compat import as_text
from collective.cron.crontab import Crontab
from collective.cron.health import engine_state
from collective.cron.health import queue_manager
from collective.cron.health import site_health
from collective.cron.health import UNHEALTHY
from collective.cron.listing import Summaries
from collective.cron.log import FAILURE
from collective.cron.log import NOTRUN
from collective.cron.log import OK
from collective.cron.log import WARN
from collective.cron.runstats import counters_of
from collective.cron.runstats import DURATION_BUCKETS
from collective.cron.state import states
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.exposition import choose_encoder
from ZODB.POSException import ConflictError

import calendar
import hmac
import os

PREFIX = "collective_cron_"
STATUS_NAMES = ((OK, "ok"), (WARN, "warn"), (FAILURE, "failure"), (NOTRUN, "notrun"))
TOKEN_KEY = "metrics-token"
TOKEN_VARIABLE = "COLLECTIVE_CRON_METRICS_TOKEN"


def configured_token():
    """The scrape token (environment over zope.conf), or None."""
    token = os.environ.get(TOKEN_VARIABLE)
    if token is None:
        token = config.product_config().get(TOKEN_KEY)
    token = (token or "").strip()
    return token or None


def token_matches(given, expected=None):
    """Whether ``given`` is the configured token, in constant time."""
    expected = expected if expected is not None else configured_token()
    if not expected or not given:
        return False
    return hmac.compare_digest(
        as_text(given).encode("utf-8"), as_text(expected).encode("utf-8")
    )


def bearer_token(request):
    """The token of an ``Authorization: Bearer ...`` header, or None.

    Zope moves that header out of the environment into ``request._auth``.
    """
    header = getattr(request, "_auth", None) or request.getHeader("Authorization")
    header = as_text(header or "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _timestamp(when):
    return calendar.timegm(clock.as_utc(when).utctimetuple()) + (
        clock.as_utc(when).microsecond / 1e6
    )


def _buckets(counts):
    """Cumulative (upper bound, count) pairs, ``+Inf`` last, of the
    per-bucket ``counts`` of ``runstats`` (``+Inf`` bucket last)."""
    buckets = []
    total = 0
    for bound, count in zip(DURATION_BUCKETS + (None,), counts):
        total += count
        buckets.append(("+Inf" if bound is None else repr(bound), total))
    return buckets


class CronCollector(object):
    """A prometheus_client collector over one site's crons, read at scrape."""

    def __init__(self, site):
        self.site = site

    def collect(self):
        site = self.site
        labels = ["cron", "name"]
        runs = CounterMetricFamily(
            PREFIX + "runs",
            "Runs by cron and status",
            labels=labels + ["status"],
        )
        durations = HistogramMetricFamily(
            PREFIX + "run_duration_seconds",
            "Duration of the runs",
            labels=labels,
        )
        last_success = GaugeMetricFamily(
            PREFIX + "last_success_timestamp_seconds",
            "End of the newest successful (OK or WARN) run",
            labels=labels,
        )
        # Summaries: uid and name from the records, no Cron built.
        crons = Summaries(Crontab.load(site, read_only=True)).items
        tree = states(site)
        for cron in crons:
            state = tree.get(cron.uid) if tree is not None else None
            counters = counters_of(site, cron.uid, state)
            key = [as_text(cron.uid), as_text(cron.name)]
            for status, status_name in STATUS_NAMES:
                runs.add_metric(key + [status_name], counters["runs"].get(status, 0))
            durations.add_metric(
                key, _buckets(counters["buckets"]), counters["duration_sum"]
            )
            if counters["last_success"] is not None:
                last_success.add_metric(key, _timestamp(counters["last_success"]))
        yield runs
        yield durations
        yield last_success
        for family in self._engine():
            yield family

    def _engine(self):
        site = self.site
        queued = GaugeMetricFamily(
            PREFIX + "queued_jobs", "Jobs of this site waiting in the queue"
        )
        queue = queue_manager(site)
        count = None
        if queue is not None and engine_state(site)["reachable"]:
            try:
                count = len(queue.jobs())
            except ConflictError:
                raise
            except Exception:  # the queue went away: the gauge is absent
                count = None
        if count is not None:
            queued.add_metric([], count)
        yield queued
        report = site_health(site)
        ages = GaugeMetricFamily(
            PREFIX + "worker_heartbeat_age_seconds",
            "Seconds since the last heartbeat of each worker",
            labels=["instance"],
        )
        for worker in report["workers"]:
            if worker["age"] is not None:
                ages.add_metric([as_text(worker["instance"] or "")], worker["age"])
        yield ages
        healthy = GaugeMetricFamily(
            PREFIX + "healthy",
            "1 unless @@cron-health says unhealthy",
            labels=["status"],
        )
        healthy.add_metric(
            [report["status"]], 0 if report["status"] == UNHEALTHY else 1
        )
        yield healthy


def exposition(site, accept=None):
    """(body bytes, content type) of the site's metrics, in the format the
    ``Accept`` header asks for (OpenMetrics or Prometheus text)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CronCollector(site))
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type
