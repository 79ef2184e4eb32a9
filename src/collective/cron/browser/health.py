# -*- coding: utf-8 -*-
"""``@@cron-health``: the health of the site's crons, as JSON, for machines.

Public on purpose: a load balancer or an uptime monitor calls it without
credentials and reads the HTTP status (200 healthy or degraded, 503
unhealthy) and ``{"status": ...}``; the details (workers, queue, overdue /
failing / missed crons) need "collective.cron: Manage crons".  The report
itself is ``collective.cron.health.site_health``.
"""

from collective.cron.health import http_status
from collective.cron.health import may_see_details
from collective.cron.health import public_report
from collective.cron.health import site_health
from Products.Five.browser import BrowserView

import json


def answer(site, response):
    """Compute the report, set the status and headers: the JSON text."""
    report = site_health(site)
    response.setStatus(http_status(report))
    response.setHeader("Content-Type", "application/json")
    # A monitor must see the state of now, never a cached one.
    response.setHeader("Cache-Control", "no-store")
    data = public_report(report, details=may_see_details(site))
    return json.dumps(data, sort_keys=True)


class CronHealthView(BrowserView):
    """The health report (see the module docstring)."""

    def __call__(self):
        return answer(self.context, self.request.response)
