# -*- coding: utf-8 -*-
"""Export and import of the whole crontab as a JSON file, on the dashboard.

``@@cron-settings/export`` (GET) answers the crontab as a download;
``@@cron-settings/import`` shows a form on GET and imports on a POST that
carries plone.protect's token.  Both use the functions of
``collective.cron.exportimport`` (as the REST API's ``@crons/@export`` and
``@crons/@import`` do): an import checks the whole file first and changes
nothing when any part of it is wrong.
"""
from collective.cron import _
from collective.cron import clock
from collective.cron.browser import helpers
from collective.cron.browser.base import DashboardPage
from collective.cron.compat import as_text
from collective.cron.exportimport import CrontabImportError
from collective.cron.exportimport import export_crontab
from collective.cron.exportimport import import_crontab
from collective.cron.exportimport import IMPORT_MODES
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile

import json
import re


def export_filename(site_id, when):
    """``collective.cron-<site id>-<YYYY-MM-DD>.json`` (a safe file name)."""
    safe_id = re.sub(r"[^A-Za-z0-9._-]+", u"-", as_text(site_id)) or u"site"
    return u"collective.cron-%s-%s.json" % (safe_id, when.strftime("%Y-%m-%d"))


class ExportCrontab(DashboardPage):
    """The crontab as a JSON file to download (settings only, no logs)."""

    def render(self):
        data = export_crontab(self.context)
        body = json.dumps(data, indent=2, ensure_ascii=False, separators=(",", ": "))
        if not isinstance(body, bytes):
            body = body.encode("utf-8")
        today = clock.now().astimezone(self.site_zone)
        filename = export_filename(self.context.getId(), today)
        response = self.request.response
        response.setHeader("Content-Type", "application/json; charset=utf-8")
        response.setHeader(
            "Content-Disposition", 'attachment; filename="%s"' % (str(filename),)
        )
        response.setHeader("Content-Length", str(len(body)))
        response.setHeader("Cache-Control", "no-store")
        return body


class ImportCrontab(DashboardPage):
    """Upload an export: replace the crontab with it, or merge it in."""

    template = ViewPageTemplateFile("templates/import.pt")
    page_title = _(u"title_import", default=u"Import crons (JSON)")

    def __init__(self, *args, **kwargs):
        super(ImportCrontab, self).__init__(*args, **kwargs)
        self.error = None

    @property
    def mode(self):
        mode = as_text(self.request.form.get("mode") or u"replace")
        return mode if mode in IMPORT_MODES else u"replace"

    @property
    def action_url(self):
        return u"%s/import" % self.dashboard_url

    def __call__(self):
        self.check_permission()
        if not self.is_post:
            return self.render()
        self.check_token()
        form = self.request.form
        if u"form.button.cancel" in form:
            return self.redirect(self.dashboard_url)
        if self.read_only:
            return self.refuse_read_only(self.dashboard_url)
        body = self.uploaded()
        if not body.strip():
            self.error = helpers.translated(
                _(u"error_import_no_file", default=u"Choose a JSON file to import.")
            )
            return self.render()
        try:
            result = import_crontab(self.context, body, mode=self.mode)
        except CrontabImportError as error:
            self.error = helpers.translated(
                _(
                    u"error_import_invalid",
                    default=u"The file was not imported and nothing changed: "
                    u"${problem}",
                    mapping={u"problem": as_text(error)},
                )
            )
            return self.render()
        return self.redirect(self.dashboard_url, self.summary(result))

    def uploaded(self):
        """The uploaded file as bytes (a plain text field works too)."""
        upload = self.request.form.get("file")
        if upload is None:
            return b""
        if hasattr(upload, "read"):
            upload.seek(0)
            data = upload.read()
        else:
            data = upload
        if not isinstance(data, bytes):
            data = as_text(data).encode("utf-8")
        return data

    def summary(self, result):
        if not result.get("saved"):
            return _(
                u"message_import_unchanged",
                default=u"The file matches the crontab: nothing changed.",
            )
        return _(
            u"message_import_done",
            default=u"Crontab imported: ${added} added, ${updated} updated, "
            u"${removed} removed, ${unchanged} unchanged; the crontab is ${state}.",
            mapping={
                u"added": len(result["added"]),
                u"updated": len(result["updated"]),
                u"removed": len(result["removed"]),
                u"unchanged": len(result["unchanged"]),
                u"state": helpers.translated(
                    _(u"state_on", default=u"on")
                    if result.get("activated")
                    else _(u"state_off", default=u"off")
                ),
            },
        )
