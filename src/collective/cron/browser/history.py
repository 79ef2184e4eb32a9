# -*- coding: utf-8 -*-
"""The run history of a cron at a glance, on its page (``cron-history``).

Why: whether a cron got worse is read from its recent runs, not from one
log at a time.  A fragment view of the cron page (``ICronPage``), included
by the page's template, never published on its own (the dashboard's
traversal publishes dashboard pages only).  From the logs kept: the last
runs as coloured dots (oldest first), the success rate (OK and WARN among
the runs that ran: NOTRUN occurrences are counted apart), the average and
95th-percentile duration, and a small bar chart of the durations drawn as
SVG on the server (no JavaScript).  The figures themselves come from
``collective.cron.runhistory``, which the REST API shows too.
"""

from collective.cron import _
from collective.cron.compat import as_text
from collective.cron.log import FAILURE
from collective.cron.log import NOTRUN
from collective.cron.log import OK
from collective.cron.log import WARN
from collective.cron.runhistory import cron_figures
from collective.cron.runhistory import figures  # noqa: F401 (moved there)
from collective.cron.runhistory import percentile  # noqa: F401 (moved there)
from collective.cron.runhistory import SHOWN  # noqa: F401 (moved there)
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from xml.sax.saxutils import escape
from xml.sax.saxutils import quoteattr

COLOURS = {OK: "#2e7d32", WARN: "#ef6c00", FAILURE: "#c62828", NOTRUN: "#9e9e9e"}
CHART_WIDTH = 300
CHART_HEIGHT = 60


def _label(log):
    duration = u"" if log.duration is None else u" %.2f s" % log.duration
    return u"%s %s%s" % (as_text(log.status_name), log.date.isoformat(), duration)


def dots_svg(recent):
    """One coloured dot per run, oldest on the left, each with a title."""
    parts = []
    for index, log in enumerate(recent):
        parts.append(
            u'<circle cx="%d" cy="7" r="5" fill="%s"><title>%s</title></circle>'
            % (7 + 14 * index, COLOURS[log.status], escape(_label(log)))
        )
    return (
        u'<svg class="cron-history-dots" xmlns="http://www.w3.org/2000/svg" '
        u'width="%d" height="14" role="img">%s</svg>'
        % (14 * max(1, len(recent)), u"".join(parts))
    )


def chart_svg(recent, label):
    """Bars of the durations of ``recent`` runs, scaled to the longest."""
    timed = [log for log in recent if log.duration is not None]
    longest = max([log.duration for log in timed] or [0]) or 1.0
    width = float(CHART_WIDTH) / max(1, len(timed))
    parts = []
    for index, log in enumerate(timed):
        height = max(1.0, CHART_HEIGHT * log.duration / longest)
        parts.append(
            u'<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">'
            u"<title>%s</title></rect>"
            % (
                index * width,
                CHART_HEIGHT - height,
                max(1.0, width - 2),
                height,
                COLOURS[log.status],
                escape(_label(log)),
            )
        )
    return (
        u'<svg class="cron-history-chart" xmlns="http://www.w3.org/2000/svg" '
        u'width="%d" height="%d" role="img" aria-label=%s>%s</svg>'
        % (CHART_WIDTH, CHART_HEIGHT, quoteattr(label), u"".join(parts))
    )


class CronHistory(BrowserView):
    """``context`` is the cron page; renders the history section."""

    template = ViewPageTemplateFile("templates/cron_history.pt")

    def __call__(self):
        page = self.context
        self.figures = cron_figures(page.context, page.cron.uid)
        return self.template()

    def dots(self):
        return dots_svg(self.figures["recent"])

    def chart(self):
        from zope.i18n import translate

        label = translate(_(u"Durations of the last runs"), context=self.request)
        return chart_svg(self.figures["recent"], label)

    def seconds(self, value):
        return u"—" if value is None else u"%.2f s" % value

    def rate(self):
        value = self.figures["success_rate"]
        return u"—" if value is None else u"%.0f %%" % value
