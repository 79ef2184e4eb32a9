# -*- coding: utf-8 -*-
"""Moving crons in and out of a site: JSON files and GenericSetup's crons.xml.

JSON (the REST API's ``@crons/@export`` and ``@crons/@import``, and any
script or dashboard button)::

    data = export_crontab(site)                  # {"activated": ..., "crons": [...]}
    result = import_crontab(site, data)          # replace: the crontab becomes the file
    result = import_crontab(site, data, mode="merge")

An import validates the whole file before it changes anything: if one cron
is invalid, :class:`CrontabImportError` names it (position, uid, field) and the
crontab is left as it was.  Logs are not part of an export and the logs of
a file are ignored; the logs of a cron that stays are kept.

GenericSetup (an add-on ships default crons in its profile)::

    <crontab>
      <cron uid="my.addon-cleanup" name="my.addon.cleanup"
            periodicity="0 3 * * *" activated="true" logs_limit="20">
        <description>Remove drafts older than a month</description>
        <environ>{"days": 30}</environ>
      </cron>
      <cron uid="my.addon-old-job" remove="true" />
    </crontab>

A ``cron`` element whose uid exists edits that cron: the attributes and
elements it gives replace the stored values, the others are kept.  An
element with ``remove="true"`` removes the cron.  ``activated`` on
``crontab`` sets the global switch; left out, the switch is not touched.
Importing the same file again changes nothing and saves nothing.
"""

from collections import OrderedDict
from collective.cron import logger
from collective.cron.adapters.registry import CRONTAB_RECORD
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron
from plone.registry.interfaces import IRegistry
from Products.CMFCore.utils import getToolByName
from xml.dom import minidom
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import escape
from xml.sax.saxutils import quoteattr
from zope.component import queryUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite

import json
import six

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
IMPORT_MODES = ("replace", "merge")
XML_FILENAME = "crons.xml"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class CrontabImportError(InvalidCron):
    """A file (or one of its crons) cannot be imported; nothing was changed.

    ``field`` names the offending attribute, ``position`` (1-based) and
    ``uid`` the cron, when the error is about one.
    """

    def __init__(self, message, field=None, position=None, uid=None):
        super(CrontabImportError, self).__init__(message, field)
        self.position = position
        self.uid = uid


# --------------------------------------------------------------------------
# Building and checking crons
# --------------------------------------------------------------------------


def check_types(data):
    """Refuse JSON values of the wrong type instead of guessing.

    ``Cron`` converts loosely (GenericSetup gives text for everything); a
    JSON client that sends ``"activated": "maybe"`` gets told.
    """
    for field in TEXT_FIELDS:
        value = data.get(field)
        if value is not None and not isinstance(value, six.string_types):
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
        isinstance(value, bool) or not isinstance(value, six.integer_types)
    ):
        raise InvalidCron(
            "logs_limit must be a whole number, not %s" % (_json_type(value),),
            "logs_limit",
        )
    value = data.get("environ")
    if value is not None and not isinstance(value, (dict,) + six.string_types):
        raise InvalidCron(
            "environ must be a JSON object ({...}), not %s" % (_json_type(value),),
            "environ",
        )


def _json_type(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, six.integer_types + (float,)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, six.string_types):
        return "a text"
    return type(value).__name__


def check_uid(uid):
    """A uid is a non-empty text that fits in a URL segment of ``@crons``."""
    if not isinstance(uid, six.string_types) or not uid.strip():
        raise InvalidCron("uid must be a non-empty text", "uid")
    if "/" in uid or uid.startswith("@") or uid != uid.strip():
        raise InvalidCron(
            "uid '%s' cannot be used: no '/', no leading '@', no surrounding spaces"
            % (uid,),
            "uid",
        )


def check_user(site, userid):
    """Refuse a cron user that does not exist (the cron could never run)."""
    if not userid:
        return
    membership = getToolByName(site, "portal_membership", None)
    if membership is None or membership.getMemberById(userid) is not None:
        return
    raise InvalidCron(
        "User '%s' not found: give an existing user id, or none to run as a "
        "system user" % (userid,),
        "user",
    )


def build_cron(data, current=None, site=None):
    """A validated ``Cron`` from a dict of fields, on top of ``current``.

    Fields missing from ``data`` keep the values of ``current`` (an edit)
    or take their defaults (a new cron).  Raises ``InvalidCron`` naming the
    field.  With ``site``, the user is checked too.
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


# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------


def export_crontab(site=None):
    """The crontab of ``site`` as JSON-compatible data, without logs."""
    crontab = Crontab.load(site)
    return crontab.dump(include_logs=False)


def read_crontab_data(data, site=None):
    """Validate a whole export: ``(activated or None, [Cron, ...])``.

    Raises ``CrontabImportError`` for the first problem; changes nothing.
    """
    if isinstance(data, (six.binary_type,) + six.string_types):
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


# --------------------------------------------------------------------------
# GenericSetup: crons.xml
# --------------------------------------------------------------------------

# XML attributes of a cron element (the others are child elements).
_XML_ATTRIBUTES = (
    "uid",
    "name",
    "activated",
    "periodicity",
    "timezone",
    "user",
    "logs_limit",
    "missed",
)


def _xml_bool(value, field, where):
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CrontabImportError(
        '%s: %s="%s" is not a boolean (use true or false)' % (where, field, value),
        field,
    )


def _element_text(element):
    return "".join(
        node.data
        for node in element.childNodes
        if node.nodeType in (node.TEXT_NODE, node.CDATA_SECTION_NODE)
    )


def parse_crons_xml(body):
    """Read crons.xml: ``(activated or None, [(uid, values or None), ...])``.

    ``values`` is None for ``remove="true"``; otherwise the dict of the
    fields the element gives, as texts (``Cron`` converts them).
    """
    try:
        document = minidom.parseString(body)
    except ExpatError as error:
        raise CrontabImportError(u"crons.xml is not well-formed XML: %s" % (error,))
    root = document.documentElement
    if root.tagName != "crontab":
        raise CrontabImportError(
            "crons.xml must have a <crontab> root element, not <%s>" % root.tagName
        )
    activated = None
    if root.hasAttribute("activated"):
        activated = _xml_bool(root.getAttribute("activated"), "activated", "<crontab>")
    entries = []
    position = 0
    for element in root.childNodes:
        if element.nodeType != element.ELEMENT_NODE:
            continue
        position += 1
        where = "<%s> #%d" % (element.tagName, position)
        if element.tagName != "cron":
            raise CrontabImportError("%s: only <cron> elements go in <crontab>" % where)
        uid = element.getAttribute("uid").strip()
        if not uid:
            raise CrontabImportError("%s: a cron needs a uid attribute" % where, "uid")
        where = '<cron uid="%s">' % (uid,)
        if element.hasAttribute("remove") and _xml_bool(
            element.getAttribute("remove"), "remove", where
        ):
            entries.append((uid, None))
            continue
        values = {}
        for name in _XML_ATTRIBUTES:
            if element.hasAttribute(name):
                values[name] = element.getAttribute(name)
        known = set(_XML_ATTRIBUTES) | set(["remove"])
        for name in element.attributes.keys():
            if name not in known:
                raise CrontabImportError(
                    "%s: unknown attribute '%s' (known: %s)"
                    % (where, name, ", ".join(sorted(known))),
                    name,
                )
        if "activated" in values:
            values["activated"] = _xml_bool(values["activated"], "activated", where)
        for child in element.childNodes:
            if child.nodeType != child.ELEMENT_NODE:
                continue
            if child.tagName == "description":
                values["description"] = _element_text(child).strip()
            elif child.tagName == "environ":
                values["environ"] = _element_text(child).strip() or "{}"
            else:
                raise CrontabImportError(
                    "%s: unknown element <%s> (known: description, environ)"
                    % (where, child.tagName),
                    child.tagName,
                )
        entries.append((uid, values))
    return activated, entries


def apply_crons_xml(site, body):
    """Apply a crons.xml text to the crontab of ``site``.

    Validates every element first (``CrontabImportError``, nothing changed),
    then saves once, and only when something changed.  Returns the same
    summary as ``import_crontab``.
    """
    activated, entries = parse_crons_xml(body)
    crontab = Crontab.load(site)
    result = {"added": [], "updated": [], "removed": [], "unchanged": []}
    planned = OrderedDict((uid, cron) for uid, cron in crontab.crons.items())
    for uid, values in entries:
        where = '<cron uid="%s">' % (uid,)
        if values is None:
            if uid in planned:
                del planned[uid]
                result["removed"].append(uid)
            continue
        current = planned.get(uid)
        data = dict(values, uid=uid)
        try:
            cron = build_cron(data, current=current)
        except InvalidCron as error:
            raise CrontabImportError(u"%s: %s" % (where, error), error.field, uid=uid)
        if current is None:
            result["added"].append(uid)
        elif cron == current:
            result["unchanged"].append(uid)
        else:
            result["updated"].append(uid)
        planned[uid] = cron
    changed = bool(result["added"] or result["updated"] or result["removed"])
    for uid in result["removed"]:
        if uid in crontab.crons:
            crontab.remove_cron(uid)
    for uid in result["added"] + result["updated"]:
        crontab.add_cron(planned[uid])
    if activated is not None and activated != crontab.activated:
        crontab.activated = activated
        changed = True
    result["activated"] = crontab.activated
    result["saved"] = bool(changed and crontab.save())
    return result


def crons_xml(site=None):
    """The crontab of ``site`` as a crons.xml text (bytes, UTF-8).

    Written by hand rather than by minidom, so that the JSON of ``environ``
    stays readable (no ``&quot;``) and the output is the same on every
    Python.
    """
    crontab = Crontab.load(site)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<crontab activated="%s">' % ("true" if crontab.activated else "false"),
    ]
    for cron in crontab.crons.values():
        data = cron.dump(include_logs=False)
        attributes = []
        for name in _XML_ATTRIBUTES:
            value = data[name]
            if name in ("timezone", "user") and not value:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            attributes.append("%s=%s" % (name, quoteattr(six.text_type(value))))
        children = []
        if cron.description:
            children.append(
                "    <description>%s</description>" % escape(cron.description)
            )
        if cron.environ:
            children.append(
                "    <environ>%s</environ>"
                % escape(json.dumps(cron.environ, sort_keys=True, ensure_ascii=False))
            )
        opening = "  <cron " + "\n        ".join(attributes)
        if children:
            lines.append(opening + ">")
            lines.extend(children)
            lines.append("  </cron>")
        else:
            lines.append(opening + " />")
    lines.append("</crontab>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _setup_site(context):
    site = context.getSite()
    # GenericSetup's own site may not be the current one (a script, a test).
    if getSite() is not site:
        setSite(site)
    return site


def import_crons(context):
    """GenericSetup import step: apply crons.xml of the profile, if any."""
    body = context.readDataFile(XML_FILENAME)
    if body is None:
        return
    log = context.getLogger("collective.cron")
    site = _setup_site(context)
    registry = queryUtility(IRegistry)
    if registry is None or CRONTAB_RECORD not in registry.records:
        raise CrontabImportError(
            "A profile has a crons.xml but collective.cron is not installed in "
            "this site: add <dependency>profile-collective.cron:default"
            "</dependency> to that profile's metadata.xml"
        )
    result = apply_crons_xml(site, body)
    log.info(
        "crons.xml: %d added, %d updated, %d removed, %d unchanged%s",
        len(result["added"]),
        len(result["updated"]),
        len(result["removed"]),
        len(result["unchanged"]),
        "" if result["saved"] else " (nothing to save)",
    )


def export_crons(context):
    """GenericSetup export step: write the crontab as crons.xml."""
    site = _setup_site(context)
    registry = queryUtility(IRegistry)
    if registry is None or CRONTAB_RECORD not in registry.records:
        context.getLogger("collective.cron").info(
            "collective.cron is not installed: no crons.xml exported"
        )
        return
    context.writeDataFile(XML_FILENAME, crons_xml(site), "text/xml")
