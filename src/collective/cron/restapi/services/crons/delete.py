# -*- coding: utf-8 -*-
"""DELETE @crons/<uid> and @crons/<uid>/logs."""

from collective.cron.restapi.services.crons.base import CronsService
from collective.cron.restapi.services.crons.base import UID


class CronsDelete(CronsService):

    routes = (
        ((UID,), "delete"),
        ((UID, "logs"), "clear_logs"),
    )

    def delete(self, uid):
        """Remove a cron, its queued jobs (by synchronisation) and its logs."""
        crontab = self.crontab()
        self.cron(crontab, uid)
        self.disable_csrf()
        crontab.remove_cron(uid)
        crontab.save()
        return self.reply_no_content()

    def clear_logs(self, uid):
        """Forget the logs of a cron."""
        crontab = self.crontab()
        cron = self.cron(crontab, uid)
        self.disable_csrf()
        if cron.logstore is not None:
            cron.logstore.clear(uid)
        if cron.pending_logs:
            # 2.x logs still inside the registry entry: saving drops them.
            cron.pending_logs = []
            crontab.save()
        return self.reply_no_content()
