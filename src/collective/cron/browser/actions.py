# -*- coding: utf-8 -*-
"""The pages that change something: one confirm-and-POST class, ``ActionPage``.

A GET shows a confirmation form (title, text, button: class attributes);
a POST that carries plone.protect's token acts through ``perform()``, which
each action defines; a POST without the token is refused (Forbidden), a
GET never writes.  ``writes = False`` lets an action run on a read-only
crontab (run now only reads it).
"""

from collective.cron import _
from collective.cron import health
from collective.cron.browser import helpers
from collective.cron.browser.base import DashboardPage
from collective.cron.builder import check_run_as
from collective.cron.builder import current_user
from collective.cron.builder import RunAsRefused
from collective.cron.interfaces import ILogStore
from collective.cron.utils import as_bool
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile


class ActionPage(DashboardPage):
    """A change: GET shows a confirmation form, a POST with the token acts.

    Subclasses give ``page_title``, ``confirm_text``, ``confirm_button``
    (and ``confirm_class``) and define ``perform()``, which answers the POST
    (a redirection with a status message, as a rule).
    """

    template = ViewPageTemplateFile("templates/confirm.pt")
    confirm_button = _(u"button_confirm", default=u"Confirm")
    confirm_class = u"btn btn-primary context"
    confirm_text = u""
    writes = True

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

    def answer_get(self):
        return self.render()

    def __call__(self):
        self.check_permission()
        if not self.is_post:
            return self.answer_get()
        self.check_token()
        if u"form.button.cancel" in self.request.form:
            return self.redirect(self.cancel_url)
        if self.writes and self.read_only:
            return self.refuse_read_only(self.cancel_url)
        return self.perform()


def may_make_it_run(site, cron):
    """Whether the current user may run ``cron`` now or turn it on.

    Either makes the cron's code run with the rights of its run-as user, so
    the least-privilege rule (``builder.check_run_as``) applies as to an
    edit that keeps that user: without "collective.cron: Run crons as
    another user", a cron that runs as the system user or as a user with
    rights the current user lacks is refused.  Turning a cron off and
    deleting it stop code from running: they are not checked.
    """
    try:
        check_run_as(site, current_user(), cron.user, current=cron)
    except RunAsRefused:
        return False
    return True


def more_rights_message(cron):
    """Why ``cron`` may not be run or turned on by the current user."""
    return _(
        u"message_cron_more_rights",
        default=u"${name} runs as a user with more rights than you have (or "
        u"as the system user, who has every permission): only a Manager may "
        u"run it or turn it on.",
        mapping={u"name": cron.name},
    )


def switch_message(cron):
    """What turning ``cron`` on or off says."""
    mapping = {u"name": cron.name}
    if cron.activated:
        return _(u"message_cron_on", default=u"${name} is on.", mapping=mapping)
    return _(u"message_cron_off", default=u"${name} is off.", mapping=mapping)


class SwitchPage(ActionPage):
    """Turn something on or off: ``activated`` = 1 or 0 (default: the other way)."""

    def target(self):
        return self.cron

    @property
    def turn_on(self):
        value = self.request.form.get("activated")
        if value is None:
            return not self.target().activated
        return as_bool(value)

    def hidden_fields(self):
        return [(u"activated", u"1" if self.turn_on else u"0")]

    def perform(self):
        target = self.target()
        if self.turn_on and target is not self.crontab:
            if not may_make_it_run(self.context, target):
                return self.redirect(
                    self.cancel_url, more_rights_message(target), u"error"
                )
        target.activated = self.turn_on
        self.crontab.save()
        return self.redirect(self.cancel_url, self.done_message())


class CrontabSwitch(SwitchPage):
    """Turn the whole crontab on or off."""

    def target(self):
        return self.crontab

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

    def done_message(self):
        if self.crontab.activated:
            return _(u"message_crontab_on", default=u"The crontab is on.")
        return _(
            u"message_crontab_off",
            default=u"The crontab is off: no cron runs until it is turned on.",
        )


class CronSwitch(SwitchPage):
    """Turn one cron on or off."""

    @property
    def page_title(self):
        mapping = {u"name": self.cron.name}
        if self.turn_on:
            return _(u"title_cron_on", default=u"Turn ${name} on", mapping=mapping)
        return _(u"title_cron_off", default=u"Turn ${name} off", mapping=mapping)

    @property
    def cancel_url(self):
        if self.request.form.get("came_from") == u"dashboard":
            return self.dashboard_url
        return self.cron_url()

    def done_message(self):
        return switch_message(self.cron)


def run_cron_now(site, cron, parameters=None):
    """Queue a manual run of ``cron`` (with ``parameters`` overriding its
    own for that run, if given): (job id or None, message, kind)."""
    mapping = {u"name": cron.name}
    try:
        job = health.run_now(site, cron, parameters)
    except health.RunNowError as error:
        if error.reason == "unavailable":
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
        mapping[u"error"] = error.message or helpers.translated(
            _(u"error_job_not_queued", default=u"the job system did not queue the job")
        )
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


class RunNow(ActionPage):
    """Queue a manual run of the cron (the schedule does not move)."""

    confirm_button = _(u"button_run_now", default=u"Run now")
    writes = False
    confirm_text = _(
        u"confirm_run_now",
        default=u"A worker runs the cron as soon as it can, besides its schedule.",
    )

    @property
    def page_title(self):
        return _(
            u"title_run_now",
            default=u"Run ${name} now",
            mapping={u"name": self.cron.name},
        )

    def perform(self):
        if not may_make_it_run(self.context, self.cron):
            return self.redirect(
                self.cron_url(), more_rights_message(self.cron), u"error"
            )
        job, message, kind = run_cron_now(self.context, self.cron)
        return self.redirect(self.cron_url(), message, kind)


class DeleteCron(ActionPage):
    """Delete the cron and its logs, after a confirmation."""

    confirm_button = _(u"button_delete", default=u"Delete")
    confirm_class = u"btn btn-danger destructive"
    confirm_text = _(
        u"confirm_delete_cron",
        default=u"The cron, its queued jobs and its logs will be removed. "
        u"This cannot be undone.",
    )

    @property
    def page_title(self):
        return _(
            u"title_delete_cron",
            default=u"Delete ${name}?",
            mapping={u"name": self.cron.name},
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


class ClearLogs(ActionPage):
    """Forget one log (``index`` and ``date`` of the log) or all of them."""

    confirm_button = _(u"button_clear_logs", default=u"Clear the logs")
    confirm_class = u"btn btn-danger destructive"
    confirm_text = _(
        u"confirm_clear_logs",
        default=u"Every log of this cron will be forgotten.",
    )

    @property
    def page_title(self):
        return _(
            u"title_clear_logs",
            default=u"Clear the logs of ${name}?",
            mapping={u"name": self.cron.name},
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
                _(u"message_log_gone", default=u"This log is not there any more."),
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
