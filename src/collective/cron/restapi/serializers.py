# -*- coding: utf-8 -*-
"""JSON forms of the crontab, its crons and their logs.

Small adapters in plone.restapi's style, so that an add-on can replace one
(``ISerializeToJson`` / ``ISerializeToJsonSummary`` on the model and the
request)::

    serializer = getMultiAdapter((cron, request), ISerializeToJson)
    data = serializer()
"""

from collective.cron import clock
from collective.cron import health
from collective.cron import listing
from collective.cron import periodicity
from collective.cron.compat import native_string
from collective.cron.compat import quote
from collective.cron.interfaces import ICron
from collective.cron.interfaces import ICrontab
from collective.cron.interfaces import ILog
from collective.cron.state import run_overdue
from plone.restapi.batching import HypermediaBatch
from plone.restapi.interfaces import ISerializeToJson
from plone.restapi.interfaces import ISerializeToJsonSummary
from zope.component import adapter
from zope.component import getMultiAdapter
from zope.component.hooks import getSite
from zope.interface import implementer
from zope.publisher.interfaces import IRequest

SERVICE = "@crons"
NEXT_RUNS = 5


def crons_url(site=None):
    """URL of the ``@crons`` endpoint of ``site`` (default: current site)."""
    site = site if site is not None else getSite()
    return "%s/%s" % (site.absolute_url(), SERVICE)


def cron_url(cron, site=None):
    if site is None and cron.crontab is not None:
        site = getattr(cron.crontab, "site", None)
    return "%s/%s" % (crons_url(site), quote_segment(cron.uid))


def quote_segment(text):
    """``text`` quoted for one URL path segment (UTF-8 on both Pythons)."""
    return quote(native_string(text), safe="")


def request_language(request):
    language = request.get("LANGUAGE", None) or "en"
    return language.split("-")[0]


def runner_names(site):
    from collective.cron.listing import runner_factories

    return runner_factories(site).keys()


def engine_state(site):
    """The job system's state (``health.engine_state``), times as ISO 8601."""
    state = health.engine_state(site)
    heartbeat = state["heartbeat"]
    state["heartbeat"] = clock.to_iso(heartbeat) if heartbeat is not None else None
    return state


@implementer(ISerializeToJson)
@adapter(ILog, IRequest)
class SerializeLogToJson(object):
    """One log: times as ISO 8601 UTC, the status by its name."""

    def __init__(self, log, request):
        self.log = log
        self.request = request

    def __call__(self):
        log = self.log
        return {
            "date": clock.to_iso(log.date),
            "status": log.status_name,
            "messages": list(log.messages),
            "started": clock.to_iso(log.started),
            "duration": log.duration,
            "trigger": log.trigger,
            "instance": log.instance,
            "scheduled": clock.to_iso(log.scheduled),
            "detail": log.detail,
        }


class CronSerializerBase(object):
    """What the summary and the full form of a cron share."""

    def __init__(self, cron, request):
        self.cron = cron
        self.request = request

    def summary(self):
        cron = self.cron
        # What the cron did last: Cron.last_* is the one derivation (2.x
        # logs included), shared with the dashboard.
        return {
            "@id": cron_url(cron),
            "uid": cron.uid,
            "name": cron.name,
            "description": cron.description,
            "activated": cron.activated,
            "active": cron.active,
            "periodicity": cron.periodicity,
            "schedule": periodicity.describe(
                cron.periodicity, request_language(self.request)
            ),
            "timezone": cron.timezone,
            "paused_until": clock.to_iso(cron.paused_until),
            "paused": cron.paused,
            "next": clock.to_iso(cron.next),
            "last_status": cron.last_status,
            "last_run": clock.to_iso(cron.last_run),
        }


@implementer(ISerializeToJsonSummary)
@adapter(ICron, IRequest)
class SerializeCronToJsonSummary(CronSerializerBase):
    """A cron as an item of the listing: what a dashboard row shows."""

    def __call__(self):
        return self.summary()


@implementer(ISerializeToJson)
@adapter(ICron, IRequest)
class SerializeCronToJson(CronSerializerBase):
    """A cron with everything that can be edited and what it did last."""

    def __call__(self):
        cron = self.cron
        data = self.summary()
        last = cron.last_log
        upcoming = []
        if cron.active:
            upcoming = periodicity.next_occurrences(
                cron.periodicity, clock.now(), cron.effective_timezone, NEXT_RUNS
            )
        logstore = cron.logstore
        count = logstore.count(cron.uid) if logstore is not None else 0
        data.update(
            {
                "user": cron.user,
                "environ": dict(cron.environ),
                "logs_limit": cron.logs_limit,
                "missed": cron.missed,
                "timeout": cron.timeout,
                "attempts": cron.attempts,
                "retry_delay": cron.retry_delay,
                "overlap": cron.overlap,
                "ping_start": cron.ping_start,
                "ping_success": cron.ping_success,
                "ping_fail": cron.ping_fail,
                "overdue": run_overdue(getSite(), cron),
                "effective_timezone": cron.effective_timezone,
                "has_runner": cron.has_runner(),
                "next_runs": [clock.to_iso(when) for when in upcoming],
                "last_log": (
                    getMultiAdapter((last, self.request), ISerializeToJson)()
                    if last is not None
                    else None
                ),
                "logs": {
                    "@id": data["@id"] + "/logs",
                    "items_total": count + len(cron.pending_logs),
                },
            }
        )
        return data


@implementer(ISerializeToJson)
@adapter(ICrontab, IRequest)
class SerializeCrontabToJson(object):
    """The crontab: global switch, job system state, crons (batched).

    The crons are those that match ``q``, ``status``, ``sort_on`` and
    ``sort_order`` (as on the dashboard: ``collective.cron.listing``); only the
    page asked for (``b_start``, ``b_size``) is serialised.
    """

    def __init__(self, crontab, request):
        self.crontab = crontab
        self.request = request

    def __call__(self):
        crontab = self.crontab
        site = crontab.site if crontab.site is not None else getSite()
        query = listing.Query.from_form(self.request.form)
        names = None
        if u"norunner" in query.status:
            names = runner_names(site)
        batch = HypermediaBatch(self.request, listing.select(crontab, query, names))
        data = {
            "@id": batch.canonical_url,
            "activated": crontab.activated,
            "engine": engine_state(site),
            "items_total": batch.items_total,
            "items": [
                getMultiAdapter((cron, self.request), ISerializeToJsonSummary)()
                for cron in batch
            ],
        }
        if batch.links:
            data["batching"] = batch.links
        return data
