# py3-only: the fault suite drives the huey engine, which needs Python 3.
# -*- coding: utf-8 -*-
"""The faults of ``make test-faults``, one class each.

Every scenario runs on a ``Stack`` of its own (so scenarios run side by
side and one's fault cannot blur another's figures), adds its crons over
REST before the common minute ``m0``, then ``drive()`` applies its fault on
a timeline relative to ``m0``.  Afterwards the logs (dumped from the ZODB)
and the journal (written by the runners outside the ZODB) are counted per
expected occurrence by ``harness.account``; ``errors`` are the promises a
scenario checks besides lost/duplicate runs, each said in a line.
"""

from __future__ import print_function

from faults.harness import account
from faults.harness import iso
from faults.harness import log
from faults.harness import sleep_until
from faults.harness import Stack
from faults.harness import tracebacks

import cluster_test
import threading
import time

DASHBOARD = "/Plone/@@cron-settings"
# What the dashboard says while the queue is down (English site).
QUEUE_DOWN_WORDS = ("cannot be reached", "unreachable", "does not answer")


class Scenario(object):
    """A fault on a stack of its own; subclasses fill in the blanks."""

    name = None
    redis = None  # None: the SQLite queue of `make run`; "data" or "empty"
    instances = 1
    threads = 1
    # Exception names (substrings) of the Tracebacks the fault provokes on
    # purpose: they are listed, not counted.
    provoked = ()
    # False: the scenario runs no servers (``fuzz``).
    stack_needed = True

    def __init__(self):
        self.errors = []
        self.stack = None
        self.m0 = None

    def say(self, message):
        log(message, self.name)

    def error(self, message):
        self.errors.append(message)
        self.say("ERROR " + message)

    def build(self, root, skeleton, datafs):
        self.stack = Stack(
            root,
            self.name,
            skeleton,
            datafs,
            redis=self.redis,
            instances=self.instances,
            threads=self.threads,
        )

    def begin(self, root):
        """Called as the suite starts, before any stack (for a scenario
        that needs no clock)."""

    def prepare(self):
        """Called once the stack serves, before ``crons`` are added."""

    def crons(self):
        """Crons due every minute, saved while the crontab is off."""
        return []

    def timed_crons(self, m0):
        """Crons whose schedule depends on ``m0``."""
        return []

    def add_crons(self, crons):
        for fields in crons:
            status, body = self.stack.add_cron(**fields)
            if status != 201:
                self.error("POST @crons %s: %s %s" % (fields["uid"], status, body))

    def drive(self, m0):
        """Apply the fault; return when the observation ends."""
        raise NotImplementedError

    def expected(self, m0):
        """({uid: [occurrence ISO]}, [(uid, occurrence) that must run])."""
        raise NotImplementedError

    def check(self, m0, logs, executions, figures):
        """Scenario-specific promises, as ``self.error`` calls."""

    def dashboard(self, want_queue_down=False):
        status, body = self.stack.request("GET", DASHBOARD, timeout=60)
        if status != 200:
            self.error("GET %s: %s" % (DASHBOARD, status))
            return
        page = body if isinstance(body, str) else u""
        if want_queue_down and not any(word in page for word in QUEUE_DOWN_WORDS):
            self.error(
                "GET %s during the outage: 200 but no word of the queue "
                "being unreachable" % DASHBOARD
            )

    def result(self, dump):
        data = dump.get(self.name) or {}
        if "error" in data:
            self.error("dump: %s" % data["error"])
        logs = data.get("logs", {})
        executions = self.stack.executions()
        expected, must_run = self.expected(self.m0)
        figures = account(logs, executions, expected, must_run)
        for problem in figures["problems"]:
            self.say(problem)
        if figures["not_run"]:
            self.error("%d occurrences that must run did not" % figures["not_run"])
        if figures["silent"]:
            self.error("%d not-run logs without a reason" % figures["silent"])
        if figures["interrupted"] > figures["interrupted_logged"]:
            self.error(
                "%d attempt(s) interrupted by the fault, %d logged as "
                "interrupted" % (figures["interrupted"], figures["interrupted_logged"])
            )
        self.check(self.m0, logs, executions, figures)
        figures["errors"] = len(self.errors)
        figures["tracebacks"] = tracebacks(self.stack.outputs())
        return figures


def every_minute(uid, seconds, name=u"faults.sleep", **extra):
    fields = dict(
        uid=uid,
        name=name,
        periodicity=u"* * * * *",
        environ={u"seconds": seconds},
        logs_limit=500,
    )
    fields.update(extra)
    return fields


def minutes(m0, count, step=60):
    return [iso(m0 + step * number) for number in range(count)]


class KillSingle(Scenario):
    """SIGKILL of the only instance in the middle of a 12 s run; restart.

    The occurrence is run again once after the restart, the attempt that
    was interrupted is logged (issue 10, point 3), and the next occurrence,
    two minutes later, runs on time.
    """

    name = "kill-single"
    seconds = 12

    def timed_crons(self, m0):
        minute = time.gmtime(m0).tm_min
        return [
            dict(
                uid=u"long",
                name=u"faults.sleep",
                periodicity=u"%d,%d * * * *" % (minute, (minute + 2) % 60),
                environ={u"seconds": self.seconds},
                logs_limit=500,
            )
        ]

    def drive(self, m0):
        instance = self.stack.instances[0]
        started = None
        while started is None and time.time() < m0 + 40:
            for entry in self.stack.executions().values():
                if entry["scheduled"] == iso(m0):
                    started = entry["started"]
            time.sleep(0.3)
        if started is None:
            self.error("the run of %s never started" % iso(m0))
        else:
            sleep_until(started + 4)
            instance.kill()
            self.say(
                "instance1 killed with SIGKILL %.1f s into the run"
                % (time.time() - started)
            )
            instance.start()
            self.stack.wait_instance(instance)
            self.say("instance1 serves again")
        sleep_until(m0 + 120 + self.seconds + 25)

    def expected(self, m0):
        occurrences = [iso(m0), iso(m0 + 120)]
        return {u"long": occurrences}, [(u"long", when) for when in occurrences]

    def check(self, m0, logs, executions, figures):
        later = [
            entry
            for entry in logs.get(u"long", [])
            if entry.get("scheduled") == iso(m0 + 120) and entry["status"] != 3
        ]
        for entry in later:
            started = entry.get("started") or ""
            late = seconds_between(iso(m0 + 120), started)
            if entry.get("trigger") != "schedule" or late is None or late > 30:
                self.error(
                    "the occurrence after the restart ran late or as a "
                    "catch-up: trigger %s, started %s" % (entry.get("trigger"), started)
                )


def seconds_between(first, second):
    import datetime

    try:
        one = datetime.datetime.strptime(first[:19], "%Y-%m-%dT%H:%M:%S")
        two = datetime.datetime.strptime(second[:19], "%Y-%m-%dT%H:%M:%S")
    except (TypeError, ValueError):
        return None
    return (two - one).total_seconds()


class RedisRestart(Scenario):
    """Redis stopped for 60 s, then started again with its data or empty.

    Pages keep serving (the dashboard says the queue is unreachable), a
    cron saved over REST during the outage is kept and runs, and every
    occurrence after the outage runs once (issue 10, point 6).

    The occurrences before Redis is back (``m0``, whose job may still be
    queued when Redis stops -- under load it is -- and ``m0+60``) follow
    the cron's missed-run policy: each is run once, or logged as not run
    with a reason (then the policy's catch-up is a run of its own,
    counted once).  ``account`` holds them to that: no log at all is a
    lost occurrence, two runs a duplicate, a not-run log without a reason
    an error.  Only what comes after the outage must run.
    """

    threads = 2
    provoked = ("ConnectionError", "ConnectionRefusedError", "TimeoutError")
    added = u"added-during-outage"

    def __init__(self, mode):
        super(RedisRestart, self).__init__()
        self.redis = mode
        self.name = "redis-restart-" + mode
        self.added_ok = False

    def crons(self):
        return [every_minute(u"redis-%d" % number, 3) for number in range(3)]

    def drive(self, m0):
        sleep_until(m0 + 8)
        self.stack.stop_redis()
        self.say(
            "redis-server stopped (%s)"
            % ("append-only file kept" if self.redis == "data" else "no persistence")
        )
        sleep_until(m0 + 15)
        self.dashboard(want_queue_down=True)
        sleep_until(m0 + 25)
        status, body = self.stack.add_cron(**every_minute(self.added, 2))
        if status == 201:
            self.added_ok = True
        else:
            self.error("POST @crons during the outage: %s %s" % (status, body))
        sleep_until(m0 + 45)
        self.dashboard(want_queue_down=True)
        sleep_until(m0 + 68)
        self.stack.start_redis()
        self.say("redis-server started again")
        sleep_until(m0 + 120 + 30)

    def expected(self, m0):
        expected = dict((cron["uid"], minutes(m0, 3)) for cron in self.crons())
        must_run = [(uid, iso(m0 + 120)) for uid in expected]
        if self.added_ok:
            expected[self.added] = [iso(m0 + 60), iso(m0 + 120)]
            must_run.append((self.added, iso(m0 + 120)))
        return expected, must_run


class NonAscii(Scenario):
    """Crons with non-ASCII uids, runner names and descriptions, made over
    REST, run like the ASCII one next to them (issue 10, point 1)."""

    name = "non-ascii"
    threads = 2
    uids = (
        (u"ascii", u"faults.sleep"),
        (u"café", u"faults.café"),
        (u"日本", u"faults.日本"),
        (u"⏰🙂", u"faults.⏰🙂"),
    )

    def crons(self):
        return [
            every_minute(
                uid, 1, name=name, description=u"Crème brûlée, 日本語, 🙂 (%s)" % uid
            )
            for uid, name in self.uids
        ]

    def drive(self, m0):
        for uid, name in self.uids:
            status, body = self.stack.request("GET", u"/Plone/@crons/" + uid)
            if status != 200 or body.get("name") != name:
                self.error("GET @crons/%s: %s %s" % (uid, status, body))
        self.dashboard()
        sleep_until(m0 + 60 + 25)

    def expected(self, m0):
        expected = dict((uid, minutes(m0, 2)) for uid, _ in self.uids)
        return expected, [(uid, when) for uid in expected for when in expected[uid]]


class Storm(Scenario):
    """200 REST additions, edits and deletions of other crons while 20
    crons run 5 to 40 s every minute: no runner executed twice for one
    occurrence (issue 10, point 2)."""

    name = "conflict-storm"
    threads = 20
    operations = 200
    clients = 2
    spread = 100.0  # seconds over which the operations are paced

    def crons(self):
        return [
            every_minute(u"storm-run-%02d" % number, 5 + number * 35 // 19)
            for number in range(20)
        ]

    def _client(self, m0, number, operations, failures):
        pause = self.spread * self.clients / self.operations
        for index, (method, path, body) in enumerate(operations):
            sleep_until(m0 + 1 + number * pause / self.clients + index * pause)
            status, answer = self.stack.request(method, path, body)
            if status not in (200, 201, 204):
                failures.append(
                    "%s %s: %s %s" % (method, path, status, str(answer)[:200])
                )

    def drive(self, m0):
        plans = [[] for _ in range(self.clients)]
        count = 0
        number = 0
        while count < self.operations:
            uid = u"storm-other-%03d" % number
            plan = plans[number % self.clients]
            steps = [
                (
                    "POST",
                    "/Plone/@crons",
                    dict(
                        uid=uid,
                        name=u"faults.sleep",
                        periodicity=u"0 0 1 1 *",
                        environ={u"seconds": 1},
                    ),
                ),
                (
                    "PATCH",
                    "/Plone/@crons/" + uid,
                    dict(description=u"edited", periodicity=u"0 0 2 1 *"),
                ),
                ("DELETE", "/Plone/@crons/" + uid, None),
            ]
            for step in steps[: self.operations - count]:
                plan.append(step)
                count += 1
            number += 1
        failures = []
        threads = [
            threading.Thread(target=self._client, args=(m0, index, plan, failures))
            for index, plan in enumerate(plans)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.say(
            "%d REST operations done at m0+%.0f s, %d failed"
            % (self.operations, time.time() - m0, len(failures))
        )
        for failure in failures[:10]:
            self.error(failure)
        if len(failures) > 10:
            self.error("... and %d more failed operations" % (len(failures) - 10))
        sleep_until(m0 + 60 + 40 + 25)

    def expected(self, m0):
        expected = dict((cron["uid"], minutes(m0, 2)) for cron in self.crons())
        return expected, [(uid, when) for uid in expected for when in expected[uid]]


class ZeoRestart(Scenario):
    """The ZEO server stopped for 10 s and started again while four 15 s
    runs are in flight: each occurrence runs once, pages serve after."""

    name = "zeo-restart"
    redis = "data"
    threads = 4
    provoked = ("ClientDisconnected", "DisconnectedError")

    def crons(self):
        return [every_minute(u"zeo-%d" % number, 15) for number in range(4)]

    def drive(self, m0):
        sleep_until(m0 + 5)
        running = [
            entry
            for entry in self.stack.executions().values()
            if entry["scheduled"] == iso(m0) and entry.get("ended") is None
        ]
        self.say("%d runs in flight; stopping the ZEO server" % len(running))
        if not running:
            self.error("no run in flight when ZEO stopped: the fault missed")
        self.stack.stop_zeo()
        time.sleep(10)
        self.stack.start_zeo()
        self.say("ZEO server started again")
        sleep_until(m0 + 40)
        self.dashboard()
        sleep_until(m0 + 60 + 15 + 25)

    def expected(self, m0):
        expected = dict((cron["uid"], minutes(m0, 2)) for cron in self.crons())
        return expected, [(uid, when) for uid in expected for when in expected[uid]]


class ClusterKill(Scenario):
    """``make test-cluster`` as a scenario: ZEO + 3 instances + Redis, 20
    crons every minute, instance2 killed with SIGKILL 0.8 s into the second
    minute, while the workers run jobs: every occurrence runs once.

    It takes ``scripts/cluster_test.py``'s set-up (its zope.conf, its
    instance folders, its timings) on the suite's shared site, with the
    journaling runner instead of demo.pause, so that a runner executed
    twice shows even when the logs do not.
    """

    name = "cluster-kill"
    redis = "empty"  # as test-cluster: no persistence (it is never restarted)
    instances = 3
    seconds = 1.5

    def crons(self):
        return [
            every_minute(u"cluster-%02d" % number, self.seconds) for number in range(20)
        ]

    def drive(self, m0):
        sleep_until(m0 + 60.8)
        self.stack.instances[1].kill()
        self.say("instance2 killed with SIGKILL")
        # test-cluster's wait: the survivors notice the dead worker and
        # catch its runs up.
        sleep_until(m0 + 60 + 50)

    def expected(self, m0):
        expected = dict((cron["uid"], minutes(m0, 2)) for cron in self.crons())
        return expected, [(uid, when) for uid in expected for when in expected[uid]]

    def check(self, m0, logs, executions, figures):
        # The same figures as `make test-cluster`, from its own counter.
        counted = cluster_test.count(
            dict((uid, logs.get(uid, [])) for uid in self.expected(m0)[0]), m0, m0 + 60
        )
        self.say(
            "cluster_test.count: occurrences=%d runs=%d duplicates=%d "
            "missed=%d notrun=%d" % counted
        )


def all_scenarios():
    from faults.fuzz import Fuzz
    from faults.privilege import Privilege

    return [
        KillSingle(),
        ClusterKill(),
        RedisRestart("data"),
        RedisRestart("empty"),
        NonAscii(),
        Storm(),
        ZeoRestart(),
        Privilege(),
        Fuzz(),
    ]
