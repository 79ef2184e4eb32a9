# -*- coding: utf-8 -*-
"""``@@cron-settings/bulk``: the buttons of the list, on the selected crons
or on all the crons that match the list's search and filters.

An ``ActionPage`` like the others (token, cancel, read-only): "delete", and
any action on "all that match", ask for a confirmation (which says how
many crons), and a GET goes back to the list.
"""

from collective.cron import _
from collective.cron import listing
from collective.cron import pause
from collective.cron.browser import helpers
from collective.cron.browser.actions import ActionPage
from collective.cron.browser.actions import may_make_it_run
from collective.cron.browser.actions import more_rights_message
from collective.cron.browser.actions import run_cron_now
from collective.cron.browser.actions import switch_message
from collective.cron.compat import native_string
from collective.cron.compat import quote
from collective.cron.cronfields import InvalidCron

# The confirmation of an action on "all that match" names this many crons.
CONFIRM_SHOWN = 20

ACTION_BUTTONS = (
    u"form.button.activate",
    u"form.button.deactivate",
    u"form.button.run",
    u"form.button.pause",
    u"form.button.resume",
    u"form.button.delete",
)


class BulkActions(ActionPage):
    """Activate, deactivate, run or delete the selected crons; or switch one.

    The list posts here: ``uids`` (the selection) and one of the buttons
    ``form.button.activate`` / ``deactivate`` / ``run`` / ``delete``; or
    ``form.button.switch`` whose value is the uid of one cron to turn on or
    off.  Deleting asks for a confirmation first (``confirmed``).  A GET
    goes back to the list.
    """

    confirm_class = u"btn btn-danger destructive"

    @property
    def matching_scope(self):
        """Whether the action is on all the crons that match the query."""
        return self.request.form.get("scope") == u"matching"

    @property
    def action(self):
        for name in ACTION_BUTTONS:
            if name in self.request.form:
                return name
        return None

    @property
    def confirm_button(self):
        return BUTTONS.get(self.action, BUTTONS[u"form.button.delete"])

    @property
    def page_title(self):
        if self.action == u"form.button.delete":
            return _(u"title_delete_crons", default=u"Delete these crons?")
        return _(u"title_bulk_confirm", default=u"Change all these crons?")

    @property
    def confirm_text(self):
        if self.matching_scope:
            mapping = {u"count": len(self.selected())}
            if self.action == u"form.button.delete":
                return _(
                    u"confirm_delete_matching",
                    default=u"All the ${count} crons that match the search and "
                    u"filters, their queued jobs and their logs will be "
                    u"removed. This cannot be undone.",
                    mapping=mapping,
                )
            return _(
                u"confirm_bulk_matching",
                default=u"This applies to all the ${count} crons that match "
                u"the search and filters.",
                mapping=mapping,
            )
        return _(
            u"confirm_delete_crons",
            default=u"These crons, their queued jobs and their logs will be "
            u"removed. This cannot be undone.",
        )

    @property
    def list_url(self):
        """The list as it was: same search, filters, sort."""
        fields = self.query().params()
        if not fields:
            return self.dashboard_url
        return u"%s?%s" % (self.dashboard_url, query_string(fields))

    @property
    def cancel_url(self):
        return self.list_url

    @property
    def writes(self):
        return u"form.button.run" not in self.request.form

    def answer_get(self):
        return self.redirect(self.list_url)

    def query(self):
        return listing.Query.from_form(self.request.form)

    def selected(self):
        if getattr(self, "_selected", None) is not None:
            return self._selected
        if self.matching_scope:
            query = self.query()
            names = None
            if u"norunner" in query.status:
                names = helpers.runner_factories(self.context).keys()
            self._selected = listing.select(self.crontab, query, names)
            return self._selected
        uids = self.request.form.get("uids") or []
        if not isinstance(uids, (list, tuple)):
            uids = [uids]
        crons = self.crontab.crons
        self._selected = [crons[uid] for uid in uids if uid in crons]
        return self._selected

    def confirm_items(self):
        crons = self.selected()
        if self.matching_scope:
            crons = crons[:CONFIRM_SHOWN]
        return [self.cron_info(cron) for cron in crons]

    def hidden_fields(self):
        if self.matching_scope:
            fields = [(u"scope", u"matching")] + self.query().params()
        else:
            fields = [(u"uids:list", cron.uid) for cron in self.selected()]
        if self.action == u"form.button.pause":
            fields.append(
                (u"paused_until", self.request.form.get(u"paused_until", u""))
            )
        fields.append((u"confirmed", u"1"))
        fields.append((self.action or u"form.button.delete", u"1"))
        return fields

    def perform(self):
        form = self.request.form
        if form.get(u"form.button.switch"):
            return self.switch(form.get(u"form.button.switch"))
        crons = self.selected()
        if not crons:
            return self.redirect(
                self.dashboard_url,
                _(u"message_nothing_selected", default=u"Select at least one cron."),
                u"warning",
            )
        until = None
        if u"form.button.pause" in form:
            until = self.pause_until()
            if until is None:
                return self.redirect(self.list_url)
        if self.matching_scope and self.action and not form.get(u"confirmed"):
            return self.render()
        if u"form.button.run" in form:
            return self.run(crons)
        if u"form.button.activate" in form:
            return self.set_active(crons, True)
        if u"form.button.deactivate" in form:
            return self.set_active(crons, False)
        if u"form.button.pause" in form:
            return self.set_pause(crons, until)
        if u"form.button.resume" in form:
            return self.set_pause(crons, None)
        if u"form.button.delete" in form:
            if not form.get(u"confirmed"):
                return self.render()
            return self.delete(crons)
        return self.redirect(self.list_url)

    def may_run(self, crons):
        """The crons of ``crons`` that the user may run or turn on.

        Least privilege (``actions.may_make_it_run``): a cron that would run
        with more rights than the user has is left as it is, and named in a
        warning; the others are acted on.
        """
        allowed = []
        refused = []
        for cron in crons:
            (allowed if may_make_it_run(self.context, cron) else refused).append(cron)
        if len(refused) == 1:
            self.notify(more_rights_message(refused[0]), u"warning")
        elif refused:
            names = u", ".join(cron.name for cron in refused[:CONFIRM_SHOWN])
            if len(refused) > CONFIRM_SHOWN:
                names += u", …"
            self.notify(
                _(
                    u"message_crons_more_rights",
                    default=u"Left as they were (${count}): ${names}. They run "
                    u"as users with more rights than you have (or as the system "
                    u"user, who has every permission): only a Manager may run "
                    u"them or turn them on.",
                    mapping={u"count": len(refused), u"names": names},
                ),
                u"warning",
            )
        return allowed

    def switch(self, uid):
        cron = self.crontab.crons.get(uid)
        if cron is None:
            return self.redirect(
                self.dashboard_url,
                _(u"message_cron_gone", default=u"This cron does not exist any more."),
                u"warning",
            )
        if not cron.activated and not may_make_it_run(self.context, cron):
            return self.redirect(self.list_url, more_rights_message(cron), u"error")
        cron.activated = not cron.activated
        self.crontab.save()
        return self.redirect(self.list_url, switch_message(cron))

    def set_active(self, crons, active):
        if active:
            crons = [cron for cron in crons if cron.activated] + self.may_run(
                [cron for cron in crons if not cron.activated]
            )
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
        return self.redirect(self.list_url, message)

    def pause_until(self):
        """The form's ``paused_until`` read as the edit form reads it
        (``pause.parse``, site time), or None after a warning naming the
        field: unreadable, too far, or already past."""
        text = self.request.form.get(u"paused_until") or u""
        error = None
        try:
            until = pause.parse(text, self.crontab.default_timezone)
        except InvalidCron:
            until, error = None, _(
                u"error_paused_until",
                default=u"Write a date and time as YYYY-MM-DD HH:MM "
                u"(site time), at most ten years ahead.",
            )
        if error is None and not pause.is_paused(until):
            error = _(
                u"error_paused_until_past",
                default=u"This time is already past: give a later one, "
                u"or leave the field empty to resume now.",
            )
            if until is None:
                error = _(
                    u"error_bulk_paused_until_empty",
                    default=u"Give the date and time the crons resume at.",
                )
        if error is None:
            return until
        self.notify(
            _(
                u"message_bulk_paused_until_invalid",
                default=u"Paused until: ${reason}",
                mapping={u"reason": helpers.translated(error)},
            ),
            u"warning",
        )
        return None

    def set_pause(self, crons, until):
        """Pause ``crons`` until ``until``, or resume them (None).

        Either decides when the cron's code runs next, so the rule of
        "Activate" applies (``may_run``); one save, as for "Activate", so
        the queue and the audit trail ("paused"/"resumed") follow.
        """
        crons = self.may_run(crons)
        for cron in crons:
            cron.paused_until = pause.edited(cron.paused_until, until)
        self.crontab.save()
        mapping = {u"count": len(crons)}
        if until is None:
            message = _(
                u"message_crons_resumed",
                default=u"Crons resumed: ${count}.",
                mapping=mapping,
            )
        else:
            message = _(
                u"message_crons_paused",
                default=u"Crons paused: ${count}.",
                mapping=mapping,
            )
        return self.redirect(self.list_url, message)

    def run(self, crons):
        queued = 0
        for cron in self.may_run(crons):
            job, message, kind = run_cron_now(self.context, cron)
            if job is None:
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
        return self.redirect(self.list_url)

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


def query_string(fields):
    """``[(name, value)]`` as a query string (UTF-8, Zope's ``:list`` kept)."""
    return u"&".join(
        u"%s=%s"
        % (quote(native_string(name), safe=":"), quote(native_string(value), safe=""))
        for name, value in fields
    )


BUTTONS = {
    u"form.button.activate": _(u"button_activate", default=u"Activate"),
    u"form.button.deactivate": _(u"button_deactivate", default=u"Deactivate"),
    u"form.button.run": _(u"button_run_now", default=u"Run now"),
    u"form.button.pause": _(u"button_pause_until", default=u"Pause until…"),
    u"form.button.resume": _(u"button_resume", default=u"Resume"),
    u"form.button.delete": _(u"button_delete", default=u"Delete"),
}
