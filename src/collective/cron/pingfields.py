# -*- coding: utf-8 -*-
"""The ping URL fields of a cron (``ping_start``, ``ping_success``,
``ping_fail``): what a ping URL may be, and how pings are sent.

The model (``Cron``) checks its fields with :func:`parse`; the pings
themselves leave from ``collective.cron.pings`` (see its contract).
"""

from collective.cron.compat import as_text
from collective.cron.compat import string_types
from collective.cron.cronfields import InvalidCron

FIELDS = ("ping_start", "ping_success", "ping_fail")
KINDS = {"ping_start": "start", "ping_success": "success", "ping_fail": "fail"}
MAX_URL = 2000
# Per ping: seconds to wait for an answer, attempts, first pause (doubling).
TIMEOUT = 5
ATTEMPTS = 3
BACKOFF = 1.0
# At most this many characters of a run's messages go in a ping's body.
MAX_BODY = 10000


def parse(value, field):
    """``value`` as a ping URL (text, "" for none); ``InvalidCron`` naming
    ``field`` for anything but an http(s) address."""
    if value is None:
        return u""
    if not isinstance(value, string_types):
        raise InvalidCron(
            "%s must be a text (an http:// or https:// URL)" % field, field
        )
    url = as_text(value).strip()
    if not url:
        return u""
    if len(url) > MAX_URL:
        raise InvalidCron(
            "%s is too long: at most %d characters" % (field, MAX_URL), field
        )
    scheme, _, rest = url.partition("://")
    if (
        scheme.lower() not in ("http", "https")
        or not rest
        or rest.startswith("/")
        or any(char.isspace() for char in url)
    ):
        raise InvalidCron(
            "%s must be an http:// or https:// URL without spaces, not '%s'"
            % (field, url[:200]),
            field,
        )
    return url
