# -*- coding: utf-8 -*-
"""``Cron``: a named, periodic job of a site, and how its fields are read.

A cron is a plain Python object: the registry manager turns it into the
JSON text stored in plone.app.registry, the log store keeps its logs, and
no engine code lives here.  Every field is coerced and checked when the
cron is built (``InvalidCron`` names the bad field, for forms and the REST
API), so a cron that exists can run; ``dump()``/``load()`` give a
JSON-compatible round trip that also reads what collective.cron 2.x wrote.

The limits of the fields (lengths, characters, size and depth of the
parameters) are in ``limits.LIMITS``: enforced when a cron is built or
saved, tolerated (with a warning) when a stored cron is read.  A cron's
history is chronological, whatever order 2.x kept it in, and its last
run is derived here only: ``last_log``, ``last_run``, ``last_status``.
"""

from collections import OrderedDict
from collective.cron import clock
from collective.cron import cronfields
from collective.cron import legacy
from collective.cron import limits
from collective.cron import overlap as overlaps
from collective.cron import pause
from collective.cron import periodicity as periodicity_module
from collective.cron import pingfields as pings
from collective.cron import retries
from collective.cron import timeouts
from collective.cron.compat import as_text
from collective.cron.compat import binary_type
from collective.cron.compat import string_types
from collective.cron.cronfields import DEFAULT_LOGS_LIMIT
from collective.cron.cronfields import InvalidCron
from collective.cron.cronfields import MAX_LOGS_LIMIT  # noqa: F401 (pages)
from collective.cron.cronfields import MISSED_POLICIES
from collective.cron.cronfields import TOO_DEEP
from collective.cron.cronfields import VALIDATED_FIELDS
from collective.cron.interfaces import ICron
from collective.cron.interfaces import IJobRunner
from collective.cron.limits import LIMITS  # noqa: F401 (shown by pages and docs)
from collective.cron.utils import as_bool
from zope.component import getSiteManager
from zope.component.hooks import getSite
from zope.interface import implementer
from zope.interface import providedBy

import json
import uuid


@implementer(ICron)
class Cron(object):
    """A named, periodic job of a site."""

    def __init__(
        self,
        name=u"",
        periodicity=u"",
        uid=None,
        activated=True,
        user=u"",
        environ=None,
        logs_limit=DEFAULT_LOGS_LIMIT,
        timezone=u"",
        description=u"",
        missed=u"run_once",
        paused_until=None,
        timeout=0,
        attempts=1,
        retry_delay=60,
        overlap=u"forbid",
        logs=None,
        ping_start=u"",
        ping_success=u"",
        ping_fail=u"",
        crontab=None,
        strict=None,
    ):
        """``strict``: enforce the limits (``limits.LIMITS``); by default
        they are, except while stored crons are read
        (``limits.reading_stored``)."""
        if strict is None:
            strict = not limits.is_reading_stored()
        self.uid = as_text(uid) if uid else uuid.uuid4().hex
        self.name = as_text(name).strip()
        self.periodicity = as_text(periodicity).strip()
        self.activated = as_bool(activated)
        self.user = as_text(user).strip()
        self.environ = cronfields.environ_dict(environ, strict)
        self.logs_limit = cronfields.logs_limit(logs_limit)
        self.timezone = as_text(timezone).strip()
        self.description = limits.normalise_newlines(as_text(description))
        self.missed = as_text(missed or u"run_once")
        # Aware UTC; a naive value is UTC (``builder`` reads site time).
        self.paused_until = pause.parse(paused_until)
        # Whole seconds, 0 for none: reported overdue after (timeouts.py).
        self.timeout = timeouts.parse(timeout)
        # Attempts of a run that raises, and the first pause (retries.py).
        self.attempts = retries.parse_attempts(attempts)
        self.retry_delay = retries.parse_delay(retry_delay)
        # forbid, queue_one or allow (overlap.py).
        self.overlap = overlaps.parse(overlap)
        # Monitoring pings (pings.py): http(s) URLs, "" for none.
        self.ping_start = pings.parse(ping_start, "ping_start")
        self.ping_success = pings.parse(ping_success, "ping_success")
        self.ping_fail = pings.parse(ping_fail, "ping_fail")
        self.crontab = crontab
        # Logs that came inside the JSON (2.x data, or a cron not in a
        # crontab): moved to the log store the next time the crontab saves.
        # 2.x kept them newest first: put them in the order they happened.
        self.pending_logs = legacy.chronological(logs or [])
        # Limits broken by a stored cron: {field: value as read}; saving
        # accepts them while the value is unchanged (see ``validate``).
        self.tolerated = {}
        self.validate(strict)

    def __setattr__(self, name, value):
        # ``validated`` tells ``Crontab.save`` which crons to check again:
        # a crontab of 10,000 crons saves one changed cron cheaply.  A
        # change made inside ``environ`` (not by assigning it) is not seen.
        if name in VALIDATED_FIELDS:
            object.__setattr__(self, "validated", False)
        object.__setattr__(self, name, value)

    def limit_problems(self):
        """``[(field, message)]``: the limits these values break.

        The cheap checks come first, so that absurd input (a 100,000
        character periodicity) is refused before anything parses it.
        """
        problems = []
        for field in limits.SINGLE_LINE_FIELDS + limits.MULTI_LINE_FIELDS:
            message = limits.text_problem(
                field, getattr(self, field), field in limits.MULTI_LINE_FIELDS
            )
            if message:
                problems.append((field, message))
        message = limits.environ_problem(self.environ)
        if message:
            problems.append(("environ", message))
        return problems

    def validate(self, strict=True):
        """Refuse what would make a cron that can never run as intended.

        ``strict`` (saving): a broken limit raises ``InvalidCron``, unless
        it was tolerated when the cron was read and its value is unchanged.
        Not strict (reading stored data): a broken limit is logged once and
        tolerated.
        """
        for field, message in self.limit_problems():
            if not strict:
                self.tolerated[field] = limits.fingerprint(getattr(self, field))
                limits.warn_once(self.uid, field, message)
            elif field not in self.tolerated or (
                self.tolerated[field] != limits.fingerprint(getattr(self, field))
            ):
                raise InvalidCron(message, field)
        if not self.name:
            raise InvalidCron(
                "A cron needs a name (the name of its job runner)", "name"
            )
        try:
            self.periodicity = cronfields.validated_periodicity(
                self.periodicity,
                (
                    periodicity_module.STORED_MAX_LENGTH
                    if "periodicity" in self.tolerated
                    else LIMITS["periodicity"]
                ),
            )
        except periodicity_module.InvalidPeriodicity as error:
            raise InvalidCron(str(error), "periodicity")
        if not strict and "periodicity" in self.tolerated:
            # tolerated as it will be saved: in its normal form
            self.tolerated["periodicity"] = self.periodicity
        if self.timezone:
            try:
                periodicity_module.get_timezone(self.timezone)
            except periodicity_module.InvalidTimezone as error:
                raise InvalidCron(str(error), "timezone")
        if self.missed not in MISSED_POLICIES:
            raise InvalidCron(
                "Unknown missed-run policy %r: use one of %s"
                % (self.missed, ", ".join(MISSED_POLICIES)),
                "missed",
            )
        self.logs_limit = cronfields.logs_limit(self.logs_limit)
        self.validated = True

    @property
    def effective_timezone(self):
        """The cron's zone, else the crontab's (the site's), else UTC."""
        if self.timezone:
            return self.timezone
        if self.crontab is not None and self.crontab.default_timezone:
            return self.crontab.default_timezone
        return periodicity_module.DEFAULT_TIMEZONE

    @property
    def active(self):
        """Whether the cron should run: itself and its crontab are on."""
        if not self.activated:
            return False
        return self.crontab is None or bool(self.crontab.activated)

    @property
    def paused(self):
        """Whether a pause is going (``pause``): not scheduled until it ends."""
        return pause.is_paused(self.paused_until)

    @property
    def next(self):
        if not self.active:
            return None
        return self.next_after(clock.now())

    def next_after(self, when):
        """The next occurrence after ``when``, not inside a pause."""
        return periodicity_module.next_occurrence(
            self.periodicity,
            pause.schedule_from(self.paused_until, when),
            self.effective_timezone,
        )

    @property
    def logstore(self):
        return self.crontab.logstore if self.crontab is not None else None

    @property
    def logs(self):
        """Logs, oldest first: the stored ones and those not yet moved,
        in the order of their dates."""
        stored = []
        if self.logstore is not None:
            stored = list(self.logstore.logs(self.uid))
        return sorted(stored + list(self.pending_logs), key=_log_date)

    @property
    def last_log(self):
        """The newest log (by date), or None: the one derivation of what a
        cron did last, for the pages, REST and the jobs.

        The log store is chronological (runs append as they end, moved
        logs are merged by date: ``Crontab.move_pending_logs``), so its
        last entry is its newest; pending logs are sorted at load.
        """
        candidates = []
        if self.logstore is not None:
            candidates.append(self.logstore.last(self.uid))
        candidates.extend(self.pending_logs[-1:])
        newest = None
        for log in candidates:
            if log is not None and (newest is None or log.date >= newest.date):
                newest = log
        return newest

    @property
    def last_run(self):
        """When the cron last ran (or was logged as not run), aware UTC."""
        last = self.last_log
        return last.date if last is not None else None

    @property
    def last_status(self):
        """The status name (OK, WARN, FAILURE, NOTRUN) of ``last_log``."""
        last = self.last_log
        return last.status_name if last is not None else None

    def has_runner(self, site=None):
        """Whether a job runner is registered under this cron's name."""
        site = site if site is not None else getSite()
        return (
            getSiteManager().adapters.lookup(
                (providedBy(site), providedBy(self)), IJobRunner, name=self.name
            )
            is not None
        )

    def dump(self, include_logs=True):
        data = OrderedDict()
        data["uid"] = self.uid
        data["name"] = self.name
        data["activated"] = self.activated
        data["periodicity"] = self.periodicity
        data["timezone"] = self.timezone
        data["user"] = self.user
        data["environ"] = dict(self.environ)
        data["logs_limit"] = self.logs_limit
        data["description"] = self.description
        data["missed"] = self.missed
        data["paused_until"] = clock.to_iso(self.paused_until)
        data["timeout"] = self.timeout
        data["attempts"] = self.attempts
        data["retry_delay"] = self.retry_delay
        data["overlap"] = self.overlap
        for field in pings.FIELDS:
            data[field] = getattr(self, field)
        if include_logs:
            data["logs"] = [log.dump() for log in self.logs]
        return data

    @classmethod
    def load(cls, data, crontab=None, local_timezone=None, strict=None):
        """Build a cron from ``dump()`` output or a 2.x cron (dict or JSON).

        ``local_timezone`` is the zone of the naive dates of 2.x logs
        (see ``Log.load``); ``strict`` as in the constructor.
        """
        # log.py imports InvalidCron from here: importing Log at the top
        # would make the two modules import each other.
        from collective.cron.log import Log

        if isinstance(data, (string_types, binary_type)):
            try:
                data = json.loads(data)
            except ValueError as error:
                raise InvalidCron("A cron is not valid JSON: %s" % (error,))
            except RuntimeError:  # RecursionError: only parameters nest
                raise InvalidCron(TOO_DEEP, "environ")
        if not isinstance(data, dict):
            raise InvalidCron("A cron must be a JSON object, not %r" % (data,))
        logs = []
        for item in data.get("logs") or []:
            logs.append(Log.load(item, local_timezone=local_timezone))
        return cls(
            uid=data.get("uid"),
            name=data.get("name", u""),
            periodicity=data.get("periodicity", u""),
            activated=data.get("activated", True),
            user=data.get("user") or u"",
            environ=data.get("environ"),
            logs_limit=data.get("logs_limit", DEFAULT_LOGS_LIMIT),
            timezone=data.get("timezone") or u"",
            description=data.get("description") or u"",
            missed=data.get("missed") or u"run_once",
            paused_until=data.get("paused_until"),
            timeout=data.get("timeout") or 0,
            attempts=data.get("attempts"),
            retry_delay=data.get("retry_delay"),
            overlap=data.get("overlap"),
            logs=logs,
            ping_start=data.get("ping_start") or u"",
            ping_success=data.get("ping_success") or u"",
            ping_fail=data.get("ping_fail") or u"",
            crontab=crontab,
            strict=strict,
        )

    def __eq__(self, other):
        return isinstance(other, Cron) and self.dump(False) == other.dump(False)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __repr__(self):
        return "<Cron %s %r %r%s>" % (
            self.uid,
            self.name,
            self.periodicity,
            "" if self.activated else " (off)",
        )


def _log_date(log):
    return log.date
