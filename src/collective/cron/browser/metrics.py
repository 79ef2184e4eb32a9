# -*- coding: utf-8 -*-
"""``@@cron-metrics``: Prometheus / OpenMetrics text of the site's crons.

Registered public so that a scraper without a Plone login can send the
token (``collective.cron.metrics``); everybody else needs "collective.cron:
Manage crons" and gets 401 without it (no login form: scrapers are not
people).
"""

from collective.cron.health import may_see_details
from collective.cron.metrics import bearer_token
from collective.cron.metrics import exposition
from collective.cron.metrics import token_matches
from Products.Five.browser import BrowserView


class CronMetricsView(BrowserView):
    def allowed(self):
        return may_see_details(self.context) or token_matches(
            bearer_token(self.request)
        )

    def __call__(self):
        response = self.request.response
        response.setHeader("Cache-Control", "no-store")
        if not self.allowed():
            response.setStatus(401)
            response.setHeader("WWW-Authenticate", 'Bearer realm="cron-metrics"')
            response.setHeader("Content-Type", "text/plain; charset=utf-8")
            return "Send the metrics token (Authorization: Bearer ...) or log in.\n"
        body, content_type = exposition(self.context, self.request.getHeader("Accept"))
        response.setHeader("Content-Type", content_type)
        return body
