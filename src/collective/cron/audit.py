# -*- coding: utf-8 -*-
"""The audit trail: who did what to each cron, and when.

Why: "who switched this cron off?" and "who deleted it?" must have an
answer that does not depend on somebody's memory.  Each cron has its own
audit book, stored like its logs (``collective.cron.logstore``): a
persistent object in a site annotation, by cron uid, whose entries are
small persistent records in an IOBTree.  Appending writes the new record,
one bucket and the book's counters, in the transaction of the change
itself: editing one cron never touches another cron's book, and a cron's
page reads its own book only.  A book keeps the last ``LIMIT`` entries.

When a cron is deleted its book goes with it; the deletion entry (with the
cron's name) is kept in a site-wide book of deletions, bounded too
(``DELETED_LIMIT``), so that "who deleted it" can still be answered.

The entries are written from the one place each change happens: a saved
crontab (``record_save``, from the crontab manager's subscriber: created,
changed, switched on or off, paused or resumed, imported, deleted), and
the run-now rule (``record_run``: Run now, bulk runs, runs with
parameters).  Times are aware UTC; pages show them in the site's time.
Values of fields whose name looks like a secret (a webhook secret, a
token, a password) are never stored: they read ``***``.

Runs with parameters (``remember_parameters``/``parameters_for``): the
parameters of a manual run are kept in the cron's book under the run's job
id, read by the run (``collective.cron.run``).  The queue's payload stays
the cron uid and the job id: parameters, which may hold secrets, never
travel through the queue, and the run reads them from the ZODB, which only
Plone writes.
"""

from AccessControl import getSecurityManager
from BTrees.IOBTree import IOBTree
from collective.cron import clock
from collective.cron.compat import as_text
from collective.cron.compat import string_types
from collective.cron.utils import annotation_tree
from persistent import Persistent
from zope.annotation.interfaces import IAnnotations

import json
import re

ANNOTATION_KEY = "collective.cron.audit"
DELETED_KEY = "collective.cron.audit.deleted"
# Entries kept per cron, and deletions kept for the whole site.
LIMIT = 100
DELETED_LIMIT = 200
# Parameters of manual runs kept per cron (a run reads them once queued).
PARAMETERS_KEPT = 20
MASK = u"***"
# Field names whose values are secrets, at any depth (``environ`` too):
# ping URLs (Healthchecks.io, Cronitor) hold their check's token.
SECRET = re.compile(r"secret|token|passw|api[_-]?key|credential|ping", re.I).search
# The password of a URL in any text (``https://user:password@host``).
URL_PASSWORD = re.compile(r"(://[^/\s:@]+:)[^/\s@]+@")
# Keys of a cron's record that are not one of its fields.
IGNORED = ("position", "logs")

CREATED = "created"
CHANGED = "changed"
TURNED_ON = "turned_on"
TURNED_OFF = "turned_off"
PAUSED = "paused"
RESUMED = "resumed"
IMPORTED = "imported"
RUN = "run"
DELETED = "deleted"
ACTIONS = (CREATED, CHANGED, TURNED_ON, TURNED_OFF, PAUSED, RESUMED)
ACTIONS += (IMPORTED, RUN, DELETED)


class StoredEntry(Persistent):
    """One entry, pickled on its own so that a bucket only holds references."""

    def __init__(self, data):
        self.data = data


class AuditBook(Persistent):
    """The entries of one cron (or the site's deletions), oldest first."""

    def __init__(self):
        self.entries = IOBTree()
        self.next_key = 0
        self.size = 0
        # ((job id, occurrence ISO, parameters as JSON), ...), newest last.
        self.parameters = ()

    def append(self, entry, limit):
        self.entries[self.next_key] = StoredEntry(entry)
        self.next_key += 1
        self.size += 1
        while self.size > limit:
            del self.entries[self.entries.minKey()]
            self.size -= 1

    def items(self):
        return [dict(record.data) for record in self.entries.values()]


def _books(site, create=False):
    return annotation_tree(site, ANNOTATION_KEY, create=create)


def _book(site, uid, create=False):
    books = _books(site, create=create)
    if books is None:
        return None
    book = books.get(uid)
    if book is None and create:
        book = books[uid] = AuditBook()
    return book


def _deleted_book(site, create=False):
    annotations = IAnnotations(site)
    book = annotations.get(DELETED_KEY)
    if book is None and create:
        book = annotations[DELETED_KEY] = AuditBook()
    return book


def current_actor():
    """The id of the user acting now (their login when they have no id)."""
    user = getSecurityManager().getUser()
    if user is None:
        return u""
    actor = user.getId() or user.getUserName()
    return as_text(actor or u"")


def mask(value, name=u""):
    """``value`` with the values of secret-looking keys replaced by ``***``."""
    if name and SECRET(name) and value not in (None, u"", {}, []):
        return MASK
    if isinstance(value, dict):
        return dict((key, mask(item, as_text(key))) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [mask(item) for item in value]
    if isinstance(value, string_types):
        return URL_PASSWORD.sub(r"\1***@", value)
    return value


def changes(before, after):
    """The fields that differ between two cron dumps (dicts), masked:
    ``[{"field", "old", "new"}]`` in field order."""
    before = before or {}
    after = after or {}
    found = []
    names = [key for key in after if key not in IGNORED]
    names += sorted(key for key in before if key not in after and key not in IGNORED)
    for name in names:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        old, new = mask(old, name), mask(new, name)
        if old == new:
            # A secret that changed: say so without telling either value.
            old, new = MASK, MASK + u" (changed)"
        found.append({"field": as_text(name), "old": old, "new": new})
    return found


def classify(found):
    """The action a change of ``found`` fields is, for people."""
    fields = set(item["field"] for item in found)
    if fields == set(["activated"]):
        return TURNED_ON if found[0]["new"] else TURNED_OFF
    if fields == set(["paused_until"]):
        return PAUSED if found[0]["new"] else RESUMED
    return CHANGED


def _entry(uid, name, action, found=(), note=None, actor=None):
    return {
        "date": clock.to_iso(clock.now()),
        "actor": current_actor() if actor is None else as_text(actor),
        "action": action,
        "uid": as_text(uid),
        "name": as_text(name or u""),
        "changes": list(found),
        "note": note,
    }


def record(site, uid, action, name=u"", found=(), note=None, actor=None):
    """Append an entry to the book of cron ``uid``; returns the entry."""
    entry = _entry(uid, name, action, found, note, actor)
    _book(site, uid, create=True).append(entry, LIMIT)
    return entry


def record_deleted(site, uid, name, note=None):
    """The cron ``uid`` is gone: its book goes, the site's list of
    deletions keeps the entry."""
    entry = _entry(uid, name, DELETED, note=note)
    _deleted_book(site, create=True).append(entry, DELETED_LIMIT)
    books = _books(site)
    if books is not None and uid in books:
        del books[uid]
    return entry


def _load(text):
    if not text:
        return None
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def record_save(site, crontab):
    """Record what the crontab's last save changed (``crontab.last_saved``:
    the uids written and removed; ``crontab.saved_before``: the records'
    texts before it, which the registry manager keeps).  Called once per
    save: the texts are taken, so a second synchronisation records nothing
    again.  An import marks the crontab (``audit_action = IMPORTED``)."""
    saved = getattr(crontab, "last_saved", None) or {}
    before = getattr(crontab, "saved_before", None)
    if before is None:
        return []
    crontab.saved_before = None
    action = getattr(crontab, "audit_action", None)
    entries = []
    for uid in saved.get("written") or ():
        cron = crontab.crons.get(uid)
        if cron is None:
            continue
        old = _load(before.get(uid))
        found = changes(old, cron.dump(include_logs=False))
        if old is not None and not found:
            continue  # moved only (its position)
        kind = action or (CREATED if old is None else classify(found))
        entries.append(record(site, uid, kind, cron.name, found))
    for uid in saved.get("removed") or ():
        old = _load(before.get(uid)) or {}
        note = IMPORTED if action == IMPORTED else None
        entries.append(record_deleted(site, uid, old.get("name"), note))
    return entries


def record_run(site, cron, job_id, parameters=None, scheduled=None):
    """A manual run was queued (Run now, a bulk run, a run with
    parameters): its entry, and the parameters kept for the run (found by
    its job id or its occurrence ``scheduled``)."""
    note = {"job_id": as_text(job_id)}
    if parameters is not None:
        note["parameters"] = mask(parameters)
        remember_parameters(site, cron.uid, job_id, parameters, scheduled)
    return record(site, cron.uid, RUN, cron.name, note=note)


def remember_parameters(site, uid, job_id, parameters, scheduled=None):
    book = _book(site, uid, create=True)
    kept = (as_text(job_id), clock.to_iso(scheduled), json.dumps(parameters))
    book.parameters = (tuple(book.parameters) + (kept,))[-PARAMETERS_KEPT:]


def parameters_for(site, uid, job_id, scheduled=None):
    """The parameters a manual run was queued with, or None: found by its
    job id, or by its occurrence (the instant it was asked for), which a
    run that waited for the previous one to end (``overlap.QUEUED``, a job
    of its own) keeps.  Only reads (a run never writes the book, so an
    edit of the cron during its run does not conflict with it)."""
    book = _book(site, uid)
    if book is None:
        return None
    occurrence = clock.to_iso(scheduled)
    for kept_id, kept_occurrence, text in reversed(tuple(book.parameters)):
        if (job_id and kept_id == as_text(job_id)) or (
            occurrence and kept_occurrence == occurrence
        ):
            return json.loads(text)
    return None


def apply_parameters(site, cron, trigger, job_id, scheduled=None):
    """For a manual run queued with parameters: the cron's parameters
    updated with them on this copy of the cron (its record is not
    changed), and the parameters as shown (masked JSON); else None.
    Scheduled runs and catch-ups never have any."""
    if trigger in ("schedule", "catch-up"):
        return None
    parameters = parameters_for(site, cron.uid, job_id, scheduled)
    if parameters is None:
        return None
    environ = dict(cron.environ)
    environ.update(parameters)
    cron.environ = environ
    return as_text(json.dumps(mask(parameters), sort_keys=True))


def entries(site, uid):
    """The entries of cron ``uid``, newest first (dicts)."""
    book = _book(site, uid)
    return list(reversed(book.items())) if book is not None else []


def deleted(site):
    """The entries of the deleted crons, newest first."""
    book = _deleted_book(site)
    return list(reversed(book.items())) if book is not None else []


def describe_value(value):
    """A value of an entry as one line of text (for pages)."""
    if value is None:
        return u"—"
    if isinstance(value, string_types):
        return as_text(value)
    return as_text(json.dumps(value, sort_keys=True))
