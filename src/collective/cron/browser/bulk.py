# -*- coding: utf-8 -*-
"""``@@cron-settings/bulk``: the buttons of the list, on the selected crons.

An ``ActionPage`` like the others (token, cancel, read-only): only
"delete" asks for a confirmation, and a GET goes back to the list.
"""
from collective.cron import _
from collective.cron.browser.actions import ActionPage
from collective.cron.browser.actions import run_cron_now
from collective.cron.browser.actions import switch_message


class BulkActions(ActionPage):
    """Activate, deactivate, run or delete the selected crons; or switch one.

    The list posts here: ``uids`` (the selection) and one of the buttons
    ``form.button.activate`` / ``deactivate`` / ``run`` / ``delete``; or
    ``form.button.switch`` whose value is the uid of one cron to turn on or
    off.  Deleting asks for a confirmation first (``confirmed``).  A GET
    goes back to the list.
    """

    confirm_button = _(u"button_delete", default=u"Delete")
    confirm_class = u"btn btn-danger destructive"
    page_title = _(u"title_delete_crons", default=u"Delete these crons?")
    confirm_text = _(
        u"confirm_delete_crons",
        default=u"These crons, their queued jobs and their logs will be "
        u"removed. This cannot be undone.",
    )

    @property
    def cancel_url(self):
        return self.dashboard_url

    @property
    def writes(self):
        return u"form.button.run" not in self.request.form

    def answer_get(self):
        return self.redirect(self.dashboard_url)

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
        if u"form.button.run" in form:
            return self.run(crons)
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
        cron.activated = not cron.activated
        self.crontab.save()
        return self.redirect(self.dashboard_url, switch_message(cron))

    def set_active(self, crons, active):
        for cron in crons:
            cron.activated = active
        self.crontab.save()
        mapping = {u"count": len(crons)}
        if active:
            message = _(
                u"message_crons_on", default=u"Crons turned on: ${count}.", mapping=mapping
            )
        else:
            message = _(
                u"message_crons_off", default=u"Crons turned off: ${count}.", mapping=mapping
            )
        return self.redirect(self.dashboard_url, message)

    def run(self, crons):
        queued = 0
        for cron in crons:
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
