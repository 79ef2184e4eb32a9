# -*- coding: utf-8 -*-
"""GET @crons, @crons/<uid>, @crons/<uid>/logs, @crons/@export and
@crons/@audit (the deleted crons' audit entries)."""

from collective.cron import audit
from collective.cron import runhistory
from collective.cron.exportimport import export_crontab
from collective.cron.restapi.serializers import cron_url
from collective.cron.restapi.services.crons.base import CronsService
from collective.cron.restapi.services.crons.base import UID
from plone.restapi.batching import HypermediaBatch


class CronsGet(CronsService):

    routes = (
        ((), "listing"),
        (("@export",), "export"),
        (("@audit",), "deleted"),
        ((UID,), "get_cron"),
        ((UID, "logs"), "logs"),
    )

    def listing(self):
        """The crontab: switch, job system state, crons (batched)."""
        return self.serialize(self.crontab())

    def get_cron(self, uid):
        """The cron, with its run history's figures (``history``) and its
        audit trail (``audit``, newest first): both read this cron's own
        logs and audit book only."""
        cron = self.cron(self.crontab(), uid)
        data = self.serialize(cron)
        data["history"] = runhistory.as_json(runhistory.cron_figures(self.context, uid))
        data["audit"] = audit.entries(self.context, uid)
        return data

    def deleted(self):
        """Who deleted which cron, and when (newest first, bounded)."""
        return {
            "@id": self.request["ACTUAL_URL"],
            "items": audit.deleted(self.context),
        }

    def logs(self, uid):
        """The logs of a cron, newest first (batched)."""
        cron = self.cron(self.crontab(), uid)
        batch = HypermediaBatch(self.request, list(reversed(cron.logs)))
        data = {
            "@id": batch.canonical_url,
            "cron": {"@id": cron_url(cron), "uid": cron.uid, "name": cron.name},
            "items_total": batch.items_total,
            "items": [self.serialize(log) for log in batch],
        }
        if batch.links:
            data["batching"] = batch.links
        return data

    def export(self):
        """The whole crontab as a file for POST @crons/@import (no logs)."""
        return export_crontab(self.context)
