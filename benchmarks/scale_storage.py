# -*- coding: utf-8 -*-
"""The crontab storage at scale: one edit, one add, one delete, one load.

A real Zope instance (FileStorage in a temporary folder, huey on SQLite,
no worker) gets a Plone site with ``--crons`` crons (default 10,000), then
each operation is timed from the change to the end of its commit, and its
ZODB bytes are the growth of Data.fs during that commit::

    storage crons=10000 edit_ms=<ms> edit_bytes=<b> add_ms=<ms> add_bytes=<b>
        delete_ms=<ms> delete_bytes=<b> load_ms=<ms> load_cron_ms=<ms>
        record_write_ms=<ms> record_write_bytes=<b>

(one line).  An edit is what the edit form does once the crontab is read:
change a cron, ``Crontab.save_cron``, commit (the queue synchronisation
that the save fires included); a delete is ``remove_cron`` + ``save``.
``load_ms`` reads every cron (``Crontab.load``), ``load_cron_ms`` one
(``Crontab.load_cron``, what a job run does).  Target at 10,000 crons
(issue 11): an edit <= 100 ms and <= 20 KB written.  ``record_write_*`` is
the storage alone (``manager.save_cron`` + commit, no queue synchronisation).

Usage: ``.envs/py311-plone60/bin/python benchmarks/scale_storage.py``.
"""

from __future__ import print_function

from _site import add_crons
from _site import arguments_parser
from _site import open_site
from _site import run
from _site import run_inside
from _site import start_zope
from _site import stop_worker
from _site import storage_path

import os
import sys
import time


def timed_commit(storage_path, change):
    """(ms, bytes) of ``change()`` followed by a commit."""
    import transaction

    transaction.commit()
    before = os.path.getsize(storage_path)
    started = time.time()
    change()
    transaction.commit()
    elapsed = (time.time() - started) * 1000.0
    return elapsed, os.path.getsize(storage_path) - before


def inside(arguments):
    db = start_zope(arguments.conf)
    from collective.cron.crontab import Cron
    from collective.cron.crontab import Crontab

    stop_worker()
    storage = storage_path(arguments.conf)
    connection, site = open_site(db)
    add_crons(site, arguments.crons, "scale-%05d", describe=True)
    db.cacheMinimize()

    started = time.time()
    crontab = Crontab.load(site)
    load_ms = (time.time() - started) * 1000.0
    assert len(crontab.crons) == arguments.crons, len(crontab.crons)

    started = time.time()
    one = Crontab.load_cron("scale-%05d" % (arguments.crons // 3), site)
    load_cron_ms = (time.time() - started) * 1000.0
    assert one is not None

    def edit():
        cron = crontab.crons["scale-%05d" % (arguments.crons // 2)]
        cron.description = u"edited"
        crontab.save_cron(cron)

    def add():
        crontab.save_cron(
            Cron(
                uid="scale-new",
                name="collective.cron.bench.noop",
                periodicity="0 0 1 1 *",
            )
        )

    def delete():
        crontab.remove_cron("scale-%05d" % (arguments.crons // 4))
        crontab.save()

    def edit_storage():
        # the storage alone: the record write, no queue synchronisation
        cron = crontab.crons["scale-%05d" % (arguments.crons // 2 + 1)]
        cron.description = u"edited"
        crontab.manager.save_cron(cron)

    import cProfile
    import pstats

    profile = cProfile.Profile() if arguments.profile else None
    store_ms, store_bytes = timed_commit(storage, edit_storage)
    if profile is not None:
        profile.enable()
    edit_ms, edit_bytes = timed_commit(storage, edit)
    if profile is not None:
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(
            25
        )
    add_ms, add_bytes = timed_commit(storage, add)
    delete_ms, delete_bytes = timed_commit(storage, delete)
    connection.close()
    print(
        "storage crons=%d edit_ms=%.0f edit_bytes=%d add_ms=%.0f add_bytes=%d "
        "delete_ms=%.0f delete_bytes=%d load_ms=%.0f load_cron_ms=%.1f "
        "record_write_ms=%.1f record_write_bytes=%d"
        % (
            arguments.crons,
            edit_ms,
            edit_bytes,
            add_ms,
            add_bytes,
            delete_ms,
            delete_bytes,
            load_ms,
            load_cron_ms,
            store_ms,
            store_bytes,
        )
    )
    sys.stdout.flush()
    os._exit(0)


def driver(arguments):
    run_inside(
        __file__,
        "storage",
        "storage",
        ["--crons", str(arguments.crons)]
        + (["--profile"] if arguments.profile else []),
    )


def main(argv=None):
    parser = arguments_parser(__doc__.splitlines()[1])
    parser.add_argument("--crons", type=int, default=10000)
    parser.add_argument(
        "--profile", action="store_true", help="profile the edit (to stderr)"
    )
    arguments = parser.parse_args(argv)
    run(arguments, inside, driver)


if __name__ == "__main__":
    main()
