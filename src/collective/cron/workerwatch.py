# -*- coding: utf-8 -*-
""" "No worker alive": noticed where it can be noticed, alerted once per change.

When no worker runs, no worker can tell: the reconciler runs in a worker.
So the check is made where a request still comes in:

* **Gone** is noticed when the health report is computed
  (``health.site_health``: ``@@cron-health``, REST ``@cron-health``,
  ``@@cron-metrics``), i.e. when an uptime monitor, a load balancer or
  Prometheus polls any instance, a web-only one too.  The workers are gone
  when active crons exist and the newest heartbeat is older than the
  shortest period of the active crons (at least ``health.HEARTBEAT_MAX_AGE``).
* **Back** is noticed by the same report, and by the reconciler of a
  worker that starts or runs again (:func:`worker_alive`): a worker that
  reconciles is alive.

Limits, said plainly: nothing polled, nothing noticed (the alert needs the
health view polled; the poller sees the 503 anyway); a Zope that is down
altogether cannot alert about anything.

**Once per change, from one instance**: the last state is kept in a small
record of its own (``WATCH_KEY`` in the site's annotations), changed in a
short transaction of its own through its own connection (so the polling
GET stays read-only and the run's data are never touched); two instances
that see the change together conflict on the record and the retry sees it
changed.  ``IWorkersChangedEvent`` fires after that commit; the alert
leaves then (``alerts.on_workers``).  Nothing is tracked while alerts or
this alert are switched off.
"""

from collective.cron import clock
from collective.cron import logger
from collective.cron import periodicity
from collective.cron.alertschema import option
from collective.cron.alertschema import settings
from collective.cron.transactions import retry_on_conflict
from collective.cron.utils import annotation_tree
from persistent.mapping import PersistentMapping
from zope.event import notify
from zope.interface import Attribute
from zope.interface import implementer
from zope.interface.interfaces import IObjectEvent
from zope.interface.interfaces import ObjectEvent

import transaction

WATCH_KEY = "collective.cron.workers"
GONE = "no_worker"
BACK = "worker_back"


class IWorkersChangedEvent(IObjectEvent):
    """The site's workers were all gone (``kind`` "no_worker") or one is
    back ("worker_back"); fired once per change, after it committed."""

    kind = Attribute("no_worker or worker_back")
    heartbeat = Attribute("The newest heartbeat seen (aware UTC) or None")
    threshold = Attribute("Seconds without a heartbeat that mean gone")


@implementer(IWorkersChangedEvent)
class WorkersChangedEvent(ObjectEvent):
    def __init__(self, site, kind, heartbeat=None, threshold=None):
        super(WorkersChangedEvent, self).__init__(site)
        self.kind = kind
        self.heartbeat = heartbeat
        self.threshold = threshold


_periods = {}


def shortest_period(crons, minimum):
    """The shortest period (seconds) of ``crons``, at least ``minimum``;
    periods remembered per (expression, zone): few distinct ones."""
    shortest = None
    for cron in crons:
        key = (cron.periodicity, cron.effective_timezone)
        seconds = _periods.get(key)
        if seconds is None:
            try:
                seconds = periodicity.period_seconds(*key)
            except Exception:  # an unreadable stored expression: ignored
                seconds = 0
            if len(_periods) > 4096:
                _periods.clear()
            _periods[key] = seconds
        if seconds and (shortest is None or seconds < shortest):
            shortest = seconds
    return max(minimum, shortest or 0)


def _wanted():
    config = settings()
    return bool(
        config is not None and config.enabled and option(config, "on_no_worker")
    )


def _remembered(site):
    """The last state recorded (as this transaction sees it), or None."""
    record = annotation_tree(site, WATCH_KEY)
    return record.get("state") if record is not None else None


def observe(site, active, heartbeat, threshold_minimum, now=None):
    """Called with each health report: ``active`` crons, the newest
    ``heartbeat`` of any worker (or None).  Records and announces a change;
    returns the kind announced or None."""
    if not active or not _wanted():
        return None
    now = now or clock.now()
    threshold = shortest_period(active, threshold_minimum)
    age = (now - clock.as_utc(heartbeat)).total_seconds() if heartbeat else None
    kind = GONE if age is None or age > threshold else BACK
    return _change(site, kind, heartbeat, threshold)


def worker_alive(site):
    """Called by the reconciler: this worker is alive.  Announces "back"
    when the workers were remembered as gone."""
    if _remembered(site) != GONE or not _wanted():
        return None
    return _change(site, BACK, clock.now(), None)


def _change(site, kind, heartbeat, threshold):
    remembered = _remembered(site)
    if remembered == kind or (remembered is None and kind == BACK):
        return None  # the usual case: nothing written
    if not _write(site, kind):
        return None
    logger.warning("collective.cron: workers of %s: %s", site.getId(), kind)
    notify(WorkersChangedEvent(site, kind, heartbeat, threshold))
    return kind


def _write(site, kind):
    """Set the record to ``kind`` in a transaction of its own (own
    connection); whether this call changed it."""
    jar = getattr(site, "_p_jar", None)
    oid = getattr(site, "_p_oid", None)
    if jar is None or oid is None:
        return False
    manager = transaction.TransactionManager()
    connection = jar.db().open(transaction_manager=manager)

    def work():
        there = connection.get(oid)
        record = annotation_tree(
            there, WATCH_KEY, create=True, factory=PersistentMapping
        )
        if record.get("state") == kind:
            return False
        record["state"] = kind
        record["since"] = clock.to_iso(clock.now())
        return True

    try:
        return retry_on_conflict(
            work, note=u"collective.cron: workers %s" % kind, manager=manager
        )
    except Exception:  # a read-only database, say: no alert, no failure
        logger.exception("collective.cron: the workers' state was not recorded")
        return False
    finally:
        connection.close()
