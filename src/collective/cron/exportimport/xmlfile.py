# -*- coding: utf-8 -*-
"""GenericSetup's crons.xml: read, apply and write (with lxml).

A ``cron`` element whose uid exists edits that cron: the attributes and
elements it gives replace the stored values, the others are kept.  An
element with ``remove="true"`` removes the cron.  ``activated`` on
``crontab`` sets the global switch; left out, the switch is not touched.
Importing the same file again changes nothing and saves nothing.
"""

from collections import OrderedDict
from collective.cron.builder import build_cron
from collective.cron.builder import check_run_as
from collective.cron.builder import current_user
from collective.cron.builder import MAX_IMPORT_BYTES
from collective.cron.compat import as_text
from collective.cron.compat import binary_type
from collective.cron.compat import string_types
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron
from collective.cron.exportimport.jsonfile import CrontabImportError
from collective.cron.registry import CRONTAB_RECORD
from collective.cron.utils import FALSE_WORDS
from collective.cron.utils import TRUE_WORDS
from lxml import etree
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite

import json

XML_FILENAME = "crons.xml"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# XML attributes of a cron element (the others are child elements).
XML_ATTRIBUTES = (
    "uid",
    "name",
    "activated",
    "periodicity",
    "timezone",
    "user",
    "logs_limit",
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
# Attributes left out of an export while they hold their default.
XML_DEFAULTS = {"attempts": 1, "retry_delay": 60, "overlap": u"forbid"}
XML_CHILDREN = ("description", "environ")


def _xml_bool(value, field, where):
    """A boolean attribute: a word of utils.TRUE_WORDS / FALSE_WORDS, else refused."""
    text = value.strip().lower()
    if text and text in TRUE_WORDS:
        return True
    if text and text in FALSE_WORDS:
        return False
    raise CrontabImportError(
        '%s: %s="%s" is not a boolean (use true or false)' % (where, field, value),
        field,
    )


def _elements(parent):
    """The child elements of ``parent`` (no comments, no processing instructions)."""
    return [child for child in parent if isinstance(child.tag, string_types)]


def _own_text(element):
    """The text directly inside ``element`` (not inside its children)."""
    parts = [element.text or u""]
    parts.extend(child.tail or u"" for child in element)
    return as_text(u"".join(as_text(part) for part in parts))


def _parse(body):
    if not isinstance(body, binary_type):
        body = as_text(body).encode("utf-8")
    if len(body) > MAX_IMPORT_BYTES:
        raise CrontabImportError(
            u"crons.xml is too large: %d bytes, at most %d are accepted"
            % (len(body), MAX_IMPORT_BYTES)
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        return etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise CrontabImportError(u"crons.xml is not well-formed XML: %s" % (error,))


def _read_cron(element, where):
    """``(uid, values or None)`` of a ``<cron>`` element (None: remove)."""
    uid = as_text(element.get("uid", u"")).strip()
    if not uid:
        raise CrontabImportError("%s: a cron needs a uid attribute" % where, "uid")
    where = '<cron uid="%s">' % (uid,)
    if "remove" in element.attrib and _xml_bool(element.get("remove"), "remove", where):
        return uid, None
    known = set(XML_ATTRIBUTES) | set(["remove"])
    for name in element.attrib:
        if name not in known:
            raise CrontabImportError(
                "%s: unknown attribute '%s' (known: %s)"
                % (where, name, ", ".join(sorted(known))),
                name,
            )
    values = dict(
        (name, as_text(element.get(name)))
        for name in XML_ATTRIBUTES
        if name in element.attrib
    )
    if "activated" in values:
        values["activated"] = _xml_bool(values["activated"], "activated", where)
    for child in _elements(element):
        if child.tag not in XML_CHILDREN:
            raise CrontabImportError(
                "%s: unknown element <%s> (known: %s)"
                % (where, child.tag, ", ".join(XML_CHILDREN)),
                child.tag,
            )
        text = _own_text(child).strip()
        if child.tag == "environ":
            text = text or u"{}"
        values[child.tag] = text
    return uid, values


def parse_crons_xml(body):
    """Read crons.xml: ``(activated or None, [(uid, values or None), ...])``.

    ``values`` is None for ``remove="true"``; otherwise the dict of the
    fields the element gives, as texts (``build_cron`` converts them).
    """
    root = _parse(body)
    if root.tag != "crontab":
        raise CrontabImportError(
            "crons.xml must have a <crontab> root element, not <%s>" % root.tag
        )
    activated = None
    if "activated" in root.attrib:
        activated = _xml_bool(root.get("activated"), "activated", "<crontab>")
    entries = []
    for position, element in enumerate(_elements(root), 1):
        where = "<%s> #%d" % (element.tag, position)
        if element.tag != "cron":
            raise CrontabImportError("%s: only <cron> elements go in <crontab>" % where)
        entries.append(_read_cron(element, where))
    return activated, entries


def apply_crons_xml(site, body, editor=None):
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
        if values is None:
            if uid in planned:
                del planned[uid]
                result["removed"].append(uid)
            continue
        current = planned.get(uid)
        try:
            cron = build_cron(
                dict(values, uid=uid), current=current, site=site, editor=None
            )
            if editor is not None and cron != current:
                check_run_as(site, editor, cron.user, current=current)
        except InvalidCron as error:
            raise CrontabImportError(
                u'<cron uid="%s">: %s' % (uid, error), error.field, uid=uid
            )
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
    crontab.audit_action = "imported"  # its audit entries say so
    result["saved"] = bool(changed and crontab.save())
    return result


def _xml_value(value):
    if isinstance(value, bool):
        return u"true" if value else u"false"
    return as_text(value)


def crons_xml(site=None):
    """The crontab of ``site`` as a crons.xml text (bytes, UTF-8).

    ``environ`` is written as readable JSON (text content needs no
    escaping of quotes); empty ``timezone`` and ``user`` are left out.
    """
    crontab = Crontab.load(site)
    root = etree.Element("crontab", activated=_xml_value(crontab.activated))
    for cron in crontab.crons.values():
        data = cron.dump(include_logs=False)
        element = etree.SubElement(root, "cron")
        for name in XML_ATTRIBUTES:
            if not data.get(name) and name in (
                "timezone",
                "user",
                "paused_until",
                "timeout",
                "ping_start",
                "ping_success",
                "ping_fail",
            ):
                continue
            if name in XML_DEFAULTS and data.get(name) == XML_DEFAULTS[name]:
                continue
            element.set(name, _xml_value(data[name]))
        if cron.description:
            etree.SubElement(element, "description").text = cron.description
        if cron.environ:
            etree.SubElement(element, "environ").text = json.dumps(
                cron.environ, sort_keys=True, ensure_ascii=False
            )
    body = etree.tostring(
        root, encoding="UTF-8", xml_declaration=False, pretty_print=True
    )
    return XML_DECLARATION + body


def _setup_site(context):
    site = context.getSite()
    # GenericSetup's own site may not be the current one (a script, a test).
    if getSite() is not site:
        setSite(site)
    return site


def _installed():
    registry = queryUtility(IRegistry)
    return registry is not None and CRONTAB_RECORD in registry.records


def _importing_user():
    """Who runs a GenericSetup import, for the least-privilege rule.

    A profile import runs as whoever runs it: through the web (the Add-ons
    control panel, portal_setup) that is a logged-in user, normally a
    Manager, and ``check_run_as`` applies to them.  With nobody logged in
    (a ``zconsole run`` script, a test layer's set-up) the profile comes
    from the file system, written by someone who can run code anyway: it
    is trusted (None).
    """
    return current_user()


def import_crons(context):
    """GenericSetup import step: apply crons.xml of the profile, if any."""
    body = context.readDataFile(XML_FILENAME)
    if body is None:
        return
    log = context.getLogger("collective.cron")
    site = _setup_site(context)
    if not _installed():
        raise CrontabImportError(
            "A profile has a crons.xml but collective.cron is not installed in "
            "this site: add <dependency>profile-collective.cron:default"
            "</dependency> to that profile's metadata.xml"
        )
    result = apply_crons_xml(site, body, editor=_importing_user())
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
    if not _installed():
        context.getLogger("collective.cron").info(
            "collective.cron is not installed: no crons.xml exported"
        )
        return
    context.writeDataFile(XML_FILENAME, crons_xml(site), "text/xml")
