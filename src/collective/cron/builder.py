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

from AccessControl import getSecurityManager
from AccessControl.SpecialUsers import system as SYSTEM_USER
from collective.cron import pause
from collective.cron.compat import binary_type
from collective.cron.compat import integer_types
from collective.cron.compat import string_types
from collective.cron.crontab import Cron
from collective.cron.crontab import InvalidCron
from collective.cron.periodicity import site_timezone
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
    "paused_until",
    "timeout",
    "attempts",
    "retry_delay",
    "overlap",
    "ping_start",
    "ping_success",
    "ping_fail",
)
TEXT_FIELDS = (
    "uid",
    "name",
    "periodicity",
    "timezone",
    "user",
    "description",
    "missed",
    "paused_until",
    "overlap",
    "ping_start",
    "ping_success",
    "ping_fail",
)


# Largest import file or REST body (5 MB): larger ones are refused before
# they are parsed (a crontab of 10,000 crons exports to about 3 MB).
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def check_size(size):
    """Refuse a file or body of ``size`` bytes over ``MAX_IMPORT_BYTES``."""
    if size > MAX_IMPORT_BYTES:
        raise InvalidCron(
            "The data is too large: %d bytes, at most %d (%d MB) are accepted"
            % (size, MAX_IMPORT_BYTES, MAX_IMPORT_BYTES // (1024 * 1024))
        )


# Deepest nesting of JSON objects/lists accepted in a body, a file or the
# parameters of a cron: deeper JSON is refused with a 400 / a form error
# before the parser recurses (Python's recursion limit would give a 500).
MAX_JSON_DEPTH = 32


def _text_depth(text):
    """The deepest nesting of ``{``/``[`` in a JSON text (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    break
        elif char in "]}":
            depth -= 1
    return deepest


def _data_depth(value):
    """The deepest nesting of dicts/lists in parsed JSON (no recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, (list, tuple)):
            children = list(item)
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_depth(value, field=None, what="the JSON"):
    """Refuse JSON (text or parsed) nested deeper than ``MAX_JSON_DEPTH``."""
    if isinstance(value, binary_type):
        value = value.decode("utf-8", "replace")
    if isinstance(value, string_types):
        depth = _text_depth(value)
    else:
        depth = _data_depth(value)
    if depth > MAX_JSON_DEPTH:
        raise InvalidCron(
            "%s is nested too deeply (more than %d levels of objects and lists)"
            % (what if field is None else field, MAX_JSON_DEPTH),
            field,
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
    for field in ("logs_limit", "timeout", "attempts", "retry_delay"):
        value = data.get(field)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, integer_types)
        ):
            raise InvalidCron(
                "%s must be a whole number, not %s" % (field, _json_type(value)),
                field,
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
            "login name of an existing user, or none to run as a system user" % (user,),
            "user",
        )


# Manager only by default (rolemap.xml): who holds it may leave "Run as" empty
# (the system user, which passes every security check) or pick any user.
RUN_AS_PERMISSION = "collective.cron: Run crons as another user"

# Roles every user has; they give no rights over another user.
_COMMON_ROLES = frozenset(("Anonymous", "Authenticated"))


class RunAsRefused(InvalidCron):
    """``check_run_as`` refused the run-as user (field ``user``).

    ``reason``: ``system`` (empty user), ``other`` (another user) or
    ``more_rights`` (the stored run-as user has rights the editor lacks);
    ``editor`` is the editor's id, so that pages can say it in their language.
    """

    def __init__(self, message, reason, editor):
        super(RunAsRefused, self).__init__(message, "user")
        self.reason = reason
        self.editor = editor


def current_user():
    """Who saves a cron now, for ``check_run_as``; None when nobody is logged in.

    Nobody logged in means a script (``zconsole run``, a test set-up, a
    GenericSetup profile installed from the command line): whoever runs it
    can run code anyway, so it is trusted.  Every web page and REST service
    that saves a cron needs "collective.cron: Manage crons", which the
    anonymous user never has.
    """
    user = getSecurityManager().getUser()
    if user is None or user.getUserName() == "Anonymous User":
        return None
    return user


def may_run_as_anyone(site, editor):
    """True when ``editor`` may choose any run-as user, the system user too."""
    if editor is None or editor is SYSTEM_USER:
        return True
    return bool(editor.has_permission(RUN_AS_PERMISSION, site))


def _same_user(site, editor, user):
    found = find_user(site, user) if user else None
    return found is not None and found.getId() == editor.getId()


def _more_rights(site, editor, user):
    """True when ``user`` (a run-as value) has rights ``editor`` lacks.

    The system user (empty) has every permission.  Otherwise the roles of
    both on the site are compared: a role the editor does not have, or the
    run-as permission, is more rights.  A user that no longer exists has
    none (its cron cannot run).
    """
    if not user:
        return True
    found = find_user(site, user)
    if found is None:
        return False
    if found.has_permission(RUN_AS_PERMISSION, site):
        return True
    theirs = set(found.getRolesInContext(site)) - _COMMON_ROLES
    mine = set(editor.getRolesInContext(site))
    return bool(theirs - mine)


def check_run_as(site, editor, user, current=None):
    """Least privilege: a cron runs with at most the rights of who saves it.

    ``editor`` saves a cron that will run as ``user`` (an id, a login, or
    empty for the system user); ``current`` is the stored cron on an edit.
    Whoever has ``RUN_AS_PERMISSION`` (Managers) may do anything.  The
    others:

    - may not choose the system user nor another user than themselves
      (keeping the user of a cron they edit is allowed when that user has
      no more rights than they have);
    - may not edit a cron whose run-as user has more rights than they have,
      unless the edit makes it run as themselves (which lowers its rights).

    ``editor`` None means a trusted caller (a GenericSetup import run by a
    script with nobody logged in).  Raises ``InvalidCron`` naming ``user``.
    Nothing here runs at run time: existing crons keep running as saved.
    """
    if may_run_as_anyone(site, editor):
        return
    if _same_user(site, editor, user):
        return
    if current is not None and _more_rights(site, editor, current.user):
        raise RunAsRefused(
            "user: this cron runs as %s, who has rights you do not have; only "
            "a user with the permission '%s' may edit it (or set user to "
            "yourself, '%s')"
            % (
                (
                    "the system user (every permission)"
                    if not current.user
                    else "'%s'" % (current.user,)
                ),
                RUN_AS_PERMISSION,
                editor.getId(),
            ),
            "more_rights",
            editor.getId(),
        )
    if current is not None and user == current.user:
        return
    if not user:
        raise RunAsRefused(
            "user: you may not leave it empty (the system user has every "
            "permission): only a user with the permission '%s' may; set it "
            "to yourself ('%s')" % (RUN_AS_PERMISSION, editor.getId()),
            "system",
            editor.getId(),
        )
    raise RunAsRefused(
        "user: you may not make a cron run as another user ('%s'): only a "
        "user with the permission '%s' may; set it to yourself ('%s')"
        % (user, RUN_AS_PERMISSION, editor.getId()),
        "other",
        editor.getId(),
    )


def build_cron(data, current=None, site=None, editor=False):
    """A validated ``Cron`` from a dict of fields, on top of ``current``.

    Fields missing from ``data`` keep the values of ``current`` (an edit)
    or take their defaults (a new cron); keys that are not ``FIELDS`` are
    ignored.  Raises ``InvalidCron`` naming the field.  With ``site``, the
    user is checked too (on an edit, only when it changes: a cron whose user
    went away can still be paused or fixed), and so is the least-privilege
    rule (``check_run_as``) for ``editor``: by default the current user;
    ``editor=None`` skips it (a trusted caller, see ``check_run_as``).
    """
    if data.get("environ") is not None:
        check_depth(data["environ"], "environ")
    values = current.dump(include_logs=False) if current is not None else {}
    for field in FIELDS:
        if field in data:
            values[field] = data[field]
    if "paused_until" in data:
        # Site time when no offset is given: the time the dashboard shows.
        given = pause.parse(data["paused_until"], site_timezone() if site else None)
        if current is not None:
            given = pause.edited(current.paused_until, given)
        values["paused_until"] = given
    if current is not None:
        values["uid"] = current.uid
    elif values.get("uid") is not None:
        check_uid(values["uid"])
    cron = Cron.load(values)
    if site is not None and (current is None or cron.user != current.user):
        check_user(site, cron.user)
    if site is not None:
        if editor is False:
            editor = current_user()
        check_run_as(site, editor, cron.user, current=current)
    return cron
