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
from collective.cron.builder import check_types
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


def read_crontab_data(data, site=None):
    """Validate a whole export: ``(activated or None, [Cron, ...])``.

    Raises ``CrontabImportError`` for the first problem; changes nothing.
    """
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
            cron = build_cron(item, site=site)
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


def import_crontab(site, data, mode="replace"):
    """Import an export into the crontab of ``site``.

    ``replace``: the crontab becomes the file (same crons in the same
    order; crons not in the file are removed with their logs).  ``merge``:
    crons of the file are added or updated by uid, the others stay.  In
    both modes ``activated``, when the file has it, sets the global switch.

    Everything is validated before anything changes (``CrontabImportError``).
    Returns ``{"added": [...], "updated": [...], "removed": [...],
    "unchanged": [...], "activated": bool, "saved": bool}``; nothing is
    saved (and no event fired) when nothing changed.
    """
    if mode not in IMPORT_MODES:
        raise CrontabImportError(
            "Unknown import mode '%s': use one of %s" % (mode, ", ".join(IMPORT_MODES)),
            "mode",
        )
    activated, crons = read_crontab_data(data, site=site)
    crontab = Crontab.load(site)
    result = {"added": [], "updated": [], "removed": [], "unchanged": []}
    before = list(crontab.crons)
    changed = False
    if activated is not None and activated != crontab.activated:
        crontab.activated = activated
        changed = True
    incoming = [cron.uid for cron in crons]
    if mode == "replace":
        for uid in before:
            if uid not in incoming:
                crontab.remove_cron(uid)
                result["removed"].append(uid)
    for cron in crons:
        current = crontab.crons.get(cron.uid)
        if current is None:
            result["added"].append(cron.uid)
        elif current == cron:
            result["unchanged"].append(cron.uid)
            continue
        else:
            result["updated"].append(cron.uid)
        crontab.add_cron(cron)
    if mode == "replace":
        crontab.crons = OrderedDict((uid, crontab.crons[uid]) for uid in incoming)
    if result["added"] or result["updated"] or result["removed"]:
        changed = True
    if list(crontab.crons) != before:
        changed = True
    result["activated"] = crontab.activated
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
