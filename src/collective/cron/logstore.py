# -*- coding: utf-8 -*-
"""The log store: the bounded history of every cron, outside the registry.

collective.cron 2.x rewrote the whole crontab record after each run, so a
run cost a write the size of the crontab.  Here each cron has its own log
book (a persistent object in a site annotation) whose entries are small
persistent records in an IOBTree: appending writes the new record, one
bucket and the book's counters, whatever the number of crons or logs.
"""

from BTrees.IOBTree import IOBTree
from collective.cron.crontab import Log
from collective.cron.interfaces import ILogStore
from collective.cron.utils import annotation_tree
from persistent import Persistent
from Products.CMFCore.interfaces import ISiteRoot
from zope.annotation.interfaces import IAnnotations
from zope.component import adapter
from zope.interface import implementer

ANNOTATION_KEY = "collective.cron.logs"


class StoredLog(Persistent):
    """One log, pickled on its own so that a bucket only holds references."""

    def __init__(self, data):
        self.data = data


class LogBook(Persistent):
    """The logs of one cron: keys grow by one, the oldest go first."""

    def __init__(self):
        self.entries = IOBTree()
        self.next_key = 0
        self.size = 0

    def append(self, log, limit=None):
        self.entries[self.next_key] = StoredLog(log.dump())
        self.next_key += 1
        self.size += 1
        if limit is not None:
            self.trim(limit)

    def trim(self, limit):
        limit = max(0, int(limit))
        while self.size > limit:
            del self.entries[self.entries.minKey()]
            self.size -= 1

    def logs(self):
        return [Log.load(record.data) for record in self.entries.values()]

    def last(self):
        if not self.size:
            return None
        return Log.load(self.entries[self.entries.maxKey()].data)

    def remove(self, index):
        keys = list(self.entries.keys())
        del self.entries[keys[index]]
        self.size -= 1


@implementer(ILogStore)
@adapter(ISiteRoot)
class LogStore(object):
    """Log books of a site, by cron uid, in a site annotation."""

    def __init__(self, context):
        self.context = context

    def _books(self, create=False):
        return annotation_tree(self.context, ANNOTATION_KEY, create=create)

    def _book(self, uid, create=False):
        if create:
            books = self._books(create=True)
            book = books.get(uid)
            if book is None:
                book = books[uid] = LogBook()
            return book
        books = self._books()
        return books.get(uid) if books is not None else None

    def prepare(self, uid):
        """Create the (empty) book of ``uid`` now, if missing.

        A run's claim calls this in its own short transaction, so that the
        run's transaction writes only the cron's own book and never inserts
        into the BTree of books (which a save deleting a cron writes too).
        """
        self._book(uid, create=True)

    def append(self, uid, log, limit=None):
        self._book(uid, create=True).append(log, limit)
        return log

    def logs(self, uid):
        book = self._book(uid)
        return book.logs() if book is not None else []

    def last(self, uid):
        book = self._book(uid)
        return book.last() if book is not None else None

    def count(self, uid):
        book = self._book(uid)
        return book.size if book is not None else 0

    def version(self, uid):
        book = self._book(uid)
        if book is None:
            return None
        # Keys only grow, so (next key, size) changes with every append,
        # trim or removal; a cleared book is gone (None) or new (key 0).
        return (book.next_key, book.size)

    def clear(self, uid=None):
        books = self._books()
        if books is None:
            return
        if uid is None:
            del IAnnotations(self.context)[ANNOTATION_KEY]
        elif uid in books:
            del books[uid]

    def remove(self, uid, index):
        book = self._book(uid)
        if book is None or not (-book.size <= index < book.size):
            raise IndexError("cron %s has no log #%s" % (uid, index))
        book.remove(index)

    def trim(self, uid, limit):
        book = self._book(uid)
        if book is not None:
            book.trim(limit)

    def uids(self):
        books = self._books()
        return list(books.keys()) if books is not None else []
