# -*- coding: utf-8 -*-
"""The pages of the Cron Dashboard.

One view, ``@@cron-settings``, is registered (on the site, for the
permission ``collective.cron: Manage crons``); every other page is reached
below it through ``publishTraverse`` and inherits that protection (each
page checks the permission again before doing anything)::

    @@cron-settings                   the list of crons, the engine state
    @@cron-settings/add               add form
    @@cron-settings/switch            the crontab's global on/off switch
    @@cron-settings/bulk              bulk actions on the selected crons
    @@cron-settings/export            the crontab as a JSON file (transfer.py)
    @@cron-settings/import            import such a file (transfer.py)
    @@cron-settings/<uid>             a cron: settings, jobs, logs
    @@cron-settings/<uid>/edit        edit form
    @@cron-settings/<uid>/switch      turn one cron on or off
    @@cron-settings/<uid>/run         run now
    @@cron-settings/<uid>/delete      delete (asks for confirmation)
    @@cron-settings/<uid>/logs/clear  forget one log (``index``) or all

Pages that change something show a confirmation form on GET and act on a
POST that carries plone.protect's token (refused without it), so a link,
a crawler or a forged form never changes a crontab.  An unknown uid gives a
"not found" page with status 404 inside the Plone layout.
"""
from AccessControl import Unauthorized
from collective.cron import _
from collective.cron import clock
from collective.cron import logger
from collective.cron import periodicity
from collective.cron.browser import helpers
from collective.cron.crontab import Crontab
from collective.cron.crontab import STATUS_NAMES
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import ILogStore
from plone.batching import Batch
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.statusmessages.interfaces import IStatusMessage
from ZODB.POSException import ConflictError
from zope.component import queryMultiAdapter
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse

import json


VIEW_NAME = u"@@cron-settings"
LOGS_PAGE_SIZE = 20
PREVIEW_COUNT = 5


class DashboardPage(BrowserView):
    """A page of the Cron Dashboard (base class)."""

    layout = ViewPageTemplateFile("templates/layout.pt")
    template = None
    page_title = _(u"title_dashboard", default=u"Cron Dashboard")

    def __init__(self, context, request, crontab=None, cron=None):
        super(DashboardPage, self).__init__(context, request)
        self._crontab = crontab
        self.cron = cron
        self._language = None

    # -- protection ------------------------------------------------------

    def check_permission(self):
        if not helpers.may_manage(self.context):
            raise Unauthorized(
                "You are not allowed to manage the crons of this site"
            )

    def check_token(self):
        """Refuse a POST without plone.protect's authenticator (Forbidden)."""
        CheckAuthenticator(self.request)

    @property
    def is_post(self):
        return self.request.get("REQUEST_METHOD", "GET").upper() == "POST"

    # -- data --------------------------------------------------------------

    @property
    def crontab(self):
        if self._crontab is None:
            self._crontab = Crontab.load(self.context)
        return self._crontab

    @property
    def dashboard_url(self):
        return u"%s/%s" % (self.context.absolute_url(), VIEW_NAME)

    @property
    def site_setup_url(self):
        return u"%s/@@overview-controlpanel" % self.context.absolute_url()

    def cron_url(self, cron=None):
        cron = cron if cron is not None else self.cron
        return u"%s/%s" % (self.dashboard_url, cron.uid)

    @property
    def static_url(self):
        return u"%s/++resource++collective.cron" % self.context.absolute_url()

    @property
    def language(self):
        if self._language is None:
            self._language = helpers.current_language(self.context, self.request)
        return self._language

    @property
    def site_zone_name(self):
        return self.crontab.default_timezone or periodicity.DEFAULT_TIMEZONE

    @property
    def site_zone(self):
        return helpers.zone_for(self.site_zone_name)

    @property
    def read_only(self):
        return self.crontab.read_only

    # -- presentation --------------------------------------------------------

    def time(self, when):
        return helpers.localized_time(when, self.site_zone)

    def iso(self, when):
        return helpers.iso(when)

    def relative(self, when):
        return helpers.relative_time(when)

    def duration(self, seconds):
        return helpers.format_duration(seconds, self.language)

    def describe(self, expression):
        return periodicity.describe(expression, self.language)

    def status_label(self, status):
        return helpers.STATUS_LABELS.get(status, STATUS_NAMES.get(status, status))

    def status_class(self, status):
        return helpers.STATUS_CLASSES.get(status, u"secondary")

    def trigger_label(self, trigger):
        return helpers.TRIGGER_LABELS.get(trigger, trigger)

    def missed_label(self, policy):
        return helpers.MISSED_LABELS.get(policy, policy)

    def cron_info(self, cron):
        """What the list and the cron's page show of a cron."""
        last = cron.last_log
        next_run = cron.next
        return {
            u"cron": cron,
            u"uid": cron.uid,
            u"url": self.cron_url(cron),
            u"name": cron.name,
            u"description": cron.description,
            u"has_runner": cron.has_runner(self.context),
            u"schedule": self.describe(cron.periodicity),
            u"periodicity": cron.periodicity,
            u"timezone": cron.effective_timezone,
            u"timezone_is_default": not cron.timezone,
            u"activated": cron.activated,
            u"next": next_run,
            u"next_time": self.time(next_run),
            u"next_relative": self.relative(next_run),
            u"last": self.log_info(last) if last is not None else None,
        }

    def log_info(self, log, index=None):
        started = log.started or log.date
        return {
            u"index": index,
            u"log": log,
            u"status": log.status,
            u"status_name": STATUS_NAMES.get(log.status, u""),
            u"status_label": self.status_label(log.status),
            u"status_class": self.status_class(log.status),
            u"trigger": self.trigger_label(log.trigger),
            u"started": started,
            u"started_time": self.time(started),
            u"started_relative": self.relative(started),
            u"iso": self.iso(log.date),
            u"scheduled_time": self.time(log.scheduled) if log.scheduled else u"",
            u"duration": self.duration(log.duration),
            u"instance": log.instance,
            u"messages": log.messages,
            u"detail": log.detail,
        }

    # -- answering -------------------------------------------------------------

    def notify(self, message, kind=u"info"):
        IStatusMessage(self.request).add(message, type=kind)

    def redirect(self, url, message=None, kind=u"info"):
        if message is not None:
            self.notify(message, kind)
        self.request.response.redirect(url)
        return u""

    def refuse_read_only(self, url):
        return self.redirect(
            url,
            _(
                u"message_read_only",
                default=u"The crontab is read-only here: nothing was changed.",
            ),
            u"error",
        )

    def render(self):
        return self.template()

    def __call__(self):
        self.check_permission()
        return self.render()


@implementer(IPublishTraverse)
class NotFoundPage(DashboardPage):
    """An unknown cron (or page of a cron): a friendly page, status 404.

    Traversal happens before Zope knows the user, so it never raises: this
    page comes out of it, and only then does the permission check run, so
    that nobody without the permission learns which uids exist.
    """

    template = ViewPageTemplateFile("templates/notfound.pt")
    page_title = _(u"title_not_found", default=u"Cron not found")

    def __init__(self, context, request, uid=None, crontab=None, cron=None):
        super(NotFoundPage, self).__init__(context, request, crontab, cron)
        self.uid = uid

    def publishTraverse(self, request, name):
        # <unknown uid>/edit, /delete...: the same answer.
        return self

    def __call__(self):
        self.check_permission()
        self.request.response.setStatus(404)
        return self.render()


@implementer(IPublishTraverse)
class CronDashboard(DashboardPage):
    """The Cron Dashboard: every cron of the site and the job system's state."""

    template = ViewPageTemplateFile("templates/dashboard.pt")

    def publishTraverse(self, request, name):
        from collective.cron.browser import forms
        from collective.cron.browser import transfer

        pages = {
            u"add": forms.AddCronPage,
            u"switch": CrontabSwitch,
            u"bulk": BulkActions,
            u"export": transfer.ExportCrontab,
            u"import": transfer.ImportCrontab,
        }
        if name in pages:
            page = pages[name](self.context, request, crontab=self.crontab)
        else:
            cron = self.crontab.crons.get(name)
            if cron is None:
                page = NotFoundPage(self.context, request, uid=name)
            else:
                page = CronPage(self.context, request, crontab=self.crontab, cron=cron)
        page.__name__ = name
        page.__parent__ = self
        return page

    def crons(self):
        return [self.cron_info(cron) for cron in self.crontab.crons.values()]

    def engine(self):
        return helpers.engine_state(self.context, self.crontab)

    @property
    def unreadable(self):
        return len(self.crontab.unreadable)


@implementer(IPublishTraverse)
class CronPage(DashboardPage):
    """One cron: its settings, its queued jobs, its logs (newest first)."""

    template = ViewPageTemplateFile("templates/cron.pt")

    def publishTraverse(self, request, name):
        from collective.cron.browser import forms

        pages = {
            u"edit": forms.EditCronPage,
            u"switch": CronSwitch,
            u"run": RunNow,
            u"delete": DeleteCron,
            u"logs": LogsFolder,
        }
        factory = pages.get(name, NotFoundPage)
        page = factory(self.context, request, crontab=self.crontab, cron=self.cron)
        page.__name__ = name
        page.__parent__ = self
        return page

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
        queue = helpers.queue_manager(self.context)
        if queue is None:
            return None
        try:
            jobs = list(queue.jobs(self.cron.uid))
        except ConflictError:
            raise
        except Exception:  # noqa: the engine box says what is wrong
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
        logs = self.cron.logs
        newest_first = list(reversed(list(enumerate(logs))))
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


# ---------------------------------------------------------------------------
# Changes: GET asks, POST (with the token) acts


class ActionPage(DashboardPage):
    """A change: GET shows a confirmation form, a POST with the token acts."""

    template = ViewPageTemplateFile("templates/confirm.pt")
    confirm_button = _(u"button_confirm", default=u"Confirm")
    confirm_class = u"btn btn-primary context"
    confirm_text = u""

    @property
    def action_url(self):
        return self.request.getURL()

    @property
    def cancel_url(self):
        return self.cron_url() if self.cron is not None else self.dashboard_url

    def confirm_items(self):
        return []

    def hidden_fields(self):
        return []

    def __call__(self):
        self.check_permission()
        if not self.is_post:
            return self.render()
        self.check_token()
        if u"form.button.cancel" in self.request.form:
            return self.redirect(self.cancel_url)
        if self.read_only:
            return self.refuse_read_only(self.cancel_url)
        return self.perform()

    def perform(self):
        raise NotImplementedError


def _flag(value):
    return helpers.text(value).strip().lower() in (u"1", u"true", u"on", u"yes")


class CrontabSwitch(ActionPage):
    """Turn the whole crontab on or off (``activated`` = 1 or 0)."""

    @property
    def turn_on(self):
        value = self.request.form.get("activated")
        if value is None:
            return not self.crontab.activated
        return _flag(value)

    @property
    def page_title(self):
        if self.turn_on:
            return _(u"title_crontab_on", default=u"Turn the crontab on")
        return _(u"title_crontab_off", default=u"Turn the crontab off")

    @property
    def confirm_text(self):
        if self.turn_on:
            return _(
                u"confirm_crontab_on",
                default=u"The active crons will run on schedule again.",
            )
        return _(
            u"confirm_crontab_off",
            default=u"No cron of this site will run until the crontab is "
            u"turned on again.",
        )

    def hidden_fields(self):
        return [(u"activated", u"1" if self.turn_on else u"0")]

    def perform(self):
        turn_on = self.turn_on
        self.crontab.activated = turn_on
        self.crontab.save()
        if turn_on:
            message = _(u"message_crontab_on", default=u"The crontab is on.")
        else:
            message = _(
                u"message_crontab_off",
                default=u"The crontab is off: no cron runs until it is turned on.",
            )
        return self.redirect(self.dashboard_url, message)


class CronSwitch(ActionPage):
    """Turn one cron on or off (``activated`` = 1 or 0)."""

    @property
    def turn_on(self):
        value = self.request.form.get("activated")
        if value is None:
            return not self.cron.activated
        return _flag(value)

    @property
    def page_title(self):
        mapping = {u"name": self.cron.name}
        if self.turn_on:
            return _(u"title_cron_on", default=u"Turn ${name} on", mapping=mapping)
        return _(u"title_cron_off", default=u"Turn ${name} off", mapping=mapping)

    def hidden_fields(self):
        return [(u"activated", u"1" if self.turn_on else u"0")]

    @property
    def cancel_url(self):
        came_from = self.request.form.get("came_from")
        if came_from == u"dashboard":
            return self.dashboard_url
        return self.cron_url()

    def perform(self):
        turn_on = self.turn_on
        self.cron.activated = turn_on
        self.crontab.save()
        mapping = {u"name": self.cron.name}
        if turn_on:
            message = _(u"message_cron_on", default=u"${name} is on.", mapping=mapping)
        else:
            message = _(
                u"message_cron_off", default=u"${name} is off.", mapping=mapping
            )
        return self.redirect(self.cancel_url, message)


def run_cron_now(site, cron):
    """Queue a manual run of ``cron``: (job id or None, message, kind)."""
    mapping = {u"name": cron.name}
    manager = None
    if helpers.queue_manager(site) is not None:
        manager = queryMultiAdapter((site, cron), ICronManager)
    if manager is None:
        return (
            None,
            _(
                u"message_run_no_job_system",
                default=u"Cannot run ${name} now: no job system is available "
                u"(see the engine box of the Cron Dashboard).",
                mapping=mapping,
            ),
            u"error",
        )
    try:
        job = manager.run_now()
    except ConflictError:
        raise
    except Exception as error:  # noqa: the engine's trouble, told to people
        logger.exception("Cannot queue a manual run of cron %s", cron.uid)
        mapping[u"error"] = helpers.hide_password(helpers.text(error))
        return (
            None,
            _(
                u"message_run_failed",
                default=u"Cannot run ${name} now: ${error}",
                mapping=mapping,
            ),
            u"error",
        )
    if job is None:
        # A job system that cannot work (misconfigured engine) queues nothing.
        mapping[u"error"] = _job_system_error(site)
        return (
            None,
            _(
                u"message_run_failed",
                default=u"Cannot run ${name} now: ${error}",
                mapping=mapping,
            ),
            u"error",
        )
    return (
        job,
        _(
            u"message_run_queued",
            default=u"${name} is queued to run now; its log appears here once "
            u"a worker ran it.",
            mapping=mapping,
        ),
        u"info",
    )


def _job_system_error(site):
    state = helpers.engine_state(site, Crontab(), clock.now())
    if state[u"error"]:
        return state[u"error"]
    return helpers.translated(
        _(u"error_job_not_queued", default=u"the job system did not queue the job")
    )


class RunNow(ActionPage):
    """Queue a manual run of the cron (the schedule does not move)."""

    confirm_button = _(u"button_run_now", default=u"Run now")

    @property
    def page_title(self):
        return _(u"title_run_now", default=u"Run ${name} now", mapping={u"name": self.cron.name})

    @property
    def confirm_text(self):
        return _(
            u"confirm_run_now",
            default=u"A worker runs the cron as soon as it can, besides its "
            u"schedule.",
        )

    def perform(self):
        job, message, kind = run_cron_now(self.context, self.cron)
        return self.redirect(self.cron_url(), message, kind)

    def __call__(self):
        # Running reads the crontab only: allowed on a read-only crontab.
        self.check_permission()
        if not self.is_post:
            return self.render()
        self.check_token()
        if u"form.button.cancel" in self.request.form:
            return self.redirect(self.cancel_url)
        return self.perform()


class DeleteCron(ActionPage):
    """Delete the cron and its logs, after a confirmation."""

    confirm_button = _(u"button_delete", default=u"Delete")
    confirm_class = u"btn btn-danger destructive"

    @property
    def page_title(self):
        return _(
            u"title_delete_cron",
            default=u"Delete ${name}?",
            mapping={u"name": self.cron.name},
        )

    @property
    def confirm_text(self):
        return _(
            u"confirm_delete_cron",
            default=u"The cron, its queued jobs and its logs will be removed. "
            u"This cannot be undone.",
        )

    def confirm_items(self):
        return [self.cron_info(self.cron)]

    def perform(self):
        self.crontab.remove_cron(self.cron.uid)
        self.crontab.save()
        return self.redirect(
            self.dashboard_url,
            _(
                u"message_cron_deleted",
                default=u"${name} was deleted.",
                mapping={u"name": self.cron.name},
            ),
        )


@implementer(IPublishTraverse)
class LogsFolder(DashboardPage):
    """``<uid>/logs``: only leads to ``clear``; shown alone, the cron's page."""

    def publishTraverse(self, request, name):
        factory = ClearLogs if name == u"clear" else NotFoundPage
        page = factory(self.context, request, crontab=self.crontab, cron=self.cron)
        page.__name__ = name
        page.__parent__ = self
        return page

    def __call__(self):
        self.check_permission()
        return self.redirect(self.cron_url() + u"#logs")


class ClearLogs(ActionPage):
    """Forget one log (``index`` and ``date`` of the log) or all of them."""

    confirm_button = _(u"button_clear_logs", default=u"Clear the logs")
    confirm_class = u"btn btn-danger destructive"

    @property
    def page_title(self):
        return _(
            u"title_clear_logs",
            default=u"Clear the logs of ${name}?",
            mapping={u"name": self.cron.name},
        )

    @property
    def confirm_text(self):
        return _(
            u"confirm_clear_logs",
            default=u"Every log of this cron will be forgotten.",
        )

    @property
    def cancel_url(self):
        return self.cron_url() + u"#logs"

    def perform(self):
        store = ILogStore(self.context)
        index = self.request.form.get("index")
        if index is None or index == u"":
            store.clear(self.cron.uid)
            return self.redirect(
                self.cancel_url,
                _(u"message_logs_cleared", default=u"The logs were cleared."),
            )
        position = self._find(store, index, self.request.form.get("date"))
        if position is None:
            return self.redirect(
                self.cancel_url,
                _(
                    u"message_log_gone",
                    default=u"This log is not there any more.",
                ),
                u"warning",
            )
        store.remove(self.cron.uid, position)
        return self.redirect(
            self.cancel_url,
            _(u"message_log_removed", default=u"The log was removed."),
        )

    def _find(self, store, index, date):
        """The position of the log shown as ``index``, checked by its date.

        Positions move when runs add logs (and the oldest go): the date
        tells whether the log at ``index`` is still the one that was shown.
        """
        logs = store.logs(self.cron.uid)
        try:
            index = int(index)
        except (TypeError, ValueError):
            return None
        if not date:
            return index if 0 <= index < len(logs) else None
        if 0 <= index < len(logs) and helpers.iso(logs[index].date) == date:
            return index
        for position, log in enumerate(logs):
            if helpers.iso(log.date) == date:
                return position
        return None


class BulkActions(ActionPage):
    """Activate, deactivate, run or delete the selected crons; or switch one.

    The list posts here: ``uids`` (the selection) and one of the buttons
    ``form.button.activate`` / ``deactivate`` / ``run`` / ``delete``; or
    ``form.button.switch`` whose value is the uid of one cron to turn on or
    off.  Deleting asks for a confirmation first (``confirmed``).
    """

    confirm_button = _(u"button_delete", default=u"Delete")
    confirm_class = u"btn btn-danger destructive"
    page_title = _(u"title_delete_crons", default=u"Delete these crons?")

    @property
    def confirm_text(self):
        return _(
            u"confirm_delete_crons",
            default=u"These crons, their queued jobs and their logs will be "
            u"removed. This cannot be undone.",
        )

    def selected(self):
        uids = self.request.form.get("uids") or []
        if not isinstance(uids, (list, tuple)):
            uids = [uids]
        crons = self.crontab.crons
        return [crons[uid] for uid in uids if uid in crons]

    def confirm_items(self):
        return [self.cron_info(cron) for cron in self.selected()]

    def hidden_fields(self):
        fields = [(u"uids:list", cron.uid) for cron in self.selected()]
        fields.append((u"confirmed", u"1"))
        fields.append((u"form.button.delete", u"1"))
        return fields

    def __call__(self):
        self.check_permission()
        if not self.is_post:
            return self.redirect(self.dashboard_url)
        self.check_token()
        form = self.request.form
        if u"form.button.cancel" in form:
            return self.redirect(self.dashboard_url)
        if form.get(u"form.button.switch"):
            return self.switch(form.get(u"form.button.switch"))
        crons = self.selected()
        if not crons:
            return self.redirect(
                self.dashboard_url,
                _(u"message_nothing_selected", default=u"Select at least one cron."),
                u"warning",
            )
        if u"form.button.run" in form:
            return self.run(crons)
        if self.read_only:
            return self.refuse_read_only(self.dashboard_url)
        if u"form.button.activate" in form:
            return self.set_active(crons, True)
        if u"form.button.deactivate" in form:
            return self.set_active(crons, False)
        if u"form.button.delete" in form:
            if not form.get(u"confirmed"):
                return self.render()
            return self.delete(crons)
        return self.redirect(self.dashboard_url)

    def switch(self, uid):
        cron = self.crontab.crons.get(uid)
        if cron is None:
            return self.redirect(
                self.dashboard_url,
                _(u"message_cron_gone", default=u"This cron does not exist any more."),
                u"warning",
            )
        if self.read_only:
            return self.refuse_read_only(self.dashboard_url)
        cron.activated = not cron.activated
        self.crontab.save()
        mapping = {u"name": cron.name}
        if cron.activated:
            message = _(u"message_cron_on", default=u"${name} is on.", mapping=mapping)
        else:
            message = _(
                u"message_cron_off", default=u"${name} is off.", mapping=mapping
            )
        return self.redirect(self.dashboard_url, message)

    def set_active(self, crons, active):
        for cron in crons:
            cron.activated = active
        self.crontab.save()
        mapping = {u"count": len(crons)}
        if active:
            message = _(
                u"message_crons_on",
                default=u"Crons turned on: ${count}.",
                mapping=mapping,
            )
        else:
            message = _(
                u"message_crons_off",
                default=u"Crons turned off: ${count}.",
                mapping=mapping,
            )
        return self.redirect(self.dashboard_url, message)

    def run(self, crons):
        queued = 0
        for cron in crons:
            job, message, kind = run_cron_now(self.context, cron)
            if job is None and kind == u"error":
                self.notify(message, kind)
            else:
                queued += 1
        if queued:
            self.notify(
                _(
                    u"message_crons_queued",
                    default=u"Crons queued to run now: ${count}.",
                    mapping={u"count": queued},
                )
            )
        return self.redirect(self.dashboard_url)

    def delete(self, crons):
        for cron in crons:
            self.crontab.remove_cron(cron.uid)
        self.crontab.save()
        return self.redirect(
            self.dashboard_url,
            _(
                u"message_crons_deleted",
                default=u"Crons deleted: ${count}.",
                mapping={u"count": len(crons)},
            ),
        )
