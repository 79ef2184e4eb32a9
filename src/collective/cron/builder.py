# -*- coding: utf-8 -*-
"""A cron from a dict of fields: the one path of the forms, REST, JSON and crons.xml.

::

    cron = build_cron({"name": "my.job", "periodicity": "@daily"}, site=site)
    cron = build_cron({"activated": False}, current=cron, site=site)   # an edit

The model (``Cron``) checks its own fields (name, periodicity, time zone,
missed-run policy) and raises ``InvalidCron`` naming the field.  This module
adds what only a site can tell: the user must be one that
``collective.cron.users.find_user`` finds (a user id or a login, in the
site's user folder then the Zope root's: the rule the run uses too), and
the uid of a new cron must fit in a URL.  ``check_types`` refuses JSON
values of the wrong type, for clients that send JSON (REST, JSON import).
"""
from collective.cron.compat import integer_types
from collective.cron.compat import string_types
from collective.cron.crontab import Cron
from collective.cron.crontab import InvalidCron
from collective.cron.users import find_user


# Fields a file or a request may set, in the order of ``Cron.dump()``.
FIELDS = (
    "uid",
    "name",
    "activated",
    "periodicity",
    "timezone",
    "user",
    "environ",
    "logs_limit",
    "description",
    "missed",
)
TEXT_FIELDS = (
    "uid",
    "name",
    "periodicity",
    "timezone",
    "user",
    "description",
    "missed",
)


def _json_type(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, integer_types + (float,)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, string_types):
        return "a text"
    return type(value).__name__


def check_types(data):
    """Refuse JSON values of the wrong type instead of guessing.

    ``Cron`` converts loosely (GenericSetup gives text for everything); a
    JSON client that sends ``"activated": "maybe"`` gets told.
    """
    for field in TEXT_FIELDS:
        value = data.get(field)
        if value is not None and not isinstance(value, string_types):
            raise InvalidCron(
                "%s must be a text, not %s" % (field, _json_type(value)), field
            )
    value = data.get("activated")
    if value is not None and not isinstance(value, bool):
        raise InvalidCron(
            "activated must be true or false, not %s" % (_json_type(value),),
            "activated",
        )
    value = data.get("logs_limit")
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, integer_types)
    ):
        raise InvalidCron(
            "logs_limit must be a whole number, not %s" % (_json_type(value),),
            "logs_limit",
        )
    value = data.get("environ")
    if value is not None and not isinstance(value, (dict,) + string_types):
        raise InvalidCron(
            "environ must be a JSON object ({...}), not %s" % (_json_type(value),),
            "environ",
        )


def check_uid(uid):
    """A uid is a non-empty text that fits in a URL segment of ``@crons``."""
    if not isinstance(uid, string_types) or not uid.strip():
        raise InvalidCron("uid must be a non-empty text", "uid")
    if "/" in uid or uid.startswith("@") or uid != uid.strip():
        raise InvalidCron(
            "uid '%s' cannot be used: no '/', no leading '@', no surrounding spaces"
            % (uid,),
            "uid",
        )


def check_user(site, user):
    """Refuse a cron user that ``find_user`` does not find (it could never run).

    An empty user (the system user) passes: who may choose it is the
    caller's rule, not this one's.
    """
    if user and find_user(site, user) is None:
        raise InvalidCron(
            "user: no user '%s' in this site or the Zope root: give the id or "
            "login name of an existing user, or none to run as a system user"
            % (user,),
            "user",
        )


def build_cron(data, current=None, site=None):
    """A validated ``Cron`` from a dict of fields, on top of ``current``.

    Fields missing from ``data`` keep the values of ``current`` (an edit)
    or take their defaults (a new cron); keys that are not ``FIELDS`` are
    ignored.  Raises ``InvalidCron`` naming the field.  With ``site``, the
    user is checked too (on an edit, only when it changes: a cron whose user
    went away can still be paused or fixed).
    """
    values = current.dump(include_logs=False) if current is not None else {}
    for field in FIELDS:
        if field in data:
            values[field] = data[field]
    if current is not None:
        values["uid"] = current.uid
    elif values.get("uid") is not None:
        check_uid(values["uid"])
    cron = Cron.load(values)
    if site is not None and (current is None or cron.user != current.user):
        check_user(site, cron.user)
    return cron
