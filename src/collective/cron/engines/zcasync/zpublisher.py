# -*- coding: utf-8 -*-
"""The transactions manager plone.app.async's job runner expects from Zope 2.

``plone.app.async.service._executeAsUser`` calls
``Zope2.zpublisher_transactions_manager``, which ZServer used to set and
Zope 4 never does: ``install_transactions_manager`` sets one at start-up
(``IDatabaseOpenedWithRoot``), when a worker starts, and in the test layers.
"""
import transaction


class TransactionsManager(object):
    """The begin/commit/abort object of Zope 2's publisher, on the thread's
    transaction."""

    def begin(self):
        transaction.begin()

    def commit(self):
        if transaction.isDoomed():
            transaction.abort()
        else:
            transaction.commit()

    def abort(self):
        transaction.abort()

    def isDoomed(self):
        return transaction.isDoomed()

    def recordMetaData(self, object, request):
        pass


def install_transactions_manager():
    """Set ``Zope2.zpublisher_transactions_manager`` unless something did.

    Safe to call again; returns the manager in place.
    """
    import Zope2

    if getattr(Zope2, "zpublisher_transactions_manager", None) is None:
        Zope2.zpublisher_transactions_manager = TransactionsManager()
    return Zope2.zpublisher_transactions_manager


def transactions_manager_on_start(event):
    """Subscriber for ``IDatabaseOpenedWithRoot``."""
    install_transactions_manager()
