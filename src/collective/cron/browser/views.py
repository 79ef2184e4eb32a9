# -*- coding: utf-8 -*-
"""The pages that show: the list of crons with the engine box, a cron's page.

They only read: the buttons on them post to the pages of ``actions.py``
and ``forms.py``.
"""
from collective.cron import _
from collective.cron import clock
from collective.cron import health
from collective.cron import logger
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

    def traverse_item(self, request, name):
        cron = self.crontab.crons.get(name)
        if cron is None:
            page = NotFoundPage(self, request)
            page.uid = name
            return page
        return getMultiAdapter((CronItem(self, cron), request), name=CRON_VIEW)

    def crons(self):
        return [self.cron_info(cron) for cron in self.crontab.crons.values()]

    def engine(self):
        state = health.engine_state(self.context)
        state[u"warnings"] = engine_warnings(self.context, self.crontab, state)
        return state

    @property
    def unreadable(self):
        return len(self.crontab.unreadable)


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
                clock.now(),
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
