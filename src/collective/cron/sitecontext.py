# -*- coding: utf-8 -*-
"""Where and as whom a job runs: the site, its request, its language, the user.

A queued job carries plain data (a site path, a cron uid), not objects:
the worker that runs it has a bare ZODB connection, no request, no site
and no user.  What Plone code expects around it is set up here, once, for
every engine and for the reconciler and the queue marker:

* :func:`open_site` traverses to the site, builds a request (so views,
  ``getSite`` and the global request work) and sets the site's default
  language on it, so that logs are written in the site language
  (:func:`log_text`);
* :func:`switch_user` adopts the cron's user, found by
  ``collective.cron.users.find_user`` (an id or a login, the same rule the
  forms use at save time), or the system user when the cron names nobody;
  a user who is gone raises :class:`UserNotFound` so the run can log it
  instead of running as someone else;
* :func:`close_site` undoes all of it, so that the next job run by the same
  worker thread starts clean.
"""

from collective.cron.users import find_user
from zope.i18n import translate


def log_text(message, request=None):
    """An i18n message as text in the site language (logs are stored as text)."""
    if request is not None:
        return translate(message, context=request)
    return translate(message)


def open_site(app, site_path):
    """The site at ``site_path`` with a request and its component registry set."""
    from Testing.makerequest import makerequest
    from zope.component.hooks import setSite
    from zope.globalrequest import setRequest

    app = makerequest(app)
    request = app.REQUEST
    request["PARENTS"] = [app]
    setRequest(request)
    site = app.unrestrictedTraverse(site_path.strip("/").split("/"))
    setSite(site)
    # Let the request know its site, so views and translations work.
    request["PARENTS"] = [site, app]
    _set_language(site, request)
    return site, request


def _set_language(site, request):
    try:
        from plone.registry.interfaces import IRegistry
        from zope.component import queryUtility

        registry = queryUtility(IRegistry)
        language = registry.get("plone.default_language") if registry else None
    except Exception:  # noqa: a missing language never stops a job
        language = None
    if language:
        request["LANGUAGE"] = language
        request.environ["HTTP_ACCEPT_LANGUAGE"] = language


def close_site():
    """Undo :func:`open_site` and forget the user, for the next job of the thread."""
    from AccessControl.SecurityManagement import noSecurityManager
    from zope.component.hooks import setSite
    from zope.globalrequest import clearRequest

    setSite(None)
    clearRequest()
    noSecurityManager()


class UserNotFound(Exception):
    """The cron's user is in neither the site's nor the root's user folder."""


def switch_user(site, user):
    """Adopt the cron's ``user`` (id or login), or the system user if empty.

    Returns the previous security manager, for ``setSecurityManager``.
    Raises :class:`UserNotFound` when ``user`` names nobody.
    """
    from AccessControl.SecurityManagement import getSecurityManager
    from AccessControl.SecurityManagement import newSecurityManager
    from AccessControl.users import UnrestrictedUser

    previous = getSecurityManager()
    if not user:
        system = UnrestrictedUser("collective.cron", "", ["Manager"], [])
        newSecurityManager(None, system.__of__(site.acl_users))
        return previous
    found = find_user(site, user)
    if found is None:
        raise UserNotFound(user)
    newSecurityManager(None, found)
    return previous
