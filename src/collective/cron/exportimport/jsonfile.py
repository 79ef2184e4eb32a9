# -*- coding: utf-8 -*-
"""The whole crontab as JSON: export, and import (replace or merge).

An import validates the whole file before it changes anything: if one cron
is invalid, ``CrontabImportError`` names it (position, uid, field) and the
crontab is left as it was.  Logs are not part of an export and the logs of
a file are ignored; the logs of a cron that stays are kept.
"""

from collections import OrderedDict
from collective.cron import logger
from collective.cron.builder import build_cron
from collective.cron.builder import check_depth
from collective.cron.builder import check_run_as
from collective.cron.builder import check_size
from collective.cron.builder import check_types
from collective.cron.builder import current_user
from collective.cron.compat import as_text
from collective.cron.compat import binary_type
from collective.cron.compat import string_types
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron

import json

IMPORT_MODES = ("replace", "merge")


class CrontabImportError(InvalidCron):
    """A file (or one of its crons) cannot be imported; nothing was changed.

    ``field`` names the offending attribute, ``position`` (1-based) and
    ``uid`` the cron, when the error is about one.
    """

    def __init__(self, message, field=None, position=None, uid=None):
        super(CrontabImportError, self).__init__(message, field)
        self.position = position
        self.uid = uid


def export_crontab(site=None):
    """The crontab of ``site`` as JSON-compatible data, without logs."""
    crontab = Crontab.load(site)
    return crontab.dump(include_logs=False)


def read_crontab_data(data, site=None, editor=None, crontab=None):
    """Validate a whole export: ``(activated or None, [Cron, ...])``.

    Raises ``CrontabImportError`` for the first problem; changes nothing.
    With ``editor`` (and ``site``), each cron that differs from the one of
    ``crontab`` with its uid must pass ``check_run_as`` (least privilege).
    """
    try:
        if isinstance(data, (binary_type,) + string_types):
            check_size(len(data))
        check_depth(data, what="The file")
    except InvalidCron as error:
        raise CrontabImportError(as_text(error))
    if isinstance(data, (binary_type,) + string_types):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise CrontabImportError(u"The file is not valid JSON: %s" % (error,))
    if not isinstance(data, dict):
        raise CrontabImportError(
            'The file must be a JSON object {"activated": ..., "crons": [...]}'
        )
    activated = data.get("activated")
    if activated is not None and not isinstance(activated, bool):
        raise CrontabImportError("activated must be true or false", "activated")
    items = data.get("crons")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise CrontabImportError("crons must be a list of cron objects", "crons")
    crons = []
    seen = set()
    for position, item in enumerate(items, 1):
        uid = item.get("uid") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise InvalidCron("a cron must be a JSON object")
            if not item.get("uid"):
                raise InvalidCron("a cron of an import needs its uid", "uid")
            check_types(item)
            cron = build_cron(item, site=site, editor=None)
            if site is not None and editor is not None:
                existing = crontab.crons.get(cron.uid) if crontab else None
                if existing is None or existing != cron:
                    check_run_as(site, editor, cron.user, current=existing)
        except InvalidCron as error:
            raise CrontabImportError(
                u"Cron #%d%s: %s"
                % (position, u" (uid %s)" % (uid,) if uid else "", error),
                error.field,
                position,
                uid,
            )
        if cron.uid in seen:
            raise CrontabImportError(
                "Cron #%d: uid %s appears twice in the file" % (position, cron.uid),
                "uid",
                position,
                cron.uid,
            )
        seen.add(cron.uid)
        crons.append(cron)
    return activated, crons


def _read_import(site, data, mode, editor):
    """``(crontab, activated, crons)``: the site's crontab and the checked file.

    The checks both a preview and an import make before anything else, so
    that a preview refuses exactly what the import would refuse.
    """
    if mode not in IMPORT_MODES:
        raise CrontabImportError(
            "Unknown import mode '%s': use one of %s" % (mode, ", ".join(IMPORT_MODES)),
            "mode",
        )
    crontab = Crontab.load(site)
    if editor is False:
        editor = current_user()
    activated, crons = read_crontab_data(
        data, site=site, editor=editor, crontab=crontab
    )
    return crontab, activated, crons


def _plan(crontab, activated, crons, mode):
    """Which uids the file adds, updates, removes or leaves unchanged."""
    plan = {"added": [], "updated": [], "removed": [], "unchanged": []}
    incoming = set(cron.uid for cron in crons)
    if mode == "replace":
        plan["removed"] = [uid for uid in crontab.crons if uid not in incoming]
    for cron in crons:
        current = crontab.crons.get(cron.uid)
        if current is None:
            plan["added"].append(cron.uid)
        elif current == cron:
            plan["unchanged"].append(cron.uid)
        else:
            plan["updated"].append(cron.uid)
    plan["activated"] = crontab.activated if activated is None else activated
    return plan


def plan_import(site, data, mode="merge", editor=False):
    """What ``import_crontab`` would do, without changing anything.

    The same checks (``CrontabImportError``); returns ``{"added": [...],
    "updated": [...], "removed": [...], "unchanged": [...]}`` (uids), so
    that a replace can be shown and confirmed before it deletes anything.
    """
    crontab, activated, crons = _read_import(site, data, mode, editor)
    return _plan(crontab, activated, crons, mode)


def import_crontab(site, data, mode="merge", editor=False):
    """Import an export into the crontab of ``site``.

    ``replace``: the crontab becomes the file (same crons in the same
    order; crons not in the file are removed with their logs).  ``merge``:
    crons of the file are added or updated by uid, the others stay.  In
    both modes ``activated``, when the file has it, sets the global switch.

    Everything is validated before anything changes (``CrontabImportError``),
    the least-privilege rule too (``check_run_as``, for ``editor``: the
    current user by default; None skips it).
    Returns ``{"added": [...], "updated": [...], "removed": [...],
    "unchanged": [...], "activated": bool, "saved": bool}``; nothing is
    saved (and no event fired) when nothing changed.
    """
    crontab, activated, crons = _read_import(site, data, mode, editor)
    result = _plan(crontab, activated, crons, mode)
    before = list(crontab.crons)
    changed = False
    if activated is not None and activated != crontab.activated:
        crontab.activated = activated
        changed = True
    for uid in result["removed"]:
        crontab.remove_cron(uid)
    unchanged = set(result["unchanged"])
    for cron in crons:
        if cron.uid not in unchanged:
            crontab.add_cron(cron)
    if mode == "replace":
        crontab.crons = OrderedDict(
            (cron.uid, crontab.crons[cron.uid]) for cron in crons
        )
    if result["added"] or result["updated"] or result["removed"]:
        changed = True
    if list(crontab.crons) != before:
        changed = True
    result["activated"] = crontab.activated
    crontab.audit_action = "imported"  # its audit entries say so
    result["saved"] = bool(changed and crontab.save())
    logger.info(
        "Crontab import (%s): %d added, %d updated, %d removed, %d unchanged",
        mode,
        len(result["added"]),
        len(result["updated"]),
        len(result["removed"]),
        len(result["unchanged"]),
    )
    return result
