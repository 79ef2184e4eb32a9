# py3-only: the fault suite drives the huey engine, which needs Python 3.
# -*- coding: utf-8 -*-
"""The servers of a fault scenario, started and stopped by their own pid.

A ``Stack`` is what one scenario runs on: a ZEO server over a copy of the
prepared Data.fs, a redis-server when the scenario uses a Redis queue, and
runwsgi instances (``worker on``) that load the fault runners.  Each part
can be stopped, killed and started again on the same port and files, which
is what the scenarios do to it.  ``Process.stop_all()`` (called in a
``finally`` and at exit) stops whatever is still running, by pid.

The plumbing shared with ``make test-cluster`` (ports, the zope.conf of a
ZEO client, the instance folders, the redis-server binary) is imported from
``scripts/cluster_test.py``.
"""

from __future__ import print_function

from _servers import free_port
from _servers import redis_command
from cluster_test import BIN
from cluster_test import make_instance
from cluster_test import wait_port
from urllib.error import HTTPError
from urllib.error import URLError
from urllib.parse import quote
from urllib.request import Request
from urllib.request import urlopen

import atexit
import base64
import cluster_test
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAULTS = os.path.join(SCRIPTS, "faults")
JOURNAL_VARIABLE = "COLLECTIVE_CRON_FAULTS_JOURNAL"
RUNNERS_INCLUDE = '  <include package="faults" file="runners.zcml" />\n</configure>'
_print_lock = threading.Lock()


def log(message, scenario=None):
    with _print_lock:
        prefix = "[%s]" % datetime.datetime.utcnow().strftime("%H:%M:%S")
        if scenario:
            prefix += " %s:" % scenario
        print(prefix, message)
        sys.stdout.flush()


def iso(stamp):
    """An epoch second as the ISO text the logs use for an occurrence."""
    return datetime.datetime.utcfromtimestamp(stamp).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def next_minute(after, margin=0):
    """The first minute boundary at least ``margin`` seconds after ``after``."""
    return (int(after + margin) // 60 + 1) * 60


def sleep_until(stamp):
    time.sleep(max(0.0, stamp - time.time()))


class Process(object):
    """One server process; its output is appended to ``<name>.log``."""

    running = []
    _lock = threading.Lock()

    def __init__(self, workdir, name, command, env=None):
        self.workdir = workdir
        self.name = name
        self.command = command
        self.env = env or {}
        self.output = os.path.join(workdir, name + ".log")
        self.popen = None

    def start(self):
        environment = dict(os.environ)
        environment.update(self.env)
        with open(self.output, "a") as stream:
            self.popen = subprocess.Popen(
                self.command,
                stdout=stream,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=self.workdir,
            )
        with Process._lock:
            Process.running.append(self)
        return self

    @property
    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def send(self, number):
        if self.alive:
            os.kill(self.popen.pid, number)

    def stop(self, timeout=30, sig=signal.SIGTERM):
        """Stop by pid: ``sig``, then SIGKILL after ``timeout`` seconds."""
        if self.popen is None:
            return
        self.send(sig)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)
        with Process._lock:
            if self in Process.running:
                Process.running.remove(self)

    def kill(self):
        """SIGKILL, as a crash would: no clean-up runs in the process."""
        self.stop(timeout=10, sig=signal.SIGKILL)

    @classmethod
    def stop_all(cls):
        with cls._lock:
            processes = list(cls.running)
        for process in reversed(processes):
            try:
                process.stop(timeout=15)
            except Exception as error:  # noqa: keep stopping the others
                log(
                    "could not stop %s (pid %s): %s"
                    % (process.name, process.popen.pid, error)
                )


atexit.register(Process.stop_all)


def start_zconsole(workdir, name, zope_conf, *arguments):
    """Start ``scripts/faults/site.py`` in zconsole (it loads Plone: slow);
    its output goes to ``workdir/<name>.log``."""
    return Process(
        workdir,
        name,
        [
            os.path.join(BIN, "zconsole"),
            "run",
            zope_conf,
            os.path.join(FAULTS, "site.py"),
        ]
        + list(arguments),
    ).start()


def finish_zconsole(process, what):
    try:
        code = process.popen.wait(600)
    finally:
        process.stop(timeout=5)
    if code:
        raise SystemExit("faults: zconsole %s failed (see %s)" % (what, process.output))
    return process.output


def prepare_site(root):
    """A Data.fs with the Plone site, made once and copied by every stack."""
    folder = os.path.join(root, "site")
    subprocess.check_call(
        [os.path.join(BIN, "mkwsgiinstance"), "-d", folder, "-u", "admin:admin"],
        stdout=subprocess.DEVNULL,
    )
    zope_conf = os.path.join(folder, "etc", "zope.conf")
    finish_zconsole(start_zconsole(root, "site-setup", zope_conf, "setup"), "setup")
    return zope_conf, os.path.join(folder, "var", "Data.fs")


def make_skeleton(root):
    """The instance folder every fault instance is copied from: its
    site.zcml loads the fault runners (scripts/ is on their PYTHONPATH)."""
    folder = os.path.join(root, "skeleton")
    subprocess.check_call(
        [os.path.join(BIN, "mkwsgiinstance"), "-d", folder, "-u", "admin:admin"],
        stdout=subprocess.DEVNULL,
    )
    site_zcml = os.path.join(folder, "etc", "site.zcml")
    with open(site_zcml) as stream:
        text = stream.read()
    with open(site_zcml, "w") as stream:
        stream.write(text.replace("</configure>", RUNNERS_INCLUDE))
    return folder


class Stack(object):
    """ZEO (+ Redis) + instances of one scenario, in ``root/<name>``."""

    def __init__(
        self, root, name, skeleton, datafs, redis=None, instances=1, threads=1
    ):
        self.name = name
        self.workdir = os.path.join(root, name)
        os.makedirs(self.workdir)
        self.skeleton = skeleton
        self.journal = os.path.join(self.workdir, "journal.jsonl")
        self.redis_mode = redis  # None (SQLite queue), "data" or "empty"
        self.count = instances
        self.threads = threads
        shutil.copy(datafs, os.path.join(self.workdir, "Data.fs"))
        self.zeo_port = free_port()
        self.zeo = Process(
            self.workdir,
            "zeo",
            [
                os.path.join(BIN, "runzeo"),
                "-a",
                "127.0.0.1:%d" % self.zeo_port,
                "-f",
                os.path.join(self.workdir, "Data.fs"),
            ],
        )
        self.redis = None
        if redis:
            self.redis_port = free_port()
            self.redis = Process(
                self.workdir,
                "redis",
                redis_command(
                    cluster_test.redis_server(),
                    self.redis_port,
                    self.workdir,
                    append_only=(redis == "data"),
                ),
            )
        self.instances = []
        for number in range(instances):
            self.instances.append(self._make_instance(number + 1))

    def _make_instance(self, number):
        name = "instance%d" % number
        port = free_port()
        if self.redis_mode:
            queue = "redis://127.0.0.1:%d/0" % self.redis_port
        else:
            queue = "sqlite:///" + os.path.join(
                self.workdir, name, "var", "collective.cron.sqlite"
            )
        folder = make_instance(
            self.skeleton, self.workdir, name, self.zeo_port, queue, port
        )
        conf = os.path.join(folder, "etc", "zope.conf")
        with open(conf) as stream:
            text = stream.read()
        text = text.replace("threads 1", "threads %d" % self.threads)
        text = text.replace("pool-size 10", "pool-size %d" % (self.threads + 8))
        with open(conf, "w") as stream:
            stream.write(text)
        ini = os.path.join(folder, "etc", "zope.ini")
        with open(ini) as stream:
            text = stream.read()
        # mkwsgiinstance writes absolute log paths: each instance its own.
        with open(ini, "w") as stream:
            stream.write(text.replace(self.skeleton + "/", folder + "/"))
        process = Process(
            self.workdir,
            name,
            [os.path.join(BIN, "runwsgi"), ini],
            env={
                "COLLECTIVE_CRON_WORKER": "on",
                JOURNAL_VARIABLE: self.journal,
                "PYTHONPATH": os.pathsep.join(
                    [SCRIPTS]
                    + [
                        p
                        for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                        if p
                    ]
                ),
            },
        )
        process.port = port
        return process

    # -- servers -----------------------------------------------------------

    def start(self):
        if self.redis is not None:
            self.start_redis()
        self.start_zeo()
        for process in self.instances:
            process.start()

    def wait_ready(self, timeout=300):
        for process in self.instances:
            self.wait_instance(process, timeout)

    def wait_instance(self, process, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not process.alive:
                raise SystemExit(
                    "faults: %s/%s exited at start-up (see %s)"
                    % (self.name, process.name, process.output)
                )
            status, _ = self.request(
                "GET", "/Plone/@crons", instance=process, timeout=30
            )
            if status == 200:
                # The dashboard's templates compile now, not in the middle
                # of a fault (CPython 3.11.7 can fail a compile() racing
                # with other threads: "AST constructor recursion depth
                # mismatch", fixed in later 3.11 releases).
                self.request(
                    "GET", "/Plone/@@cron-settings", instance=process, timeout=120
                )
                return
            time.sleep(1)
        raise SystemExit(
            "faults: %s/%s does not answer after %ds"
            % (self.name, process.name, timeout)
        )

    def start_redis(self):
        self.redis.start()
        wait_port(self.redis_port)

    def stop_redis(self):
        self.redis.stop()

    def start_zeo(self):
        self.zeo.start()
        wait_port(self.zeo_port)

    def stop_zeo(self):
        self.zeo.stop()

    def stop_instances(self):
        for process in self.instances:
            process.send(signal.SIGTERM)
        for process in self.instances:
            process.stop()

    def shutdown(self):
        self.stop_instances()
        self.stop_zeo()
        if self.redis is not None:
            self.stop_redis()

    # -- HTTP --------------------------------------------------------------

    def request(self, method, path, body=None, instance=None, timeout=60, login=None):
        """(status, parsed JSON or text) of a request as ``login`` (a
        (name, password) pair; the Zope root's admin by default); status 0
        when nothing answers."""
        process = instance or self.instances[0]
        url = "http://127.0.0.1:%d%s" % (process.port, quote(path, safe="/@?=&"))
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = Request(url, data=data, method=method)
        name, password = login or ("admin", "admin")
        secret = ("%s:%s" % (name, password)).encode("utf-8")
        request.add_header(
            "Authorization", "Basic " + base64.b64encode(secret).decode("ascii")
        )
        request.add_header("Accept", "application/json")
        if data is not None or method not in ("GET", "HEAD"):
            # Every REST write needs it, DELETE too (a cross-site form
            # cannot send it).
            request.add_header("Content-Type", "application/json")
        try:
            with urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except HTTPError as error:
            status, raw = error.code, error.read()
        except (URLError, OSError) as error:
            return 0, u"%s" % (error,)
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def add_cron(self, **fields):
        return self.request("POST", "/Plone/@crons", fields)

    # -- what happened -----------------------------------------------------

    def executions(self):
        """The journal's executions: {execution id: entry with started/ended}."""
        found = {}
        if not os.path.exists(self.journal):
            return found
        with open(self.journal) as stream:
            for line in stream:
                entry = json.loads(line)
                record = found.setdefault(entry["execution"], dict(entry, ended=None))
                if entry["event"] == "start":
                    record["started"] = entry["time"]
                else:
                    record["ended"] = entry["time"]
        return found

    def outputs(self):
        return [process.output for process in self.instances]


TRACEBACK = "Traceback (most recent call last):"
EXCEPTION_LINE = re.compile(
    r"^([A-Za-z_][\w.]*(Error|Exception|Exit|Disconnected|"
    r"Interrupt|Warning|Conflict\w*|\w+))(:|$)"
)


def tracebacks(paths):
    """The exception names of the Tracebacks in these files, in order."""
    names = []
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, errors="replace") as stream:
            lines = stream.read().splitlines()
        for index, line in enumerate(lines):
            if TRACEBACK not in line:
                continue
            name = "unknown"
            for following in lines[index + 1 : index + 400]:
                if following.startswith((" ", "\t")) or not following.strip():
                    continue
                if following.startswith(
                    ("During handling", "The above exception", TRACEBACK)
                ):
                    break
                match = EXCEPTION_LINE.match(following)
                if match:
                    name = match.group(1)
                break
            names.append(name)
    return names


def interrupted_log(entry):
    """A log saying that an attempt was interrupted (issue 10, point 3):
    whatever its status, it is not a run of its own."""
    return re.search("interrupt", u" ".join(entry.get("messages") or []), re.I)


def account(logs, executions, expected, must_run=()):
    """Count what happened to the expected occurrences.

    ``logs``: {uid: [log dumps]}; ``executions``: the journal; ``expected``:
    {uid: [occurrence ISO]}; ``must_run``: (uid, occurrence) pairs that a
    NOTRUN log does not excuse.  An occurrence is lost when no log names
    it; it is a duplicate when it has more than one run log or more than one
    completed execution in the journal.  An execution that started and never
    ended was interrupted (a killed worker): the log must say so.
    """
    result = {
        "occurrences": 0,
        "runs": 0,
        "lost": 0,
        "duplicates": 0,
        "interrupted_logged": 0,
        "interrupted": 0,
        "notrun": 0,
        "not_run": 0,
        "silent": 0,
        "problems": [],
    }
    completed = {}
    interrupted = {}
    for entry in executions.values():
        key = (entry["uid"], entry["scheduled"])
        if entry.get("ended") is None:
            interrupted[key] = interrupted.get(key, 0) + 1
        else:
            completed[key] = completed.get(key, 0) + 1
    must_run = set(must_run)
    for uid, occurrences in sorted(expected.items()):
        entries = logs.get(uid, [])
        for when in occurrences:
            key = (uid, when)
            result["occurrences"] += 1
            mine = [entry for entry in entries if entry.get("scheduled") == when]
            said = [entry for entry in mine if interrupted_log(entry)]
            runs = [
                entry for entry in mine if entry["status"] != 3 and entry not in said
            ]
            notrun = [entry for entry in mine if entry["status"] == 3]
            result["runs"] += len(runs)
            result["notrun"] += len(notrun)
            result["interrupted_logged"] += len(said)
            result["interrupted"] += interrupted.get(key, 0)
            for entry in notrun:
                if not u"".join(entry.get("messages") or []).strip():
                    result["silent"] += 1
                    result["problems"].append(
                        "%s %s: logged not run without a reason" % (uid, when)
                    )
            done = completed.get(key, 0)
            if not mine:
                result["lost"] += 1
                result["problems"].append(
                    "%s %s: lost (no log; %d executions)" % (uid, when, done)
                )
                continue
            extra = max(len(runs), done) - 1
            if extra > 0:
                result["duplicates"] += extra
                result["problems"].append(
                    "%s %s: %d run logs, %d completed executions"
                    % (uid, when, len(runs), done)
                )
            if key in must_run and not runs:
                result["not_run"] += 1
                result["problems"].append(
                    "%s %s: not run (%s)"
                    % (
                        uid,
                        when,
                        "; ".join(u" ".join(entry["messages"]) for entry in notrun),
                    )
                )
    return result
