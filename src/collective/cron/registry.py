# -*- coding: utf-8 -*-
"""The crontab registry manager: a crontab kept in plone.app.registry.

The records are those of collective.cron 2.x (one JSON text per cron), so
a 2.x site keeps its crons.  Logs are *not* written back here: they live in
the log store, and 2.x logs found in a cron's JSON move there on the next
save.
"""
from collective.cron import logger
from collective.cron.compat import binary_type
from collective.cron.crontab import Cron
from collective.cron.crontab import InvalidCron
from collective.cron.crontab import site_timezone
from collective.cron.interfaces import ICrontab
from collective.cron.interfaces import ICrontabRegistryManager
from collective.cron.interfaces import IRegistryCrontab
from plone.registry.interfaces import IRegistry
from zope.component import adapter
from zope.component import getUtility
from zope.interface import implementer

import json


PREFIX = IRegistryCrontab.__identifier__
ACTIVATED_RECORD = PREFIX + ".activated"
CRONTAB_RECORD = PREFIX + ".crontab"


def _unicode(text):
    if isinstance(text, binary_type):
        return text.decode("utf-8")
    return text


@implementer(ICrontabRegistryManager)
@adapter(ICrontab)
class CrontabRegistryManager(object):
    """Reads and writes a crontab in the site registry."""

    def __init__(self, crontab):
        self.crontab = crontab
        self.read_only = False

    @property
    def registry(self):
        return getUtility(IRegistry)

    @property
    def cronsettings(self):
        return self.registry.forInterface(IRegistryCrontab, check=False)

    @property
    def activated(self):
        value = self.registry.get(ACTIVATED_RECORD, True)
        return True if value is None else bool(value)

    @activated.setter
    def activated(self, value):
        if not self.read_only:
            self.registry[ACTIVATED_RECORD] = bool(value)

    @property
    def crons(self):
        return list(self.registry.get(CRONTAB_RECORD, None) or [])

    @crons.setter
    def crons(self, value):
        if not self.read_only:
            self.registry[CRONTAB_RECORD] = [_unicode(item) for item in value]

    def load(self, only=None):
        """Fill the crontab from the records (only the cron ``only`` if given).

        An entry that cannot be read is logged with what identifies it and
        kept aside (``crontab.unreadable``): the other crons load, and the
        next save writes the broken entry back unchanged.
        """
        crontab = self.crontab
        crontab.activated = self.activated
        local_timezone = site_timezone() or None
        for position, text in enumerate(self.crons):
            if only is not None and only not in text:
                # Job runs need one cron: skip parsing the others.
                continue
            try:
                cron = Cron.load(text, local_timezone=local_timezone)
            except (InvalidCron, ValueError, TypeError, AttributeError) as error:
                logger.warning(
                    "Ignoring unreadable cron #%d (%s) of the crontab: %s",
                    position + 1,
                    _describe_entry(text),
                    error,
                )
                crontab.unreadable.append(text)
                continue
            if only is not None and cron.uid != only:
                continue
            if cron.uid in crontab.crons:
                logger.warning(
                    "Ignoring a second cron with uid %s (%r) in the crontab",
                    cron.uid,
                    cron.name,
                )
                crontab.unreadable.append(text)
                continue
            crontab.add_cron(cron)
        return crontab

    def save(self):
        """Write the crontab (no-op when read-only)."""
        if self.read_only:
            return False
        crontab = self.crontab
        entries = [
            json.dumps(cron.dump(include_logs=False), sort_keys=False)
            for cron in crontab.crons.values()
        ]
        self.crons = entries + list(crontab.unreadable)
        self.activated = crontab.activated
        return True


def _describe_entry(text):
    """What a person needs to find a broken entry: its uid or name, or its start."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        data = None
    if isinstance(data, dict):
        return "uid=%s name=%s" % (data.get("uid"), data.get("name"))
    text = _unicode(text) if text is not None else u""
    return "text %r" % (text[:60],)
