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
from collective.cron.builder import MAX_IMPORT_BYTES
from collective.cron.compat import as_text
from collective.cron.exportimport import CrontabImportError
from collective.cron.exportimport import export_crontab
from collective.cron.exportimport import import_crontab
from collective.cron.exportimport import IMPORT_MODES
from collective.cron.exportimport import plan_import
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
        self.plan = None  # what a replace would do, shown for confirmation
        self.pending = u""  # the file of a replace to confirm, as text

    @property
    def mode(self):
        """``merge`` unless ``replace`` is chosen: never a replace by default."""
        mode = as_text(self.request.form.get("mode") or u"merge")
        return mode if mode in IMPORT_MODES else u"merge"

    @property
    def max_megabytes(self):
        return MAX_IMPORT_BYTES // (1024 * 1024)

    def plan_rows(self):
        """The plan of a replace as (label, uids) rows for the template."""
        if not self.plan:
            return []
        names = {}
        for uid, cron in self.crontab.crons.items():
            names[uid] = cron.name
        rows = []
        for key, label in (
            ("removed", _(u"import_plan_removed", default=u"Deleted, with their logs")),
            ("updated", _(u"import_plan_updated", default=u"Changed")),
            ("added", _(u"import_plan_added", default=u"Added")),
            ("unchanged", _(u"import_plan_unchanged", default=u"Unchanged")),
        ):
            rows.append(
                {
                    u"key": key,
                    u"label": label,
                    u"crons": [
                        {u"uid": uid, u"name": names.get(uid, u"")}
                        for uid in self.plan[key]
                    ],
                }
            )
        return rows

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
        try:
            body = self.uploaded()
        except CrontabImportError:
            self.error = helpers.translated(
                _(
                    u"error_import_too_large",
                    default=u"The file was not imported and nothing changed: "
                    u"it is larger than ${megabytes} MB.",
                    mapping={u"megabytes": self.max_megabytes},
                )
            )
            return self.render()
        if not body.strip():
            self.error = helpers.translated(
                _(u"error_import_no_file", default=u"Choose a JSON file to import.")
            )
            return self.render()
        mode = self.mode
        try:
            if mode == u"replace" and u"form.button.confirm" not in form:
                # A replace deletes: show what it will do, import on the
                # confirming POST (which sends the file back, checked again).
                self.plan = plan_import(self.context, body, mode=mode)
                self.pending = body.decode("utf-8", "replace")
                return self.render()
            result = import_crontab(self.context, body, mode=mode)
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
        """The uploaded file as bytes (a plain text field works too).

        The confirmation of a replace sends the file back in ``pending``.
        Over ``MAX_IMPORT_BYTES``: ``CrontabImportError``, before reading
        more than that.
        """
        upload = self.request.form.get("file")
        if not upload and self.request.form.get("pending"):
            upload = self.request.form.get("pending")
        if upload is None:
            return b""
        if hasattr(upload, "read"):
            upload.seek(0)
            data = upload.read(MAX_IMPORT_BYTES + 1)
        else:
            data = upload
        if not isinstance(data, bytes):
            data = as_text(data).encode("utf-8")
        if len(data) > MAX_IMPORT_BYTES:
            raise CrontabImportError(u"file too large")
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
