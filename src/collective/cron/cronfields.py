# -*- coding: utf-8 -*-
"""How each field of a ``Cron`` is read, and the error that names a bad one.

``cron.py`` holds the model; this module holds what turns the values a
form, the REST API, an import or the registry hands over into a cron's
fields (parameters from JSON text, the logs limit, a remembered periodicity
check), so that the model stays readable and ``pause``/``timeouts`` can
raise ``InvalidCron`` without importing the model.
"""

from collective.cron import periodicity
from collective.cron.compat import binary_type
from collective.cron.compat import string_types
from collective.cron.limits import LIMITS

import json

MISSED_POLICIES = ("run_once", "skip")
DEFAULT_LOGS_LIMIT = 20
MAX_LOGS_LIMIT = LIMITS["logs_limit"]
# A text of parameters longer than this is refused without being parsed.
MAX_ENVIRON_TEXT = 10 * LIMITS["environ_chars"]


class InvalidCron(ValueError):
    """A cron (or one of its logs) cannot be built from the given data.

    ``field`` names the offending attribute, so forms and the REST API can
    point at it.
    """

    def __init__(self, message, field=None):
        super(InvalidCron, self).__init__(message)
        self.field = field


# -- field coercion ----------------------------------------------------


def environ_dict(value, strict=True):
    """The parameters of a cron: a dict, or JSON text of one.

    Their limits are checked by ``Cron.validate``; here only what makes
    them unreadable: a text too long to parse, broken JSON, nesting deeper
    than the parser can follow (a RecursionError otherwise), not an object.
    """
    if value is None or value == "":
        return {}
    if isinstance(value, (string_types, binary_type)):
        if strict and len(value) > MAX_ENVIRON_TEXT:
            raise InvalidCron(
                "The parameters are too long (%d characters): at most %d "
                "characters of JSON are accepted"
                % (len(value), LIMITS["environ_chars"]),
                "environ",
            )
        try:
            value = json.loads(value)
        except ValueError as error:
            raise InvalidCron("Parameters are not valid JSON: %s" % (error,), "environ")
        except RuntimeError:  # RecursionError on Python 3
            raise InvalidCron(TOO_DEEP, "environ")
    if not isinstance(value, dict):
        raise InvalidCron(
            "Parameters must be a JSON object ({...}), not %s"
            % (type(value).__name__,),
            "environ",
        )
    return dict(value)


def logs_limit(value):
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise InvalidCron(
            "The logs limit must be a whole number, not %r" % (value,), "logs_limit"
        )
    if limit < 1 or limit > MAX_LOGS_LIMIT:
        raise InvalidCron(
            "The logs limit must be between 1 and %d, not %d" % (MAX_LOGS_LIMIT, limit),
            "logs_limit",
        )
    return limit


# Assigning one of these makes the cron validate again before it is saved.
VALIDATED_FIELDS = frozenset(
    [
        "uid",
        "name",
        "periodicity",
        "user",
        "environ",
        "logs_limit",
        "timezone",
        "description",
        "missed",
        "paused_until",
        "timeout",
        "attempts",
        "retry_delay",
        "overlap",
    ]
)

TOO_DEEP = (
    "The parameters are nested more than %d levels deep (objects and lists "
    "inside each other)" % (LIMITS["environ_depth"],)
)


_valid_periodicities = {}


def validated_periodicity(expression, max_length=periodicity.MAX_LENGTH):
    """``periodicity.validate`` remembered: a crontab is read on every run,
    and parsing each expression again costs milliseconds per cron.  Only
    valid expressions are remembered, and the length limit is checked
    before this is called."""
    normalized = _valid_periodicities.get(expression)
    if normalized is None:
        normalized = periodicity.validate(expression, max_length)
        if len(_valid_periodicities) > 4096:
            _valid_periodicities.clear()
        _valid_periodicities[expression] = normalized
    return normalized
