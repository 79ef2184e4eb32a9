# -*- coding: utf-8 -*-
"""The limits of a cron's fields, in one place, and how they are checked.

Every path that builds a cron (forms, REST, JSON import, crons.xml, the
registry) goes through ``Cron`` validation, which asks this module what is
wrong with a cron's values.  ``LIMITS`` is the one table of numbers: the
pages and the documentation show it, the checks read it.

Strict or lenient: a cron that is being *saved* must respect every limit
(``InvalidCron`` names the field); a cron *read* from storage (the
registry, 2.x data) that was saved before a limit existed stays readable
and runnable, with a warning logged once per process.  The crontab reads
its registry inside ``reading_stored()``; everything else is strict.

The checks never recurse and never parse more than a bounded amount of
text, so hostile input costs little and gives no RecursionError.
"""

from collections import OrderedDict
from collective.cron import logger
from collective.cron.compat import binary_type
from collective.cron.compat import integer_types
from collective.cron.compat import string_types
from collective.cron.periodicity import MAX_LENGTH as MAX_PERIODICITY_LENGTH

import contextlib
import json
import math
import re
import sys
import threading

LIMITS = OrderedDict(
    [
        # Lengths in characters.  A uuid4 is 32 (3.x) or 36 (2.x) long.
        ("uid", 100),
        ("name", 255),
        ("description", 2000),
        # A login may be an e-mail address (at most 254 characters).
        ("user", 255),
        # The longest IANA zone name has 32 characters.
        ("timezone", 64),
        ("periodicity", MAX_PERIODICITY_LENGTH),
        # The parameters: a JSON object of at most this many names, this
        # many characters written as compact JSON, objects and lists
        # nested this deep (the object itself is level 1).
        ("environ_keys", 100),
        ("environ_chars", 10000),
        ("environ_depth", 10),
        # Logs kept per cron: at least 1, at most this many.
        ("logs_limit", 10000),
    ]
)

# The words a message uses for each field.
LABELS = {
    "uid": u"uid",
    "name": u"name",
    "description": u"description",
    "user": u"user (run as)",
    "timezone": u"time zone",
    "periodicity": u"periodicity",
    "environ": u"parameters",
}

# Text fields of one line, and those where tabs and line breaks are fine.
SINGLE_LINE_FIELDS = ("uid", "name", "user", "timezone", "periodicity")
MULTI_LINE_FIELDS = ("description",)

# C0 and C1 control characters, DEL, the two non-characters that XML
# refuses, and lone surrogates (they cannot be encoded: UTF-8, XML); tab,
# line feed and carriage return are decided per field.
_CONTROLS = u"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff"
if sys.maxunicode > 0xFFFF:
    # In a wide build's text every surrogate is a lone one.
    _MULTI_LINE = re.compile(u"[%s\ud800-\udfff]" % _CONTROLS)
    _SINGLE_LINE = re.compile(u"[\t\n\r%s\ud800-\udfff]" % _CONTROLS)
else:  # pragma: no cover (narrow builds of Python 2 only)
    _LONE = u"[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]"
    _MULTI_LINE = re.compile(u"[%s]|%s" % (_CONTROLS, _LONE))
    _SINGLE_LINE = re.compile(u"[\t\n\r%s]|%s" % (_CONTROLS, _LONE))


def text_problem(field, value, multi_line=False):
    """Why ``value`` cannot be saved as ``field`` (a text), or None."""
    limit = LIMITS.get(field)
    if limit is not None and len(value) > limit:
        return u"The %s is too long (%d characters): at most %d are accepted" % (
            LABELS.get(field, field),
            len(value),
            limit,
        )
    return character_problem(LABELS.get(field, field), value, multi_line)


def character_problem(label, value, multi_line=False):
    """Why ``value`` holds a character that cannot be stored, or None."""
    if isinstance(value, binary_type):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return u"The %s is not UTF-8 text" % (label,)
    match = (_MULTI_LINE if multi_line else _SINGLE_LINE).search(value)
    if match is None:
        return None
    return u"The %s contains a control character (U+%04X) at position %d: %s" % (
        label,
        ord(match.group()[0]),
        match.start() + 1,
        (
            u"only printable characters, tabs and line breaks are accepted"
            if multi_line
            else u"only printable characters are accepted"
        ),
    )


_CONTAINERS = (dict, list, tuple)
_PLAIN = (bool, type(None)) + tuple(integer_types)
_TEXTS = tuple(string_types) + (binary_type,)


def _value_problem(value):
    """Why one value of the parameters (not an object or list) is not JSON."""
    if isinstance(value, _PLAIN):
        return None
    if isinstance(value, _TEXTS):
        return character_problem(u"text of a parameter", value, multi_line=True)
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            return u"The parameters hold %r, which JSON cannot represent" % (value,)
        return None
    return (
        u"The parameters hold a %s: only texts, numbers, true/false, null, "
        u"lists and objects are accepted" % (type(value).__name__,)
    )


def environ_problem(environ):
    """Why the parameters (a dict) cannot be saved, or None.

    The walk uses its own stack: a structure nested 100,000 deep costs the
    first ``environ_depth`` levels, then stops.  It also stops after as
    many values as the size limit allows characters (each value takes at
    least one), so a huge structure is not walked to its end.
    """
    if len(environ) > LIMITS["environ_keys"]:
        return u"There are %d parameters: at most %d are accepted" % (
            len(environ),
            LIMITS["environ_keys"],
        )
    budget = LIMITS["environ_chars"]
    max_depth = LIMITS["environ_depth"]
    stack = [(environ, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > max_depth:
            return (
                u"The parameters are nested more than %d levels deep "
                u"(objects and lists inside each other)" % (max_depth,)
            )
        budget -= len(container)
        if budget < 0:
            break
        if isinstance(container, dict):
            for key in container:
                if not isinstance(key, string_types):
                    return u"The name of a parameter must be a text, not %r" % (key,)
                problem = character_problem(u"name of a parameter", key)
                if problem:
                    return problem
            values = container.values()
        else:
            values = container
        for value in values:
            if isinstance(value, _CONTAINERS):
                stack.append((value, depth + 1))
            else:
                problem = _value_problem(value)
                if problem:
                    return problem
    size = _size(environ) if budget >= 0 else None
    if size is None or size > LIMITS["environ_chars"]:
        return (
            u"The parameters are too long%s: at most %d characters of JSON "
            u"are accepted"
            % (u" (%d characters)" % (size,) if size else u"", LIMITS["environ_chars"])
        )
    return None


# One encoder: json.dumps with options builds a new one at every call.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _size(environ):
    """The length of the parameters as compact JSON, None if they are not JSON."""
    try:
        return len(_COMPACT.encode(environ))
    except (TypeError, ValueError, UnicodeError):
        return None


def normalise_newlines(text):
    """Line breaks as ``\\n``: a form sends ``\\r\\n``, which an XML
    round trip (crons.xml) would turn into ``\\n``."""
    return text.replace(u"\r\n", u"\n").replace(u"\r", u"\n")


# -- strict or lenient ------------------------------------------------------

_reading = threading.local()


@contextlib.contextmanager
def reading_stored():
    """Inside this block crons are read from storage: limits are not enforced.

    The crontab wraps its registry manager's ``load()`` in it, whichever
    manager is registered; saving is strict again.
    """
    depth = getattr(_reading, "depth", 0)
    _reading.depth = depth + 1
    try:
        yield
    finally:
        _reading.depth = depth


def is_reading_stored():
    return bool(getattr(_reading, "depth", 0))


def fingerprint(value):
    """A value as it was, even if a dict is changed in place later (a
    new object, equal to nothing, if it cannot be written as JSON)."""
    if isinstance(value, dict):
        try:
            return json.dumps(value, sort_keys=True, default=repr)
        except (RuntimeError, TypeError, ValueError):
            return object()
    return value


_warned = set()


def warn_once(uid, field, message):
    """Log that a stored cron breaks a limit, once per cron and field."""
    key = (uid, field)
    if key in _warned:
        return
    if len(_warned) > 10000:
        _warned.clear()
    _warned.add(key)
    logger.warning(
        "Cron %s breaks a limit of collective.cron (%s): it is kept and runs "
        "as stored, but it can only be saved again with its %s fixed",
        uid,
        message,
        LABELS.get(field, field),
    )
