# -*- coding: utf-8 -*-
"""What the pages of the Cron Dashboard share.

Dates are shown in the site's time zone and formatted the Plone way (the
``plonelocales`` formats of the user's language); relative times, durations,
statuses and triggers are messages of the ``collective.cron`` domain.  The
job system is only ever looked up (``queryAdapter``): without one the
dashboard still works and says that crons will not run.
"""
from collective.cron import _
from collective.cron import clock
from collective.cron import logger
from collective.cron import periodicity
from collective.cron.crontab import Cron
from collective.cron.crontab import FAILURE
from collective.cron.crontab import NOTRUN
from collective.cron.crontab import OK
from collective.cron.crontab import WARN
from collective.cron.interfaces import IJobRunner
from collective.cron.interfaces import IQueueManager
from Acquisition import aq_base
from Acquisition import aq_parent
from ZODB.POSException import ConflictError
from zope.component import getSiteManager
from zope.component import queryAdapter
from zope.i18nmessageid import Message
from zope.interface import implementedBy
from zope.interface import providedBy

import datetime
import re
import six


STATUS_LABELS = {
    OK: _(u"status_ok", default=u"OK"),
    WARN: _(u"status_warn", default=u"Warning"),
    FAILURE: _(u"status_failure", default=u"Failure"),
    NOTRUN: _(u"status_notrun", default=u"Not run"),
}

# Bootstrap 5 (Plone 6) contextual names; dashboard.css gives them a look on
# Plone 5.2 as well.
STATUS_CLASSES = {
    OK: u"success",
    WARN: u"warning",
    FAILURE: u"danger",
    NOTRUN: u"secondary",
}

TRIGGER_LABELS = {
    u"schedule": _(u"trigger_schedule", default=u"Scheduled"),
    u"manual": _(u"trigger_manual", default=u"Manual"),
    u"catch-up": _(u"trigger_catch_up", default=u"Catch-up"),
}

JOB_STATUS_LABELS = {
    u"pending": _(u"job_pending", default=u"Waiting"),
    u"running": _(u"job_running", default=u"Running"),
    u"finished": _(u"job_finished", default=u"Finished"),
}

MISSED_LABELS = {
    u"run_once": _(
        u"missed_run_once", default=u"Run once for all the missed occurrences"
    ),
    u"skip": _(u"missed_skip", default=u"Skip the missed occurrences"),
}

# How old a worker's heartbeat may be before the dashboard warns, at least:
# workers show they are alive about once a minute.
MIN_HEARTBEAT_AGE = 120

_PASSWORD_IN_URL = re.compile(r"(//[^/:@]*:)[^/@]*@")
_PASSWORD_PARAMETER = re.compile(r"(password=)[^&;]*", re.IGNORECASE)


def translated(message):
    """A message as text in the user's language.

    Messages given as values of another message's mapping are not always
    translated with it (without a catalog their msgid shows): translate them
    first.
    """
    from zope.globalrequest import getRequest
    from zope.i18n import translate

    if message is None:
        return u""
    return translate(message, context=getRequest())


def text(value):
    """Anything as text (bytes are UTF-8)."""
    if value is None:
        return u""
    if isinstance(value, six.binary_type):
        return value.decode("utf-8", "replace")
    return six.text_type(value)


# ---------------------------------------------------------------------------
# Permission


def may_manage(context):
    """Whether the current user has ``collective.cron: Manage crons`` here."""
    from AccessControl import getSecurityManager
    from collective.cron.interfaces import MANAGE_PERMISSION
    from zope.component import queryUtility
    from zope.security.interfaces import IPermission

    permission = queryUtility(IPermission, name=MANAGE_PERMISSION)
    title = permission.title if permission is not None else MANAGE_PERMISSION
    return bool(getSecurityManager().checkPermission(title, context))


# ---------------------------------------------------------------------------
# Languages, dates, durations


def current_language(context, request):
    """The language of the user interface (``fr``, ``de``...)."""
    language = request.get("LANGUAGE", None)
    if not language:
        try:
            from plone.api.portal import get_current_language

            language = get_current_language(context)
        except Exception:  # noqa: a page never breaks for a label
            language = u"en"
    return text(language or u"en")


def zone_for(name):
    """A pytz zone for ``name``, UTC when the name is empty or unknown."""
    try:
        return periodicity.get_timezone(name or periodicity.DEFAULT_TIMEZONE)
    except periodicity.InvalidTimezone:
        return periodicity.get_timezone(periodicity.DEFAULT_TIMEZONE)


def localized_time(when, zone, time_only=False):
    """``when`` (aware) in ``zone``, in the format of the user's language.

    Plone's formatter works on DateTime, which would move an aware value to
    the server's own zone: give it the wall time of ``zone`` instead.
    """
    if when is None:
        return u""
    wall = clock.as_utc(when).astimezone(zone).replace(tzinfo=None)
    try:
        from plone.api.portal import get_localized_time

        formatted = get_localized_time(wall, long_format=True, time_only=time_only)
    except ConflictError:
        raise
    except Exception:  # noqa: fall back to ISO rather than break the page
        formatted = None
    if not formatted:
        formatted = wall.strftime("%H:%M" if time_only else "%Y-%m-%d %H:%M")
    return text(formatted)


def iso(when):
    """Machine-readable time for ``<time datetime="...">``."""
    return clock.to_iso(when) if when is not None else u""


def relative_time(when, now=None):
    """``when`` relative to now: "in 3 minutes", "2 hours ago"."""
    if when is None:
        return u""
    now = now if now is not None else clock.now()
    seconds = (clock.as_utc(when) - now).total_seconds()
    future = seconds >= 0
    seconds = abs(seconds)
    if seconds < 60:
        if future:
            return _(u"relative_soon", default=u"in less than a minute")
        return _(u"relative_just_now", default=u"less than a minute ago")
    minutes = int(round(seconds / 60.0))
    if minutes < 60:
        count, unit = minutes, u"minute"
    elif minutes < 48 * 60:
        count, unit = int(round(minutes / 60.0)), u"hour"
    else:
        count, unit = int(round(minutes / 1440.0)), u"day"
    return _counted(_RELATIVE[(future, unit, count == 1)], count)


def _counted(template, count):
    """The message ``template`` with its ``${count}``."""
    return Message(template, mapping={u"count": count})


_RELATIVE = {
    (True, u"minute", True): _(u"relative_in_minute", default=u"in 1 minute"),
    (True, u"minute", False): _(u"relative_in_minutes", default=u"in ${count} minutes"),
    (True, u"hour", True): _(u"relative_in_hour", default=u"in 1 hour"),
    (True, u"hour", False): _(u"relative_in_hours", default=u"in ${count} hours"),
    (True, u"day", True): _(u"relative_in_day", default=u"in 1 day"),
    (True, u"day", False): _(u"relative_in_days", default=u"in ${count} days"),
    (False, u"minute", True): _(u"relative_minute_ago", default=u"1 minute ago"),
    (False, u"minute", False): _(u"relative_minutes_ago", default=u"${count} minutes ago"),
    (False, u"hour", True): _(u"relative_hour_ago", default=u"1 hour ago"),
    (False, u"hour", False): _(u"relative_hours_ago", default=u"${count} hours ago"),
    (False, u"day", True): _(u"relative_day_ago", default=u"1 day ago"),
    (False, u"day", False): _(u"relative_days_ago", default=u"${count} days ago"),
}


def _decimal(value, language):
    """A number with at most two decimals, with the language's separator."""
    formatted = (u"%.2f" % value).rstrip(u"0").rstrip(u".")
    if language.split(u"-")[0].split(u"_")[0] in (u"fr", u"de"):
        formatted = formatted.replace(u".", u",")
    return formatted


def format_duration(seconds, language=u"en"):
    """How long a run took: "0.42 s", "3 min 20 s", "1 h 5 min"."""
    if seconds is None:
        return u""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return _(
            u"duration_seconds",
            default=u"${seconds} s",
            mapping={u"seconds": _decimal(seconds, language)},
        )
    whole = int(round(seconds))
    if whole < 3600:
        return _(
            u"duration_minutes",
            default=u"${minutes} min ${seconds} s",
            mapping={u"minutes": whole // 60, u"seconds": whole % 60},
        )
    return _(
        u"duration_hours",
        default=u"${hours} h ${minutes} min",
        mapping={u"hours": whole // 3600, u"minutes": (whole % 3600) // 60},
    )


def format_period(seconds):
    """A period in the largest unit that divides it: "5 minutes", "1 day"."""
    seconds = int(seconds or 0)
    for unit, size in ((u"day", 86400), (u"hour", 3600), (u"minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return _counted(_PERIODS[(unit, count == 1)], count)
    return _(u"period_seconds", default=u"${count} seconds", mapping={u"count": seconds})


def format_age(seconds):
    """A rounded length of time: "3 minutes", "2 hours", "4 days"."""
    minutes = max(1, int(round(max(0.0, seconds) / 60.0)))
    if minutes < 60:
        count, unit = minutes, u"minute"
    elif minutes < 48 * 60:
        count, unit = int(round(minutes / 60.0)), u"hour"
    else:
        count, unit = int(round(minutes / 1440.0)), u"day"
    return _counted(_PERIODS[(unit, count == 1)], count)


_PERIODS = {
    (u"minute", True): _(u"period_minute", default=u"1 minute"),
    (u"minute", False): _(u"period_minutes", default=u"${count} minutes"),
    (u"hour", True): _(u"period_hour", default=u"1 hour"),
    (u"hour", False): _(u"period_hours", default=u"${count} hours"),
    (u"day", True): _(u"period_day", default=u"1 day"),
    (u"day", False): _(u"period_days", default=u"${count} days"),
}


# ---------------------------------------------------------------------------
# Runners and users


def runner_factories(site):
    """The registered job runners: {name: factory}."""
    registry = getSiteManager().adapters
    found = {}
    for name, factory in registry.lookupAll(
        (providedBy(site), implementedBy(Cron)), IJobRunner
    ):
        if name:
            found[text(name)] = factory
    return found


def runner_title(factory):
    """What a developer says of a runner: a ``title`` or its class docstring."""
    title = getattr(factory, "title", None)
    if title:
        return title
    doc = getattr(factory, "__dict__", {}).get("__doc__")
    if doc:
        first = doc.strip().splitlines()[0].strip()
        return text(first)
    return u""


def find_user(site, userid):
    """The user ``userid`` (an id or a login) from the site or the Zope root."""
    if not userid:
        return None
    container = site
    while container is not None:
        acl_users = getattr(aq_base(container), "acl_users", None)
        if acl_users is not None:
            acl_users = container.acl_users
            user = acl_users.getUserById(userid) or acl_users.getUser(userid)
            if user is not None:
                return user
        container = aq_parent(container)
    return None


# ---------------------------------------------------------------------------
# The job system


def hide_password(value):
    """A queue address as people may see it: no password, whatever the form."""
    value = text(value)
    value = _PASSWORD_IN_URL.sub(r"\1***@", value)
    return _PASSWORD_PARAMETER.sub(r"\1***", value)


def queue_manager(site):
    return queryAdapter(site, IQueueManager)


def shortest_period(crontab):
    """Seconds between two runs of the most frequent active cron, or None."""
    periods = []
    for cron in crontab.crons.values():
        if not cron.active:
            continue
        try:
            seconds = periodicity.period_seconds(
                cron.periodicity, cron.effective_timezone
            )
        except (ValueError, periodicity.InvalidTimezone):
            continue
        if seconds:
            periods.append(seconds)
    return min(periods) if periods else None


def engine_state(site, crontab, now=None):
    """The job system as the engine box shows it.

    A dict with ``available`` (a job system is registered), ``engine``,
    ``queue`` (never with a password), ``worker``, ``reachable``, ``error``,
    ``heartbeat`` and ``warnings`` (messages for people).
    """
    now = now if now is not None else clock.now()
    info = {
        u"available": False,
        u"engine": u"",
        u"queue": u"",
        u"worker": None,
        u"reachable": None,
        u"error": u"",
        u"heartbeat": None,
        u"warnings": [],
    }
    warnings = info[u"warnings"]
    queue = queue_manager(site)
    if queue is None:
        warnings.append(
            _(
                u"warning_no_job_system",
                default=u"No job system is available: crons are saved but "
                u"will not run. Install huey (Python 3) or plone.app.async "
                u"(Python 2.7) and check the collective.cron section of "
                u"zope.conf.",
            )
        )
        return info
    info[u"available"] = True
    try:
        state = dict(queue.state() or {})
    except ConflictError:
        raise
    except Exception as error:  # noqa: the engine's trouble is shown, not raised
        logger.exception("The job system could not tell its state")
        state = {u"reachable": False, u"error": text(error)}
    info[u"engine"] = text(state.get("engine") or u"")
    info[u"queue"] = hide_password(state.get("queue") or u"")
    info[u"worker"] = state.get("worker")
    info[u"reachable"] = state.get("reachable")
    info[u"error"] = hide_password(state.get("error") or u"")
    info[u"heartbeat"] = state.get("heartbeat")
    if info[u"reachable"] is False:
        warnings.append(
            _(
                u"warning_queue_unreachable",
                default=u"The job queue cannot be reached: ${error}",
                mapping={
                    u"error": info[u"error"]
                    or translated(_(u"unknown_error", default=u"unknown error"))
                },
            )
        )
        return info
    if not crontab.activated:
        return info
    period = shortest_period(crontab)
    if period is None:
        return info
    limit = max(period, MIN_HEARTBEAT_AGE)
    heartbeat = info[u"heartbeat"]
    if heartbeat is None:
        warnings.append(
            _(
                u"warning_no_heartbeat",
                default=u"No worker has shown any sign of life yet: start a "
                u"worker (an instance with the worker on, or "
                u"collective-cron-worker) or the crons will not run.",
            )
        )
    elif (now - clock.as_utc(heartbeat)) > datetime.timedelta(seconds=limit):
        age = now - clock.as_utc(heartbeat)
        warnings.append(
            _(
                u"warning_old_heartbeat",
                default=u"No worker has shown any sign of life for ${age}, "
                u"longer than the shortest period of the active crons "
                u"(${period}): are the workers running?",
                mapping={
                    u"age": translated(format_age(age.total_seconds())),
                    u"period": translated(format_period(period)),
                },
            )
        )
    return info
