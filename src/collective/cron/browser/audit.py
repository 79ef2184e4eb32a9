# -*- coding: utf-8 -*-
"""The audit trail on a cron's page, and "run now with parameters".

Why: "who changed this cron, and what did they change?" is answered on the
cron's page, from its own audit book (``collective.cron.audit``): a
fragment view (``cron-audit``) of the cron page, latest first, times in
the site's time zone.

``@@cron-settings/<uid>/run-with-parameters`` queues a one-off run whose
parameters (a JSON object) override the cron's for that run only: a GET
shows the form, a POST with plone.protect's token checks the JSON (a
message under the field, nothing queued, when it is not an object within
the limits of a cron's parameters) and queues the run through the one
run-now rule (``health.run_now``).
"""

from collective.cron import _
from collective.cron import audit
from collective.cron import clock
from collective.cron import health
from collective.cron.browser.actions import ActionPage
from collective.cron.browser.actions import may_make_it_run
from collective.cron.browser.actions import more_rights_message
from collective.cron.browser.actions import run_cron_now
from collective.cron.compat import as_text
from collective.cron.cronfields import InvalidCron
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile

import json

ACTION_LABELS = {
    audit.CREATED: _(u"audit_created", default=u"Created"),
    audit.CHANGED: _(u"audit_changed", default=u"Changed"),
    audit.TURNED_ON: _(u"audit_turned_on", default=u"Turned on"),
    audit.TURNED_OFF: _(u"audit_turned_off", default=u"Turned off"),
    audit.PAUSED: _(u"audit_paused", default=u"Paused"),
    audit.RESUMED: _(u"audit_resumed", default=u"Resumed"),
    audit.IMPORTED: _(u"audit_imported", default=u"Imported"),
    audit.RUN: _(u"audit_run", default=u"Run now"),
    audit.DELETED: _(u"audit_deleted", default=u"Deleted"),
}


class CronAudit(BrowserView):
    """``context`` is the cron page; renders its audit section."""

    template = ViewPageTemplateFile("templates/cron_audit.pt")

    def __call__(self):
        page = self.context
        self.rows = [
            self.row(entry) for entry in audit.entries(page.context, page.cron.uid)
        ]
        return self.template()

    def row(self, entry):
        when = clock.from_iso(entry.get("date"))
        note = entry.get("note") or {}
        details = [
            u"%s: %s → %s"
            % (
                item["field"],
                audit.describe_value(item["old"]),
                audit.describe_value(item["new"]),
            )
            for item in entry.get("changes") or ()
        ]
        if isinstance(note, dict) and "parameters" in note:
            details.append(u"parameters: %s" % audit.describe_value(note["parameters"]))
        return {
            "time": self.context.time(when),
            "iso": self.context.iso(when),
            "actor": entry.get("actor") or u"—",
            "action": entry.get("action"),
            "label": ACTION_LABELS.get(entry.get("action"), entry.get("action")),
            "details": details,
        }


class RunWithParameters(ActionPage):
    """Queue a one-off run with parameters that override the cron's."""

    template = ViewPageTemplateFile("templates/run_parameters.pt")
    confirm_button = _(
        u"button_run_with_parameters", default=u"Run with these parameters"
    )
    writes = False
    error = None

    @property
    def page_title(self):
        return _(
            u"title_run_with_parameters",
            default=u"Run ${name} now with parameters",
            mapping={u"name": self.cron.name},
        )

    def parameters_text(self):
        given = self.request.form.get("parameters")
        if given is not None:
            return as_text(given)
        return as_text(json.dumps(self.cron.environ, indent=2, sort_keys=True))

    def perform(self):
        if not may_make_it_run(self.context, self.cron):
            return self.redirect(
                self.cron_url(), more_rights_message(self.cron), u"error"
            )
        try:
            parameters = health.check_parameters(
                self.request.form.get("parameters") or u"{}"
            )
        except InvalidCron as error:
            self.error = as_text(error.args[0])
            self.request.response.setStatus(400)
            return self.render()
        job, message, kind = run_cron_now(self.context, self.cron, parameters)
        return self.redirect(self.cron_url(), message, kind)
