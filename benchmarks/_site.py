# -*- coding: utf-8 -*-
"""The instance and site set-up shared by the benchmarks.

Every benchmark measures inside a real Zope instance (FileStorage in a
temporary folder, huey on SQLite or Redis): the driver makes the instance
(``make_instance``) and runs the script again with ``--inside`` in a fresh
process (``run_inside``), which starts Zope (``start_zope``), opens or
creates the Plone site with collective.cron installed (``open_site``) and
fills its crontab (``add_crons``).  ``free_port``/``wait_port`` are the
other scripts' (scripts/_servers.py).
"""

from __future__ import print_function

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
# scripts/_servers.py: free_port, wait_port, the redis-server command line
# (shared with the other scripts that start servers).
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

from _servers import free_port  # noqa: E402,F401
from _servers import redis_command  # noqa: E402,F401
from _servers import redis_required  # noqa: E402,F401
from _servers import redis_server_binary  # noqa: E402,F401
from _servers import wait_port  # noqa: E402,F401

ZOPE_CONF = """%%define INSTANCE %(home)s
instancehome $INSTANCE
<zodb_db main>
  <filestorage>
    path $INSTANCE/var/Data.fs
  </filestorage>
  mount-point /
</zodb_db>
<environment>
  CHAMELEON_CACHE $INSTANCE/var/cache
</environment>
<product-config collective.cron>
  engine huey
  queue %(queue)s
  %(threads)s
</product-config>
"""


def make_instance(workdir, name, queue, threads="threads 1"):
    """A wsgi instance; ``threads`` is its product-config line ("" for the
    default number of worker threads)."""
    home = os.path.join(workdir, name)
    subprocess.check_call(
        [os.path.join(BIN, "mkwsgiinstance"), "-d", home, "-u", "admin:admin"],
        stdout=subprocess.DEVNULL,
    )
    conf = os.path.join(home, "etc", "zope.conf")
    # Compiled page templates kept on disk, as mkwsgiinstance's own
    # zope.conf (and so make run) does: Plone 6 compiles main_template on
    # every request otherwise, and the pages would measure that.
    cache = os.path.join(home, "var", "cache")
    if not os.path.isdir(cache):
        os.makedirs(cache)
    with open(conf, "w") as stream:
        stream.write(ZOPE_CONF % {"home": home, "queue": queue, "threads": threads})
    return conf


def storage_path(conf):
    """The Data.fs of the instance of ``conf``."""
    return os.path.join(os.path.dirname(os.path.dirname(conf)), "var", "Data.fs")


def run_inside(script, name, prefix, arguments):
    """Print the ``prefix`` lines of ``script --inside`` run on a fresh
    instance (huey on SQLite, no worker) with the extra ``arguments``."""
    workdir = tempfile.mkdtemp(prefix="collective.cron-%s-" % name)
    try:
        queue = "sqlite:///" + os.path.join(workdir, "queue.sqlite")
        conf = make_instance(workdir, name, queue)
        command = [
            sys.executable,
            os.path.abspath(script),
            "--inside",
            "--conf",
            conf,
        ] + list(arguments)
        environment = dict(os.environ)
        environment["PYTHONPATH"] = HERE
        environment.pop("COLLECTIVE_CRON_WORKER", None)
        output = subprocess.check_output(command, env=environment)
        for line in output.decode("utf-8").splitlines():
            if line.startswith(prefix + " "):
                print(line)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def arguments_parser(description):
    """The benchmark's options, with the hidden ones of its ``--inside`` run."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--conf", help=argparse.SUPPRESS)
    return parser


def run(arguments, inside, driver):
    """The measuring process (``--inside``) or the driver that starts it."""
    if arguments.inside:
        inside(arguments)
    else:
        driver(arguments)


# ---------------------------------------------------------------------------
# Inside one Zope process
# ---------------------------------------------------------------------------


def start_zope(conf):
    from Zope2.Startup.run import configure_wsgi

    configure_wsgi(conf).prepare()
    import Zope2

    return Zope2.DB


def open_site(db):
    """(connection, site) of the instance's Plone site, made on first use."""
    from AccessControl.SecurityManagement import newSecurityManager
    from AccessControl.SpecialUsers import system
    from collective.cron.sitecontext import open_site as _open_site

    connection = db.open()
    app = connection.root()["Application"]
    if "Plone" not in app.objectIds():
        from Products.CMFPlone.factory import addPloneSite
        from Testing.makerequest import makerequest
        from zope.globalrequest import setRequest

        wrapped = makerequest(app)
        setRequest(wrapped.REQUEST)
        newSecurityManager(None, system)
        addPloneSite(wrapped, "Plone", extension_ids=["collective.cron:default"])
        import transaction

        transaction.commit()
    site, request = _open_site(app, "/Plone")
    newSecurityManager(None, system)
    return connection, site


def stop_worker():
    """No worker in a measuring process: only the measured work uses the CPU."""
    try:
        from collective.cron.engines import huey as engine
    except ImportError:
        return
    engine.stop_worker(graceful=True)


def add_crons(site, count, uid_format, describe=False):
    """The site's crontab with ``count`` more crons of the no-op runner
    (``uid_format % number``, due once a year), saved and committed."""
    from collective.cron.crontab import Cron
    from collective.cron.crontab import Crontab

    import transaction

    crontab = Crontab.load(site)
    for number in range(count):
        fields = {"description": u"cron number %d" % number} if describe else {}
        crontab.add_cron(
            Cron(
                uid=uid_format % number,
                name="collective.cron.bench.noop",
                periodicity="0 0 1 1 *",
                **fields
            )
        )
    crontab.save()
    transaction.commit()
    return crontab
