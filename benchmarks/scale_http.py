# -*- coding: utf-8 -*-
"""The dashboard, a cron's page, an edit and ``GET @crons`` at scale, over HTTP.

For each number of crons a real instance (FileStorage, huey on SQLite, the
site's crons saved through ``Crontab.save`` so that every active cron has
its job queued) is served by ``runwsgi`` on 127.0.0.1, and each request is
timed from the client on the same host (median of ``REPEAT`` warm
requests; the loopback adds well under a millisecond)::

    scale crons=<n> dashboard_ms=<ms> cron_page_ms=<ms> edit_ms=<ms>
        edit_bytes=<b> rest_page_ms=<ms>

(one line).  ``dashboard_ms`` is the dashboard's first page (20 crons),
``cron_page_ms`` a cron's page, ``edit_ms`` a ``PATCH @crons/<uid>`` that
changes a description (the queue synchronisation of the save included) and
``edit_bytes`` the growth of Data.fs it causes, ``rest_page_ms`` ``GET
@crons`` (first batch of 25).  Targets at 10,000 crons (issue 11): 300,
100, 100 ms and 20 KB, 100 ms.  The server runs no worker, so that only the
requests use the CPU.

Usage: ``benchmarks/bench.py --scale-only [--scale-crons 100,1000,10000]``
(``make bench`` runs it after the latency rows).
"""

from __future__ import print_function

from _site import add_crons
from _site import free_port
from _site import HERE
from _site import make_instance
from _site import open_site
from _site import start_zope
from _site import stop_worker
from _site import wait_port

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:  # py3-only script, but flake8 on 2.7 compiles it
    from urllib.request import Request
    from urllib.request import urlopen
except ImportError:  # pragma: no cover
    from urllib2 import Request  # noqa: F401
    from urllib2 import urlopen  # noqa: F401

REPEAT = 7
AUTH = "Basic " + base64.b64encode(b"admin:admin").decode("ascii")


def populate(conf, crons):
    """Inside a Zope process: a site with ``crons`` crons, their jobs queued."""
    db = start_zope(conf)
    stop_worker()
    connection, site = open_site(db)
    add_crons(site, crons, "scale-%05d", describe=True)
    connection.close()
    db.close()
    sys.stdout.flush()
    os._exit(0)


def request(url, method="GET", body=None, json_api=False):
    """(ms, bytes of the body) of one request; fails on an HTTP error."""
    headers = {"Authorization": AUTH}
    data = None
    if json_api:
        headers["Accept"] = "application/json"
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode("utf-8")
    started = time.time()
    response = urlopen(Request(url, data=data, headers=headers, method=method))
    content = response.read()
    return (time.time() - started) * 1000.0, len(content)


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def timed(url, **kwargs):
    request(url, **kwargs)  # warm: the ZODB cache, the templates
    return median([request(url, **kwargs)[0] for _ in range(REPEAT)])


def measure(base, storage, crons):
    site = base + "/Plone"
    dashboard = timed(site + "/@@cron-settings")
    middle = "scale-%05d" % (crons // 2)
    cron_page = timed(site + "/@@cron-settings/" + middle)
    rest_page = timed(site + "/@crons", json_api=True)
    edits = []
    sizes = []
    for number in range(REPEAT + 1):
        uid = "scale-%05d" % ((crons // 3 + number) % crons)
        before = os.path.getsize(storage)
        elapsed, _size = request(
            site + "/@crons/" + uid,
            method="PATCH",
            body={"description": u"edited %d" % number},
            json_api=True,
        )
        if number:  # the first one warms up
            edits.append(elapsed)
            sizes.append(os.path.getsize(storage) - before)
    return (
        "scale crons=%d dashboard_ms=%.0f cron_page_ms=%.0f edit_ms=%.0f "
        "edit_bytes=%d rest_page_ms=%.0f"
        % (crons, dashboard, cron_page, median(edits), median(sizes), rest_page)
    )


def run_scale(crons):
    """One ``scale`` line for ``crons`` crons (a fresh instance)."""
    workdir = tempfile.mkdtemp(prefix="collective.cron-scale-http-")
    server = None
    try:
        queue = "sqlite:///" + os.path.join(workdir, "queue.sqlite")
        conf = make_instance(workdir, "scale", queue)
        home = os.path.dirname(os.path.dirname(conf))
        environment = dict(os.environ)
        environment["PYTHONPATH"] = HERE
        environment["COLLECTIVE_CRON_WORKER"] = "off"
        subprocess.check_call(
            [
                sys.executable,
                os.path.join(HERE, "bench.py"),
                "--inside",
                "--part",
                "populate",
                "--conf",
                conf,
                "--crons",
                str(crons),
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = free_port()
        ini = os.path.join(home, "etc", "zope.ini")
        with open(ini) as stream:
            text = stream.read().replace("port = 8080", "port = %d" % port)
        with open(ini, "w") as stream:
            stream.write(text)
        log = open(os.path.join(workdir, "runwsgi.log"), "w")
        server = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "runwsgi"), ini],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_port(port, 120)
        storage = os.path.join(home, "var", "Data.fs")
        return measure("http://127.0.0.1:%d" % port, storage, crons)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)
