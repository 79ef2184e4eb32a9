# -*- coding: utf-8 -*-
"""Who a cron runs as: the one rule, at save time and at run time.

A cron's ``user`` is a user id or a login name.  It is looked for in the
site's ``acl_users`` first, then in the Zope root's (the ``admin`` of a fresh
instance lives there), each time by id and then by login: on a site with
e-mail logins, an editor may type the login they know, and the run must
find the same user the form accepted.  An empty ``user`` means the
unrestricted system user; that choice is not this module's to allow (see
the least-privilege rule of the dashboard and the REST API).
"""

from Acquisition import aq_base


def _user_folders(site):
    """The site's user folder, then the Zope root's (when it has one)."""
    folders = []
    for container in (site, site.getPhysicalRoot()):
        if getattr(aq_base(container), "acl_users", None) is not None:
            folder = container.acl_users
            if not any(aq_base(folder) is aq_base(seen) for seen in folders):
                folders.append(folder)
    return folders


def find_user(site, id_or_login):
    """The user ``id_or_login`` names, wrapped in its user folder, or None.

    An empty value gives None too: the caller decides what "no user" means.
    """
    if not id_or_login:
        return None
    for folder in _user_folders(site):
        user = folder.getUserById(id_or_login) or folder.getUser(id_or_login)
        if user is not None:
            if not hasattr(user, "aq_base"):
                user = user.__of__(folder)
            return user
    return None


def user_exists(site, id_or_login):
    """True for the system user (empty) and for every user ``find_user`` finds."""
    return not id_or_login or find_user(site, id_or_login) is not None
