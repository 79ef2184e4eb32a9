# -*- coding: utf-8 -*-
"""Which periodicities are accepted, and why one is not.

A periodicity is a classic 5-field cron expression (minute, hour, day of
month, month, day of week) or one of the aliases in ``ALIASES``.  Parsing
is delegated to croniter, which is the same library on Python 2.7 and 3.x,
so a periodicity accepted by one environment is accepted by all of them.
This module adds what croniter does not give: field-by-field error
messages (``InvalidPeriodicity.field``, translatable through
``message_id``) and a refusal of the extensions we do not want (seconds
and year fields, hashed ``H`` and random ``R`` values).  Everything is
refused at save time, never later in a worker.

An expression longer than ``MAX_LENGTH`` is refused before anything is
parsed: croniter's cost grows with the length of a list (a 50,000
character minute list takes most of a second), and the longest useful
expression (every value of every field spelled out) has 358 characters.
"""

from __future__ import unicode_literals

from collective.cron import _
from collective.cron.compat import as_text
from collective.cron.compat import PY2
from croniter import croniter
from croniter import CroniterBadDateError
from croniter import CroniterError

import datetime
import pytz
import re

ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

# Date of reference for the checks here and for period_seconds: a fixed
# one keeps the answers stable from one day to the next, and early January
# is far from the DST changes of most zones.
REFERENCE_DATE = datetime.datetime(2001, 1, 1, tzinfo=pytz.utc)

MONTH_NAMES = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")

# (name, lowest, highest, names) for each of the five fields, in order.
FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, MONTH_NAMES),
    ("day of week", 0, 7, DAY_NAMES),
)

# Field labels offered to translators; the English one is kept in str().
_FIELD_LABELS = {
    "minute": _("periodicity_field_minute", default="minute"),
    "hour": _("periodicity_field_hour", default="hour"),
    "day of month": _("periodicity_field_day_of_month", default="day of month"),
    "month": _("periodicity_field_month", default="month"),
    "day of week": _("periodicity_field_day_of_week", default="day of week"),
}

# The longest periodicity accepted on save (see the module docstring).
MAX_LENGTH = 500
# The longest one read back from storage, computed with and described:
# data saved before MAX_LENGTH existed keeps working, absurd text does not
# reach croniter.
STORED_MAX_LENGTH = 10 * MAX_LENGTH

_SUBSTITUTION = re.compile(r"\$\{(\w+)\}")
_HASHED = re.compile(r"^[hr](\(|/|$)", re.IGNORECASE)


def _interpolate(default, mapping):
    def replace(match):
        return as_text(mapping.get(match.group(1), match.group(0)))

    return _SUBSTITUTION.sub(replace, default)


class _TranslatableError(ValueError):
    """An error whose text can be shown in the site's language.

    ``str(error)`` is the English text, for logs and tracebacks;
    ``error.message_id`` is the same text as a zope.i18nmessageid Message
    (with its mapping) for forms and the REST API to translate.
    """

    def __init__(self, msgid, default, mapping):
        mapping = dict((k, as_text(v)) for k, v in mapping.items())
        self.text = _interpolate(default, mapping)
        translatable = dict(mapping)
        if "field" in mapping and mapping["field"] in _FIELD_LABELS:
            translatable["field"] = _FIELD_LABELS[mapping["field"]]
        self.message_id = _(msgid, default=default, mapping=translatable)
        if PY2:
            ValueError.__init__(self, self.text.encode("utf-8"))
        else:
            ValueError.__init__(self, self.text)

    def __unicode__(self):
        return self.text


class InvalidPeriodicity(_TranslatableError):
    """A periodicity that cannot be saved.

    ``field`` names the culprit ('minute', 'hour', 'day of month', 'month',
    'day of week') so that a form can point at it; it is None when the
    expression as a whole is wrong (empty, wrong number of fields, unknown
    alias).  ``value`` is the offending text.
    """

    def __init__(self, msgid, default, field=None, value="", **mapping):
        self.field = field
        self.value = as_text(value)
        mapping["value"] = self.value
        if field is not None:
            mapping["field"] = field
        _TranslatableError.__init__(self, msgid, default, mapping)


class InvalidTimezone(_TranslatableError):
    """A time zone name that pytz does not know."""

    def __init__(self, name, suggestion=None):
        self.name = as_text(name)
        if suggestion:
            _TranslatableError.__init__(
                self,
                "periodicity_error_timezone_suggestion",
                'Unknown time zone "${name}": did you mean "${suggestion}"?',
                {"name": self.name, "suggestion": suggestion},
            )
        else:
            _TranslatableError.__init__(
                self,
                "periodicity_error_timezone",
                'Unknown time zone "${name}": use an IANA name such as '
                '"Europe/Paris" or "UTC"',
                {"name": self.name},
            )


# ---------------------------------------------------------------------------
# Per-field diagnosis, then the whole expression


def _field_error(index, value, msgid, default, **mapping):
    return InvalidPeriodicity(
        msgid, default, field=FIELDS[index][0], value=value, **mapping
    )


def _generic_field_error(index, value):
    names = FIELDS[index][3]
    if names:
        return _field_error(
            index,
            value,
            "periodicity_error_field_syntax_names",
            'Invalid ${field} field "${value}": use a number or a name '
            "(${first} to ${last}), a range (1-5), a list (1,3,5), "
            "a step (*/2) or *",
            first=names[0],
            last=names[-1],
        )
    return _field_error(
        index,
        value,
        "periodicity_error_field_syntax",
        'Invalid ${field} field "${value}": use a number, a range (1-5), '
        "a list (1,15,30), a step (*/10) or *",
    )


def _out_of_range(index, value):
    name, low, high, names = FIELDS[index]
    if name == "day of week":
        return _field_error(
            index,
            value,
            "periodicity_error_day_of_week_range",
            'Invalid ${field} field "${value}": values must be between '
            "${min} and ${max} (Sunday is 0 or 7) or names sun to sat",
            min=low,
            max=high,
        )
    return _field_error(
        index,
        value,
        "periodicity_error_range",
        'Invalid ${field} field "${value}": values must be between ${min} and ${max}',
        min=low,
        max=high,
    )


def _diagnose(index, value):
    """Explain why croniter refused one field.

    croniter says only "not acceptable" or "out of range" for the whole
    expression; the person who typed it wants to know which part to fix.
    """
    name, low, high, names = FIELDS[index]
    for item in value.lower().split(","):
        base, slash, step = item.partition("/")
        if slash:
            if not step.isdigit() or int(step) == 0:
                return _field_error(
                    index,
                    value,
                    "periodicity_error_step",
                    'Invalid ${field} field "${value}": a step (after "/") '
                    "must be a whole number greater than 0",
                )
        if name == "day of week" and "#" in base:
            base, _sharp, nth = base.partition("#")
            if not nth.isdigit() or not 1 <= int(nth) <= 5:
                return _field_error(
                    index,
                    value,
                    "periodicity_error_nth_weekday",
                    'Invalid ${field} field "${value}": the number after "#" '
                    "must be between 1 and 5",
                )
        if base in ("*", "?") or (base == "l" and name == "day of month"):
            continue
        for bound in base.split("-"):
            if bound.isdigit():
                if not low <= int(bound) <= high:
                    return _out_of_range(index, value)
            elif bound.isalpha() and names:
                if bound not in names:
                    return _field_error(
                        index,
                        value,
                        "periodicity_error_unknown_name",
                        'Invalid ${field} field "${value}": unknown name '
                        '"${name}", use ${first} to ${last}',
                        name=bound,
                        first=names[0],
                        last=names[-1],
                    )
            else:
                return _generic_field_error(index, value)
    return _generic_field_error(index, value)


def _split(expression):
    if expression is None:
        expression = ""
    expression = as_text(expression)
    return expression.split()


def validate(expression, max_length=MAX_LENGTH):
    """Check a periodicity and return it in its normal form.

    The normal form (single spaces, aliases in lower case) is what gets
    stored, so that two spellings of one schedule compare equal.  Anything
    that would not be understood the same way by every environment is
    refused here, at save time, rather than failing later in a worker.

    ``max_length`` bounds the text before it is parsed; reading data that
    was stored before the limit existed may pass a larger bound (parsing
    stays fast up to a few thousand characters).
    """
    expression = as_text(expression) if expression is not None else ""
    if max_length is not None and len(expression) > max_length:
        raise InvalidPeriodicity(
            "periodicity_error_too_long",
            "The periodicity is too long (${length} characters): at most "
            "${max} are accepted",
            length=len(expression),
            max=max_length,
        )
    parts = _split(expression)
    if not parts:
        raise InvalidPeriodicity(
            "periodicity_error_empty",
            'The periodicity is empty: give 5 fields such as "*/15 * * * *" '
            "or an alias such as @daily",
        )
    if len(parts) == 1 and parts[0].startswith("@"):
        alias = parts[0].lower()
        if alias not in ALIASES:
            raise InvalidPeriodicity(
                "periodicity_error_alias",
                'Unknown alias "${value}": use one of ${aliases}',
                value=parts[0],
                aliases=", ".join(sorted(ALIASES)),
            )
        return alias
    normalised = " ".join(parts)
    if len(parts) > 5:
        raise InvalidPeriodicity(
            "periodicity_error_too_many_fields",
            "A periodicity has exactly 5 fields (minute, hour, day of month, "
            'month, day of week), "${value}" has ${count}: seconds and years '
            "are not supported",
            value=normalised,
            count=len(parts),
        )
    if len(parts) < 5:
        raise InvalidPeriodicity(
            "periodicity_error_too_few_fields",
            "A periodicity has exactly 5 fields (minute, hour, day of month, "
            'month, day of week), "${value}" has ${count}',
            value=normalised,
            count=len(parts),
        )
    for index, value in enumerate(parts):
        # croniter would accept H and R without complaint, yet they make the
        # schedule depend on a hash seed or on chance.
        if any(_HASHED.match(item) for item in value.split(",")):
            raise _field_error(
                index,
                value,
                "periodicity_error_hashed",
                'Invalid ${field} field "${value}": hashed (H) and random (R) '
                "values are not supported",
            )
        alone = ["*"] * 5
        alone[index] = value
        try:
            croniter.expand(" ".join(alone))
        except (CroniterError, ValueError, TypeError, IndexError, KeyError):
            raise _diagnose(index, value)
    try:
        croniter(normalised, REFERENCE_DATE.replace(tzinfo=None)).get_next(
            datetime.datetime
        )
    except CroniterBadDateError:
        # Only a day of month that no chosen month has can do that (30 2),
        # or an nth weekday that never comes.
        index = 4 if "#" in parts[4] and parts[2] == "*" else 2
        raise _field_error(
            index,
            parts[index],
            "periodicity_error_never",
            'Invalid ${field} field "${value}": no date matches it in the '
            "chosen months, the cron would never run",
        )
    except (CroniterError, ValueError, TypeError, IndexError, KeyError):
        raise InvalidPeriodicity(
            "periodicity_error_expression",
            'Invalid periodicity "${value}"',
            value=normalised,
        )
    return normalised
