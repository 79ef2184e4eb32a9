# -*- coding: utf-8 -*-
"""GET ``@cron-health``: the report of ``@@cron-health``, in the REST API.

Same report, same rules (``collective.cron.health``): anonymous callers get
``{"status": ...}``, holders of "collective.cron: Manage crons" the details;
HTTP 503 when unhealthy.
"""

from collective.cron.health import http_status
from collective.cron.health import may_see_details
from collective.cron.health import public_report
from collective.cron.health import site_health
from plone.restapi.services import Service


class CronHealthGet(Service):
    def reply(self):
        report = site_health(self.context)
        self.request.response.setStatus(http_status(report))
        self.request.response.setHeader("Cache-Control", "no-store")
        return public_report(report, details=may_see_details(self.context))
