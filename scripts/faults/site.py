# py3-only: a zconsole script of the fault suite.
# -*- coding: utf-8 -*-
"""zconsole script of ``make test-faults``: create the site, or dump the logs.

    zconsole run zope.conf scripts/faults/site.py setup
    zconsole run zope.conf scripts/faults/site.py dump OUTPUT.json GO NAME=PORT...

``setup`` makes the Plone site (collective.cron installed, crontab off, no
cron, a Site Administrator and a Manager) in the zope.conf's database: the harness copies that Data.fs for each
scenario's ZEO server, so Plone is set up once.  ``dump`` reads the crons
and logs of every given ZEO server once the file GO exists: the harness
starts it while the scenarios still run, so that Plone's start-up (as long
as an instance's) is not waited for at the end; one process reads every
scenario's database.
"""

from __future__ import print_function

from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SpecialUsers import system
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from Testing.makerequest import makerequest
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

import json
import sys
import transaction

PASSWORD = "faults-secret-1"
USERS = (("siteadmin", "Site Administrator"), ("boss", "Manager"))


def setup(app):
    from Products.CMFPlone.factory import addPloneSite

    # plone.restapi's profile: its "Use REST API" permission for every
    # role (the privilege scenario's Site Administrator uses REST).
    site = addPloneSite(
        app, "Plone", extension_ids=["plone.restapi:default", "collective.cron:default"]
    )
    setSite(site)
    crontab = Crontab.load(site)
    # Off while the scenarios add their crons: the harness switches every
    # crontab on over REST in the minute before the first observed one,
    # so that it is the first occurrence of every cron.
    crontab.activated = False
    crontab.save()
    # The privilege scenario's two users: a Site Administrator (who has
    # "collective.cron: Manage crons" but not "Run crons as another user")
    # and a Manager of the site.
    for login, role in USERS:
        site.acl_users.userFolderAddUser(login, PASSWORD, [role], [])
    transaction.commit()
    print("faults: site created")


def site_logs(app):
    site = app["Plone"]
    setSite(site)
    crontab = Crontab.load(site)
    store = ILogStore(site)
    uids = set(crontab.crons)
    uids.update(getattr(store, "uids", lambda: [])())
    data = {"crons": {}, "logs": {}}
    for uid, cron in crontab.crons.items():
        data["crons"][uid] = {"name": cron.name, "periodicity": cron.periodicity}
    for uid in uids:
        data["logs"][uid] = [log.dump() for log in store.logs(uid)]
    return data


def dump(output, go, servers):
    import os
    import time
    import ZEO

    deadline = time.time() + 3600
    while not os.path.exists(go):
        if time.time() > deadline:
            raise SystemExit("faults: %s never appeared" % go)
        time.sleep(0.3)
    result = {}
    for server in servers:
        name, port = server.rsplit("=", 1)
        db = ZEO.DB(("127.0.0.1", int(port)), wait_timeout=60)
        connection = db.open()
        try:
            app = makerequest(connection.root()["Application"])
            setRequest(app.REQUEST)
            result[name] = site_logs(app)
        except Exception as error:  # one broken stack must not hide the others
            result[name] = {"error": "%s: %s" % (error.__class__.__name__, error)}
        finally:
            transaction.abort()
            setSite(None)
            connection.close()
            db.close()
    with open(output, "w") as stream:
        json.dump(result, stream)
    print("faults: dumped %d stacks" % len(result))


def main(app, argv):
    # zconsole hands the script its own arguments, with or without its name
    while argv and argv[0] not in ("setup", "dump"):
        argv = argv[1:]
    app = makerequest(app)
    setRequest(app.REQUEST)
    newSecurityManager(None, system)
    if argv[0] == "setup":
        setup(app)
    else:
        dump(argv[1], argv[2], argv[3:])


main(app, list(sys.argv))  # noqa: F821 (zconsole defines app)
