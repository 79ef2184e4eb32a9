# -*- coding: utf-8 -*-
"""Which crons a list shows, in which order: search, filters, sorts.

Shared by the dashboard list, its bulk actions ("all that match") and
REST ``GET @crons``, so that the three agree on what a query means.

A site may hold 10,000 crons: ``select`` only works on summaries of the
crons (name, description, uid, switch, schedule: ``Summaries``, read from
the records without building the crons), and looks further
only when the query asks for it: the last log of each cron for the
``failing`` filter and the ``last_run`` / ``status`` sorts (one log-book
read per cron), the next run for the ``next`` sort (computed once per
schedule and time zone, not once per cron).  What a row shows (dates in
words, descriptions of schedules) is computed by the caller for the page
only.
"""

from collective.cron import clock
from collective.cron import pause
from collective.cron.compat import as_text
from collective.cron.cron import Cron
from collective.cron.cronmap import LazyCrons
from collective.cron.interfaces import IJobRunner
from collective.cron.log import FAILURE
from collective.cron.summary import CronSequence
from collective.cron.summary import CronSummary
from zope.component import getSiteManager
from zope.interface import implementedBy
from zope.interface import providedBy

# status filter values (``status=``), in the order the dashboard offers them
STATUS_FILTERS = (u"active", u"paused", u"failing", u"norunner")
SORT_KEYS = (u"name", u"next", u"last_run", u"status")
DESCENDING = (u"desc", u"descending", u"reverse")

PAGE_SIZES = (20, 50, 100, 500)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 500


def as_list(value):
    if value is None or value == u"" or value == "":
        return []
    if not isinstance(value, (list, tuple)):
        value = [value]
    # REST clients may write ``status=failing,paused``
    return [
        part.strip()
        for item in value
        for part in as_text(item).split(u",")
        if part.strip()
    ]


class Query(object):
    """A search of the crons: ``q``, ``status`` (repeatable), ``sort_on``,
    ``sort_order``, read from a request's form (unknown values are ignored:
    a bookmarked URL never breaks the page)."""

    def __init__(self, q=u"", status=(), sort_on=None, sort_order=None):
        self.q = as_text(q or u"").strip()
        self.status = [value for value in as_list(status) if value in STATUS_FILTERS]
        self.sort_on = as_text(sort_on) if sort_on in SORT_KEYS else None
        self.reverse = as_text(sort_order or u"").lower() in DESCENDING

    @classmethod
    def from_form(cls, form):
        return cls(
            q=form.get("q") or u"",
            status=form.get("status") or (),
            sort_on=form.get("sort_on"),
            sort_order=form.get("sort_order"),
        )

    @property
    def filtered(self):
        """Whether the query leaves out any cron."""
        return bool(self.q or self.status)

    @property
    def sort_order(self):
        return u"descending" if self.reverse else u"ascending"

    def params(self):
        """The query as form fields (``[(name, value)]``) to carry along."""
        fields = []
        if self.q:
            fields.append((u"q", self.q))
        for value in self.status:
            fields.append((u"status:list", value))
        if self.sort_on:
            fields.append((u"sort_on", self.sort_on))
            fields.append((u"sort_order", self.sort_order))
        return fields


def matches_text(cron, needle):
    """Case-insensitive substring of the name, the description or the uid."""
    for text in (cron.name, cron.description, cron.uid):
        if text and needle in as_text(text).lower():
            return True
    return False


def last_status(cron):
    last = cron.last_log
    return last.status if last is not None else None


def is_paused(cron):
    """What the "Paused" filter keeps: a cron turned off, or paused until a
    date that has not come yet (``pause``); the "Active" filter keeps the
    others."""
    return not cron.activated or cron.paused


class NextRuns(object):
    """Next runs, computed once per (schedule, zone, end of a pause going
    on): crons often share one.  A paused cron's next run is the first
    occurrence at or after the end of its pause; a cron turned off (or in
    a crontab turned off) has none and sorts last."""

    def __init__(self, now=None):
        self.now = now if now is not None else clock.now()
        self.cache = {}

    def __call__(self, cron):
        if not cron.active:
            return None
        since = pause.schedule_from(cron.paused_until, self.now)
        key = (cron.periodicity, cron.effective_timezone, since)
        if key not in self.cache:
            try:
                self.cache[key] = cron.next_after(since)
            except Exception:  # an unreadable schedule sorts last
                self.cache[key] = None
        return self.cache[key]


def sort_key(query):
    """A function giving the value to sort a cron on, or None for "none"."""
    if query.sort_on == u"name":
        return lambda cron: (as_text(cron.name or u"").lower(), cron.uid)
    if query.sort_on == u"next":
        return NextRuns()
    if query.sort_on == u"last_run":

        def last_run(cron):
            last = cron.last_log
            return clock.as_utc(last.date) if last is not None else None

        return last_run
    if query.sort_on == u"status":
        # failures first when ascending: what needs attention
        return last_status
    return None


class Summaries(object):
    """What a list reads of every cron of ``crontab``: summaries from the
    records' JSON (``collective.cron.summary``) while its crons are not all
    read (``Crontab.load`` reads them when needed), else the crons."""

    def __init__(self, crontab):
        self.crontab = crontab
        self.lazy = False
        found = None
        crons = crontab.crons
        if isinstance(crons, LazyCrons) and not crons.complete:
            reader = getattr(crontab.manager, "summaries", None)
            found = reader() if reader is not None else None
        if found is not None:
            self.lazy = True
            self.items = [CronSummary(data, crontab) for data in found[0]]
            self.unreadable = found[1]
        else:
            self.items = list(crons.values())
            self.unreadable = len(crontab.unreadable)
        # For helpers that read ``crontab.crons.values()`` (shortest period).
        self.crons = self

    @property
    def activated(self):
        return self.crontab.activated

    def values(self):
        return self.items

    def __len__(self):
        return len(self.items)

    def crons_of(self, items):
        """``items`` (some of ``self.items``) as a sequence of crons."""
        return CronSequence(self.crontab, items) if self.lazy else items


def select(crontab, query, runner_names=None, summaries=None):
    """The crons of ``crontab`` that match ``query``, in its order.

    ``runner_names`` (the names of the registered job runners) is needed
    by the ``norunner`` filter only.  Crons without a value for the sort
    (never run, not scheduled) come last in both orders.  The search,
    filters and sorts read summaries (``Summaries``); the crons of the
    result are read when taken from it (a page of a batch reads its own).
    """
    summaries = summaries if summaries is not None else Summaries(crontab)
    crons = list(summaries.items)
    if query.q:
        needle = query.q.lower()
        crons = [cron for cron in crons if matches_text(cron, needle)]
    status = query.status
    if u"active" in status and u"paused" not in status:
        crons = [cron for cron in crons if not is_paused(cron)]
    if u"paused" in status and u"active" not in status:
        crons = [cron for cron in crons if is_paused(cron)]
    if u"norunner" in status:
        names = set(runner_names or ())
        crons = [cron for cron in crons if cron.name not in names]
    if u"failing" in status:
        crons = [cron for cron in crons if last_status(cron) == FAILURE]
    key = sort_key(query)
    if key is None:
        return summaries.crons_of(list(reversed(crons)) if query.reverse else crons)
    valued = []
    missing = []
    for cron in crons:
        value = key(cron)
        (missing if value is None else valued).append((value, cron))
    valued.sort(key=lambda pair: pair[0], reverse=query.reverse)
    return summaries.crons_of(
        [cron for _value, cron in valued] + [cron for _value, cron in missing]
    )


def page_size(value, default=DEFAULT_PAGE_SIZE):
    """A page size from the query string, within 1..MAX_PAGE_SIZE."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return default
    return max(1, min(size, MAX_PAGE_SIZE))


def page_start(value, total, size):
    """A batch start from the query string; past the end, the last page."""
    try:
        start = max(0, int(value))
    except (TypeError, ValueError):
        return 0
    if start >= total:
        return max(0, ((total - 1) // size) * size) if total else 0
    return start


def runner_factories(site):
    """The registered job runners: {name: factory}."""
    registry = getSiteManager().adapters
    found = {}
    for name, factory in registry.lookupAll(
        (providedBy(site), implementedBy(Cron)), IJobRunner
    ):
        if name:
            found[as_text(name)] = factory
    return found
