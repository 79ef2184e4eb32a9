# -*- coding: utf-8 -*-
"""The pages that show: the list of crons with the engine box, a cron's page.

They only read: the buttons on them post to the pages of ``actions.py``
and ``forms.py``.
"""

from collective.cron import _
from collective.cron import clock
from collective.cron import health
from collective.cron import listing
from collective.cron import logger
from collective.cron import pause
from collective.cron import periodicity
from collective.cron.browser import helpers
from collective.cron.browser.base import CRON_VIEW
from collective.cron.browser.base import CronItem
from collective.cron.browser.base import DashboardPage
from collective.cron.browser.base import ICronPage
from collective.cron.browser.base import IDashboardPage
from collective.cron.browser.base import ILogsPage
from collective.cron.browser.base import NotFoundPage
from plone.batching import Batch
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from ZODB.POSException import ConflictError
from zope.component import getMultiAdapter
from zope.interface import implementer

import datetime
import json

LOGS_PAGE_SIZE = 20
PREVIEW_COUNT = 5

FILTER_LABELS = {
    u"active": _(u"filter_active", default=u"Active"),
    u"paused": _(u"filter_paused", default=u"Paused"),
    u"failing": _(u"filter_failing", default=u"Failing (last run failed)"),
    u"norunner": _(u"filter_norunner", default=u"No runner"),
}

SORT_LABELS = {
    u"name": _(u"sort_name", default=u"Name"),
    u"next": _(u"sort_next", default=u"Next run"),
    u"last_run": _(u"sort_last_run", default=u"Last run"),
    u"status": _(u"sort_status", default=u"Last status"),
}

# How old a worker's heartbeat may be before the dashboard warns, at least:
# workers show they are alive about once a minute.
MIN_HEARTBEAT_AGE = 120


def engine_warnings(site, crontab, state, now=None):
    """What people must know about the job system (``health.engine_state``)."""
    if health.queue_manager(site) is None:
        return [
            _(
                u"warning_no_job_system",
                default=u"No job system is available: crons are saved but "
                u"will not run. Install huey (Python 3) or plone.app.async "
                u"(Python 2.7) and check the collective.cron section of "
                u"zope.conf.",
            )
        ]
    if state["reachable"] is False:
        error = state["error"] or helpers.translated(
            _(u"unknown_error", default=u"unknown error")
        )
        return [
            _(
                u"warning_queue_unreachable",
                default=u"The job queue cannot be reached: ${error}",
                mapping={u"error": error},
            )
        ]
    period = helpers.shortest_period(crontab) if crontab.activated else None
    if period is None:
        return []
    heartbeat = state["heartbeat"]
    if heartbeat is None:
        return [
            _(
                u"warning_no_heartbeat",
                default=u"No worker has shown any sign of life yet: start a "
                u"worker (an instance with the worker on, or "
                u"collective-cron-worker) or the crons will not run.",
            )
        ]
    now = now if now is not None else clock.now()
    age = now - clock.as_utc(heartbeat)
    if age <= datetime.timedelta(seconds=max(period, MIN_HEARTBEAT_AGE)):
        return []
    return [
        _(
            u"warning_old_heartbeat",
            default=u"No worker has shown any sign of life for ${age}, "
            u"longer than the shortest period of the active crons "
            u"(${period}): are the workers running?",
            mapping={
                u"age": helpers.translated(helpers.format_age(age.total_seconds())),
                u"period": helpers.translated(helpers.format_period(period)),
            },
        )
    ]


@implementer(IDashboardPage)
class CronDashboard(DashboardPage):
    """The Cron Dashboard: every cron of the site and the job system's state."""

    template = ViewPageTemplateFile("templates/dashboard.pt")
    control_panel_menu = True

    def traverse_item(self, request, name):
        cron = self.crontab.crons.get(name)
        if cron is None:
            page = NotFoundPage(self, request)
            page.uid = name
            return page
        return getMultiAdapter((CronItem(self, cron), request), name=CRON_VIEW)

    @property
    def query(self):
        if getattr(self, "_query", None) is None:
            self._query = listing.Query.from_form(self.request.form)
        return self._query

    def matching(self):
        """The crons that match the query, sorted (nothing formatted yet)."""
        if getattr(self, "_matching", None) is None:
            names = None
            if u"norunner" in self.query.status:
                names = helpers.runner_factories(self.context).keys()
            self._matching = listing.select(
                self.crontab, self.query, names, summaries=self.summaries
            )
        return self._matching

    @property
    def summaries(self):
        """Every cron as the list reads it: its summary, not the cron
        (``listing.Summaries``); the page's crons are read alone."""
        if getattr(self, "_summaries", None) is None:
            self._summaries = listing.Summaries(self.crontab)
        return self._summaries

    @property
    def page_size(self):
        return listing.page_size(self.request.form.get("b_size"))

    def batch(self):
        """The page of the list shown: only its crons are formatted."""
        if getattr(self, "_batch", None) is None:
            crons = self.matching()
            size = self.page_size
            start = listing.page_start(
                self.request.form.get("b_start"), len(crons), size
            )
            self._batch = Batch(crons, size, start)
        return self._batch

    def crons(self):
        return [self.cron_info(cron) for cron in self.batch()]

    @property
    def total(self):
        return len(self.summaries)

    def batch_navigation(self):
        """Plone's batch links; they carry the query string along."""
        batch = self.batch()
        if batch.sequence_length <= batch.size:
            return u""
        navigation = getMultiAdapter(
            (self.context, self.request), name="batchnavigation"
        )
        return navigation(batch)

    def query_fields(self):
        """The query as hidden fields, for the bulk form ("all matching")."""
        return self.query.params()

    def page_sizes(self):
        return [
            {u"value": size, u"selected": size == self.page_size}
            for size in listing.PAGE_SIZES
        ]

    def status_filters(self):
        return [
            {
                u"value": value,
                u"label": FILTER_LABELS[value],
                u"checked": value in self.query.status,
            }
            for value in listing.STATUS_FILTERS
        ]

    def sort_options(self):
        return [
            {
                u"value": value,
                u"label": SORT_LABELS[value],
                u"selected": value == self.query.sort_on,
            }
            for value in listing.SORT_KEYS
        ]

    def engine(self):
        state = health.engine_state(self.context)
        state[u"warnings"] = engine_warnings(self.context, self.summaries, state)
        return state

    @property
    def unreadable(self):
        return self.summaries.unreadable


@implementer(ICronPage)
class CronPage(DashboardPage):
    """One cron: its settings, its queued jobs, its logs (newest first)."""

    template = ViewPageTemplateFile("templates/cron.pt")

    @property
    def page_title(self):
        return self.cron.name

    @property
    def info(self):
        return self.cron_info(self.cron)

    @property
    def runner_title(self):
        factory = helpers.runner_factories(self.context).get(self.cron.name)
        return helpers.runner_title(factory) if factory is not None else u""

    @property
    def environ(self):
        return json.dumps(self.cron.environ, indent=2, sort_keys=True)

    def upcoming(self):
        if not self.cron.active:
            return []
        try:
            runs = periodicity.next_occurrences(
                self.cron.periodicity,
                pause.schedule_from(self.cron.paused_until, clock.now()),
                self.cron.effective_timezone,
                count=PREVIEW_COUNT,
            )
        except ValueError:
            return []
        return [{u"time": self.time(run), u"iso": self.iso(run)} for run in runs]

    def jobs(self):
        """The cron's jobs in the queue, or None without a job system."""
        queue = health.queue_manager(self.context)
        if queue is None:
            return None
        try:
            jobs = list(queue.jobs(self.cron.uid))
        except ConflictError:
            raise
        except Exception:  # the engine box says what is wrong
            logger.exception("Cannot list the jobs of cron %s", self.cron.uid)
            return None
        return [
            {
                u"id": job.get("id"),
                u"time": self.time(job.get("when")),
                u"relative": self.relative(job.get("when")),
                u"trigger": self.trigger_label(job.get("trigger")),
                u"status": helpers.JOB_STATUS_LABELS.get(
                    job.get("status"), job.get("status")
                ),
            }
            for job in sorted(jobs, key=lambda job: job.get("when") or clock.now())
        ]

    def logs(self):
        """A batch of (index, log) pairs, newest first.

        Only the logs of the page shown are formatted (``log_info``): a
        cron may keep thousands.
        """
        newest_first = list(reversed(list(enumerate(self.cron.logs))))
        try:
            start = max(0, int(self.request.form.get("b_start", 0)))
        except (TypeError, ValueError):
            start = 0
        if start >= len(newest_first):
            start = 0
        return Batch(newest_first, LOGS_PAGE_SIZE, start)

    def entry(self, item):
        index, log = item
        return self.log_info(log, index)

    @property
    def user_label(self):
        if self.cron.user:
            return self.cron.user
        return _(u"label_system_user", default=u"System user (Manager role)")


@implementer(ILogsPage)
class LogsFolder(DashboardPage):
    """``<uid>/logs``: only leads to ``clear``; shown alone, the cron's page."""

    def __call__(self):
        self.check_permission()
        return self.redirect(self.cron_url() + u"#logs")
