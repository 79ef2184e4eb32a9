# -*- coding: utf-8 -*-
"""PATCH @crons (the global switch) and @crons/<uid> (edit a cron)."""

from collective.cron.crontab import InvalidCron
from collective.cron.builder import build_cron
from collective.cron.restapi.services.crons.base import CronsService
from collective.cron.restapi.services.crons.base import UID


class CronsPatch(CronsService):

    routes = (
        ((), "switch"),
        ((UID,), "edit"),
    )

    def switch(self):
        """Turn the whole crontab on or off: ``{"activated": false}``."""
        data = self.body()
        unknown = sorted(key for key in data if key != "activated")
        if unknown:
            raise InvalidCron(
                "Only 'activated' can be changed here, not %s (PATCH "
                "@crons/<uid> edits a cron)"
                % ", ".join("'%s'" % key for key in unknown),
                unknown[0],
            )
        if not isinstance(data.get("activated"), bool):
            raise InvalidCron("Give activated: true or false", "activated")
        crontab = self.crontab()
        if crontab.activated != data["activated"]:
            self.disable_csrf()
            crontab.activated = data["activated"]
            crontab.save()
        if self.prefers_representation():
            self.request.response.setStatus(200)
            return self.serialize(crontab)
        return self.reply_no_content()

    def edit(self, uid):
        """Change the given fields of a cron; the others stay."""
        crontab = self.crontab()
        current = self.cron(crontab, uid)
        values = self.cron_fields(self.body())
        if values.get("uid", uid) != uid:
            raise InvalidCron(
                "The uid of a cron cannot change (add a new cron and delete "
                "this one instead)",
                "uid",
            )
        cron = build_cron(values, current=current, site=self.context)
        if cron != current:
            self.disable_csrf()
            crontab.save_cron(cron)
        if self.prefers_representation():
            self.request.response.setStatus(200)
            return self.serialize(crontab.crons[uid])
        return self.reply_no_content()
