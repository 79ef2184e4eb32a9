# -*- coding: utf-8 -*-
"""Demo job runners, and the crons of the ``collective.cron:demo`` profile.

They show a new site what the dashboard looks like within a minute: an OK
report, a warning and a failure.  Useful runners to copy from, too.
"""

from collective.cron import _
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import Runner
from plone import api
from zope.globalrequest import getRequest
from zope.i18n import translate

import datetime


class SiteStatistics(Runner):
    """Counts the site's content by type and review state."""

    def run(self):
        catalog = api.portal.get_tool("portal_catalog")
        counts = {}
        states = {}
        query = {"path": "/".join(self.context.getPhysicalPath())}
        for brain in catalog.unrestrictedSearchResults(**query):
            counts[brain.portal_type] = counts.get(brain.portal_type, 0) + 1
            state = brain.review_state or u"none"
            states[state] = states.get(state, 0) + 1
        total = sum(counts.values())
        self.log(u"%d items in the catalog" % total)
        for portal_type in sorted(counts):
            self.log(u"%s: %d" % (portal_type, counts[portal_type]))
        self.log(
            u"by state: "
            + u", ".join(u"%s %d" % (key, states[key]) for key in sorted(states))
        )


class StaleNews(Runner):
    """Warns when no news item was published recently (``days``, default 7)."""

    def run(self):
        days = int(self.environ.get("days", 7))
        since = datetime.datetime.now() - datetime.timedelta(days=days)
        from DateTime import DateTime

        catalog = api.portal.get_tool("portal_catalog")
        recent = catalog.unrestrictedSearchResults(
            portal_type="News Item",
            review_state="published",
            effective={"query": DateTime(since), "range": "min"},
        )
        if len(recent):
            self.log(
                u"%d news items published in the last %d days" % (len(recent), days)
            )
            return None
        return [u"No news item was published in the last %d days" % days]


class Pause(Runner):
    """Waits ``seconds`` (default 1): stands for a job that takes time."""

    def run(self):
        import time

        seconds = float(self.environ.get("seconds", 1))
        time.sleep(max(0.0, min(seconds, 3600.0)))
        self.log(u"waited %s seconds" % seconds)


class AlwaysFails(Runner):
    """Fails on purpose, to show what a failure looks like."""

    def run(self):
        raise RuntimeError("This demo cron fails on purpose")


DEMO_CRONS = [
    {
        "uid": u"collective-cron-demo-statistics",
        "name": u"collective.cron.demo.statistics",
        "periodicity": u"* * * * *",
        "description": _(u"Counts the site's content every minute"),
    },
    {
        "uid": u"collective-cron-demo-stale-news",
        "name": u"collective.cron.demo.stale_news",
        "periodicity": u"*/2 * * * *",
        "environ": {u"days": 7},
        "description": _(u"Warns when no news was published for a week"),
    },
    {
        "uid": u"collective-cron-demo-failure",
        "name": u"collective.cron.demo.failure",
        "periodicity": u"*/5 * * * *",
        "description": _(u"Fails on purpose, every five minutes"),
    },
]


def install_demo(setup_tool):
    """Add the demo crons (again) without touching the site's other crons."""
    portal = api.portal.get()
    crontab = Crontab.load(portal)
    for data in DEMO_CRONS:
        values = dict(data)
        values["description"] = translate(values["description"], context=getRequest())
        crontab.add_cron(Cron(**values))
    crontab.save()
