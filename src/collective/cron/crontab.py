# -*- coding: utf-8 -*-
"""The models: a site's ``Crontab``, its ``Cron`` entries, their ``Log`` records.

They are plain Python objects: the registry manager turns them into the
JSON texts stored in plone.app.registry, the log store keeps the logs, and
no engine code lives here.  ``dump()``/``load()`` give a JSON-compatible
round trip that also reads what collective.cron 2.x wrote.
"""
from collections import OrderedDict
from collective.cron import clock
from collective.cron import logger
from collective.cron import periodicity as periodicity_module
from collective.cron.interfaces import ICron
from collective.cron.interfaces import ICrontab
from collective.cron.interfaces import ICrontabRegistryManager
from collective.cron.interfaces import IJobRunner
from collective.cron.interfaces import ILog
from collective.cron.interfaces import ILogStore
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import adapter
from zope.component import getSiteManager
from zope.component.hooks import getSite
from zope.event import notify
from zope.interface import implementer
from zope.interface import providedBy

import abc
import datetime
import json
import pytz
import six
import time
import uuid


# Statuses keep the integers of collective.cron 2.x, so stored data reads back.
FAILURE = 0
OK = 1
WARN = 2
NOTRUN = 3

STATUS_NAMES = {FAILURE: "FAILURE", OK: "OK", WARN: "WARN", NOTRUN: "NOTRUN"}
STATUS_VALUES = dict((name, value) for value, name in STATUS_NAMES.items())

TRIGGERS = ("schedule", "manual", "catch-up")
MISSED_POLICIES = ("run_once", "skip")
DEFAULT_LOGS_LIMIT = 20
MAX_LOGS_LIMIT = 10000


class InvalidCron(ValueError):
    """A cron (or one of its logs) cannot be built from the given data.

    ``field`` names the offending attribute, so forms and the REST API can
    point at it.
    """

    def __init__(self, message, field=None):
        super(InvalidCron, self).__init__(message)
        self.field = field


def status_value(status):
    """The integer of a status given as integer, numeric text or name."""
    if isinstance(status, bool):
        raise InvalidCron("Unknown log status %r" % (status,), "status")
    if isinstance(status, six.integer_types):
        if status in STATUS_NAMES:
            return status
        raise InvalidCron(
            "Unknown log status %r: use one of %s"
            % (status, ", ".join(sorted(STATUS_VALUES))),
            "status",
        )
    if isinstance(status, six.string_types):
        text = status.strip()
        if text.isdigit():
            return status_value(int(text))
        if text.upper() in STATUS_VALUES:
            return STATUS_VALUES[text.upper()]
    raise InvalidCron(
        "Unknown log status %r: use one of %s"
        % (status, ", ".join(sorted(STATUS_VALUES))),
        "status",
    )


def _text(value):
    if value is None:
        return u""
    if isinstance(value, six.binary_type):
        return value.decode("utf-8", "replace")
    return six.text_type(value)


def _messages(value):
    """Runners and 2.x data give a text, a list of texts or nothing."""
    if value is None:
        return []
    if isinstance(value, (six.string_types, six.binary_type)):
        return [_text(value)] if value else []
    if isinstance(value, (list, tuple)):
        return [_text(item) for item in value if item is not None]
    return [_text(value)]


def parse_date(value, local_timezone=None):
    """A date of 3.x (ISO with offset) or 2.x (naive local time) as aware UTC.

    collective.cron 2.x wrote ``"YYYY-mm-dd HH:MM:SS"`` in the server's
    local time; ``local_timezone`` (a name) says which zone that was, else
    the zone of this process is assumed.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            return clock.as_utc(value)
        naive = value
    else:
        text = _text(value).strip()
        has_offset = text.endswith("Z") or (
            len(text) > 6 and text[-6] in "+-" and text[-3] == ":"
        )
        if has_offset:
            return clock.from_iso(text)
        try:
            naive = datetime.datetime.strptime(
                text.replace("T", " ").split(".")[0], "%Y-%m-%d %H:%M:%S"
            )
        except ValueError:
            raise InvalidCron("Unreadable date %r" % (value,), "date")
    if local_timezone:
        zone = periodicity_module.get_timezone(local_timezone)
        return zone.normalize(zone.localize(naive)).astimezone(pytz.utc)
    epoch = time.mktime(naive.timetuple())
    return pytz.utc.localize(datetime.datetime.utcfromtimestamp(epoch))


@implementer(ILog)
class Log(object):
    """One entry of a cron's history."""

    def __init__(
        self,
        date=None,
        status=NOTRUN,
        messages=None,
        started=None,
        duration=None,
        trigger=u"schedule",
        instance=u"",
        scheduled=None,
        detail=u"",
    ):
        self.date = clock.as_utc(date) if date is not None else clock.now()
        self.status = status_value(status)
        self.messages = _messages(messages)
        self.started = clock.as_utc(started) if started is not None else None
        self.duration = float(duration) if duration is not None else None
        self.trigger = _text(trigger) or u"schedule"
        self.instance = _text(instance)
        self.scheduled = clock.as_utc(scheduled) if scheduled is not None else None
        self.detail = _text(detail)

    @property
    def status_name(self):
        return STATUS_NAMES[self.status]

    def dump(self):
        return {
            "date": clock.to_iso(self.date),
            "status": self.status,
            "messages": list(self.messages),
            "started": clock.to_iso(self.started),
            "duration": self.duration,
            "trigger": self.trigger,
            "instance": self.instance,
            "scheduled": clock.to_iso(self.scheduled),
            "detail": self.detail,
        }

    @classmethod
    def load(cls, data, local_timezone=None):
        """Build a log from ``dump()`` output or from a 2.x log dict."""
        if isinstance(data, (six.string_types, six.binary_type)):
            data = json.loads(data)
        if not isinstance(data, dict):
            raise InvalidCron("A log must be a JSON object, not %r" % (data,), "logs")
        if data.get("status") is None:
            raise InvalidCron("A log needs a status", "status")
        return cls(
            date=parse_date(data.get("date"), local_timezone),
            status=data.get("status"),
            messages=data.get("messages", data.get("message")),
            started=parse_date(data.get("started"), local_timezone),
            duration=data.get("duration"),
            trigger=data.get("trigger") or u"schedule",
            instance=data.get("instance") or u"",
            scheduled=parse_date(data.get("scheduled"), local_timezone),
            detail=data.get("detail") or u"",
        )

    def __eq__(self, other):
        return isinstance(other, Log) and self.dump() == other.dump()

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __repr__(self):
        return "<Log %s %s %r>" % (
            self.status_name,
            clock.to_iso(self.date),
            self.messages,
        )


def _environ(value):
    """The parameters of a cron: a dict, or JSON text of one."""
    if value is None or value == "":
        return {}
    if isinstance(value, (six.string_types, six.binary_type)):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise InvalidCron(
                "Parameters are not valid JSON: %s" % (error,), "environ"
            )
    if not isinstance(value, dict):
        raise InvalidCron(
            "Parameters must be a JSON object ({...}), not %s"
            % (type(value).__name__,),
            "environ",
        )
    return dict(value)


def _logs_limit(value):
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise InvalidCron(
            "The logs limit must be a whole number, not %r" % (value,), "logs_limit"
        )
    if limit < 1 or limit > MAX_LOGS_LIMIT:
        raise InvalidCron(
            "The logs limit must be between 1 and %d, not %d"
            % (MAX_LOGS_LIMIT, limit),
            "logs_limit",
        )
    return limit


_valid_periodicities = {}


def _validated_periodicity(expression):
    """``periodicity.validate`` remembered: a crontab is read on every run,
    and parsing each expression again costs milliseconds per cron."""
    normalized = _valid_periodicities.get(expression)
    if normalized is None:
        normalized = periodicity_module.validate(expression)
        if len(_valid_periodicities) > 4096:
            _valid_periodicities.clear()
        _valid_periodicities[expression] = normalized
    return normalized


def _bool(value):
    if isinstance(value, six.string_types):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


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
        logs=None,
        crontab=None,
    ):
        self.uid = _text(uid) if uid else uuid.uuid4().hex
        self.name = _text(name).strip()
        self.periodicity = _text(periodicity).strip()
        self.activated = _bool(activated)
        self.user = _text(user).strip()
        self.environ = _environ(environ)
        self.logs_limit = _logs_limit(logs_limit)
        self.timezone = _text(timezone).strip()
        self.description = _text(description)
        self.missed = _text(missed or u"run_once")
        self.crontab = crontab
        # Logs that came inside the JSON (2.x data, or a cron not in a
        # crontab): moved to the log store the next time the crontab saves.
        self.pending_logs = list(logs or [])
        self.validate()

    def validate(self):
        """Refuse what would make a cron that can never run as intended."""
        if not self.name:
            raise InvalidCron("A cron needs a name (the name of its job runner)", "name")
        try:
            self.periodicity = _validated_periodicity(self.periodicity)
        except periodicity_module.InvalidPeriodicity as error:
            raise InvalidCron(str(error), "periodicity")
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
    def next(self):
        if not self.active:
            return None
        return self.next_after(clock.now())

    def next_after(self, when):
        return periodicity_module.next_occurrence(
            self.periodicity, when, self.effective_timezone
        )

    @property
    def logstore(self):
        return self.crontab.logstore if self.crontab is not None else None

    @property
    def logs(self):
        """Logs, oldest first: the stored ones and those not yet moved."""
        stored = []
        if self.logstore is not None:
            stored = list(self.logstore.logs(self.uid))
        return stored + list(self.pending_logs)

    @property
    def last_log(self):
        if self.pending_logs:
            return self.pending_logs[-1]
        if self.logstore is not None:
            return self.logstore.last(self.uid)
        return None

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
        if include_logs:
            data["logs"] = [log.dump() for log in self.logs]
        return data

    @classmethod
    def load(cls, data, crontab=None, local_timezone=None):
        """Build a cron from ``dump()`` output or a 2.x cron (dict or JSON)."""
        if isinstance(data, (six.string_types, six.binary_type)):
            try:
                data = json.loads(data)
            except ValueError as error:
                raise InvalidCron("A cron is not valid JSON: %s" % (error,))
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
            logs=logs,
            crontab=crontab,
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


@implementer(ICrontab)
class Crontab(object):
    """The crons of one site, in order, with a global on/off switch."""

    def __init__(self, crons=None, activated=True, manager=None, site=None):
        self.crons = OrderedDict()
        self.activated = _bool(activated)
        self.manager = manager
        self.site = site
        self.default_timezone = u""
        self.logstore = None
        # Registry entries that could not be read: written back untouched
        # so that saving never loses data somebody can still repair.
        self.unreadable = []
        for cron in crons or []:
            self.add_cron(cron)

    # -- building ------------------------------------------------------

    @classmethod
    def load(cls, context=None, read_only=False):
        """The crontab of a site, read from its registry.

        ``context`` is the site (default: the current site).  With
        ``read_only`` every save is a no-op and nothing is synchronised.
        """
        site = context if context is not None else getSite()
        crontab = cls(site=site)
        crontab.manager = ICrontabRegistryManager(crontab)
        crontab.manager.read_only = read_only
        crontab.manager.load()
        if site is not None:
            crontab.logstore = ILogStore(site, None)
            crontab.default_timezone = site_timezone()
        return crontab

    @classmethod
    def load_cron(cls, uid, context=None):
        """One cron of a site's crontab, or None, without parsing the others.

        Its crontab (``cron.crontab``) holds only that cron: it is for
        reading (the global switch, the timezone, the logs) and refuses to
        save, which would drop every other cron.
        """
        site = context if context is not None else getSite()
        crontab = cls(site=site)
        crontab.manager = ICrontabRegistryManager(crontab)
        crontab.manager.read_only = True
        crontab.partial = True
        crontab.manager.load(only=uid)
        if site is not None:
            crontab.logstore = ILogStore(site, None)
            crontab.default_timezone = site_timezone()
        return crontab.crons.get(uid)

    @classmethod
    def from_dump(cls, data):
        """A detached crontab from ``dump()`` output (validates every cron)."""
        if isinstance(data, (six.string_types, six.binary_type)):
            data = json.loads(data)
        if not isinstance(data, dict):
            raise InvalidCron("A crontab must be a JSON object")
        crontab = cls(activated=data.get("activated", True))
        for item in data.get("crons") or []:
            crontab.add_cron(Cron.load(item))
        return crontab

    # -- changing ------------------------------------------------------

    @property
    def read_only(self):
        return self.manager is not None and bool(self.manager.read_only)

    def add_cron(self, cron):
        cron.crontab = self
        self.crons[cron.uid] = cron
        return cron

    def remove_cron(self, uid):
        cron = self.crons.pop(uid)
        cron.crontab = None
        if self.logstore is not None and not self.read_only:
            self.logstore.clear(uid)
        return cron

    def save(self):
        """Persist through the manager and announce the change.

        A read-only crontab writes nothing and fires nothing: no queue
        synchronisation may follow from it.
        """
        if getattr(self, "partial", False):
            raise RuntimeError(
                "This crontab was loaded for one cron (Crontab.load_cron): "
                "saving it would drop the others; use Crontab.load()"
            )
        if self.read_only:
            return False
        self.move_pending_logs()
        if self.manager is not None:
            self.manager.save()
        from collective.cron.events import ModifiedCrontabEvent

        notify(ModifiedCrontabEvent(self))
        return True

    def save_cron(self, cron):
        self.add_cron(cron)
        return self.save()

    def move_pending_logs(self):
        if self.logstore is None:
            return
        for cron in self.crons.values():
            if not cron.pending_logs:
                continue
            for log in cron.pending_logs:
                self.logstore.append(cron.uid, log, cron.logs_limit)
            cron.pending_logs = []

    # -- reading -------------------------------------------------------

    def by_name(self, name):
        return [cron for cron in self.crons.values() if cron.name == name]

    def dump(self, include_logs=True):
        return {
            "activated": self.activated,
            "crons": [cron.dump(include_logs) for cron in self.crons.values()],
        }

    def __repr__(self):
        return "<Crontab %d crons%s>" % (
            len(self.crons),
            "" if self.activated else " (off)",
        )


def site_timezone():
    """The site's ``plone.portal_timezone`` or empty when unset."""
    from plone.registry.interfaces import IRegistry
    from zope.component import queryUtility

    registry = queryUtility(IRegistry)
    if registry is None:
        return u""
    value = registry.get("plone.portal_timezone", None)
    if not value:
        return u""
    try:
        periodicity_module.get_timezone(value)
    except periodicity_module.InvalidTimezone:
        logger.warning("Ignoring the site timezone %r: unknown zone", value)
        return u""
    return _text(value)


@implementer(IJobRunner)
@adapter(ISiteRoot, ICron)
@six.add_metaclass(abc.ABCMeta)
class Runner(object):
    """Base class of job runners: subclass it and implement ``run()``.

    ``self.context`` is the site and ``self.cron`` the cron; ``log()`` and
    ``progress()`` add messages to the log of the current run.  ``run()``
    returns nothing for an OK log, a text or a list of texts for a WARN log
    with these messages, and raises for a FAILURE log.
    """

    def __init__(self, context, cron):
        self.context = context
        self.cron = cron
        self.messages = []
        self.percent = None

    @property
    def environ(self):
        return self.cron.environ

    def log(self, *messages):
        """Add messages to this run's log; they do not change its status."""
        self.messages.extend(_messages(list(messages)))

    def progress(self, percent, text=u""):
        """Say how far the run got, in the log and in the event log."""
        self.percent = max(0, min(100, int(percent)))
        if text:
            self.messages.append(u"%d%%: %s" % (self.percent, _text(text)))
        logger.info(
            "cron %s (%s): %s%% %s", self.cron.name, self.cron.uid, self.percent, text
        )

    @abc.abstractmethod
    def run(self):
        """The work of the job (see the class docstring for the outcome)."""
