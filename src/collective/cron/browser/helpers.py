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
from collective.cron import periodicity
from collective.cron.compat import as_text
from collective.cron.crontab import FAILURE
from collective.cron.crontab import NOTRUN
from collective.cron.crontab import OK
from collective.cron.crontab import WARN
from collective.cron.listing import (  # noqa: F401 (helpers.runner_factories)
    runner_factories,
)
from ZODB.POSException import ConflictError
from zope.i18nmessageid import Message

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
    u"retry": _(u"trigger_retry", default=u"Retry"),
    u"queued": _(u"trigger_queued", default=u"After the previous run"),
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
        except Exception:  # a page never breaks for a label
            language = u"en"
    return as_text(language or u"en")


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
    except Exception:  # fall back to ISO rather than break the page
        formatted = None
    if not formatted:
        formatted = wall.strftime("%H:%M" if time_only else "%Y-%m-%d %H:%M")
    return as_text(formatted)


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
    count, unit = _in_largest_unit(int(round(seconds / 60.0)))
    return _counted(_RELATIVE[(future, unit, count == 1)], count)


def _in_largest_unit(minutes):
    """``(count, unit)``: minutes under an hour, hours under two days, else
    days, rounded; relative times and ages round alike."""
    if minutes < 60:
        return minutes, u"minute"
    if minutes < 48 * 60:
        return int(round(minutes / 60.0)), u"hour"
    return int(round(minutes / 1440.0)), u"day"


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
    (False, u"minute", False): _(
        u"relative_minutes_ago", default=u"${count} minutes ago"
    ),
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
    return _(
        u"period_seconds", default=u"${count} seconds", mapping={u"count": seconds}
    )


def format_age(seconds):
    """A rounded length of time: "3 minutes", "2 hours", "4 days"."""
    minutes = max(1, int(round(max(0.0, seconds) / 60.0)))
    count, unit = _in_largest_unit(minutes)
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
# Runners


def runner_title(factory):
    """What a developer says of a runner: a ``title`` or its class docstring."""
    title = getattr(factory, "title", None)
    if title:
        return title
    doc = getattr(factory, "__dict__", {}).get("__doc__")
    if doc:
        first = doc.strip().splitlines()[0].strip()
        return as_text(first)
    return u""


# ---------------------------------------------------------------------------
# The crontab


def shortest_period(crontab):
    """Seconds between two runs of the most frequent active cron, or None.

    Worked out once per (schedule, zone): a site with 10,000 crons has
    far fewer distinct schedules.
    """
    keys = set()
    for cron in crontab.crons.values():
        if cron.active:
            keys.add((cron.periodicity, cron.effective_timezone))
    periods = []
    for expression, zone in keys:
        try:
            seconds = periodicity.period_seconds(expression, zone)
        except (ValueError, periodicity.InvalidTimezone):
            continue
        if seconds:
            periods.append(seconds)
    return min(periods) if periods else None


# The overlap policies (collective.cron.overlap), in words.
OVERLAP_LABELS = {
    u"forbid": _(
        u"overlap_forbid",
        default=u"Forbid: skip a run while the previous one is running",
    ),
    u"queue_one": _(
        u"overlap_queue_one",
        default=u"Queue one: run once more right after the running one ends",
    ),
    u"allow": _(u"overlap_allow", default=u"Allow: let runs go on side by side"),
}
