# py3-only: the fault suite drives the huey engine, which needs Python 3.
# -*- coding: utf-8 -*-
"""The privilege scenario: a Site Administrator against a Manager over real
HTTP (issue 10, point 7).

The rule under test: a cron runs with at most the rights of whoever saved
it.  A real instance answers a real Site Administrator (``siteadmin``, who
has "collective.cron: Manage crons") and a real Manager (``boss``), both
made by ``site.py setup``.  Every refused request must be a 4xx with a
message and change nothing; the runs themselves are checked in the
journal, which records the user each runner ran as and its roles on the
site (``runners.who``): ``escalations`` counts the runs with more rights
than their saver and the runs of crons that were refused.
"""

from __future__ import print_function

from faults.scenarios import every_minute
from faults.scenarios import minutes
from faults.scenarios import Scenario
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import build_opener
from urllib.request import HTTPCookieProcessor
from urllib.request import Request

import base64
import re
import time

# As scripts/faults/site.py creates them.
PASSWORD = "faults-secret-1"
SITE_ADMIN = ("siteadmin", PASSWORD)
MANAGER = ("boss", PASSWORD)
# The Zope root's Manager of the instances (harness.make_skeleton).
ROOT_MANAGER = u"admin"
# The dashboard's warning when a bulk action leaves a cron as it was.
MORE_RIGHTS = u"runs as a user with more rights than you have"
AUTHENTICATOR = re.compile(
    r'<input[^>]*name="_authenticator"[^>]*value="([^"]+)"|'
    r'<input[^>]*value="([^"]+)"[^>]*name="_authenticator"'
)
# What a refused save must not have created.
REFUSED_UIDS = (u"sa-system", u"sa-as-boss", u"sa-as-root", u"sa-import")


class Privilege(Scenario):
    """What a Site Administrator may not do, over REST, while the crons of
    both users run every minute.

    Refused, each with a 4xx naming the problem and nothing changed: a new
    cron that runs as the system user (empty "Run as"), as the Manager or
    as the Zope root's Manager; the same through ``@import``; making their
    own cron run as the system user or as the Manager; editing or turning
    on a Manager's cron; "Run now" of a Manager's cron; on the dashboard
    (a form with its token, as a browser posts it), the bulk "Activate"
    and "Run now" of a Manager's cron (a 200 page with the warning).  Allowed (so that
    the refusals are not a blanket "no"): a new cron with no "Run as"
    (it runs as themselves), editing it, running it now.
    """

    name = "privilege"
    threads = 2

    def __init__(self):
        super(Privilege, self).__init__()
        self.refusals = 0
        self.escalations = 0
        self.manual_asked = False
        self.browser = None

    def post(self, login, **fields):
        fields.setdefault(u"name", u"faults.sleep")
        fields.setdefault(u"environ", {u"seconds": 1})
        return self.stack.request("POST", "/Plone/@crons", fields, login=login)

    def prepare(self):
        """Before the crontab is switched on: each user saves a cron."""
        for login, fields in [
            (MANAGER, every_minute(u"boss-system", 1, user=u"")),
            (MANAGER, every_minute(u"boss-off", 1, user=u"boss", activated=False)),
            # no "Run as": a Site Administrator's cron runs as themselves
            (SITE_ADMIN, every_minute(u"sa-own", 1)),
        ]:
            status, body = self.post(login, **fields)
            if status != 201:
                self.error(
                    "POST @crons %s as %s: %s %s"
                    % (fields["uid"], login[0], status, body)
                )
        status, body = self.stack.request("GET", "/Plone/@crons/sa-own")
        user = body.get("user") if isinstance(body, dict) else None
        if user != u"siteadmin":
            self.error("sa-own saved by siteadmin without a user runs as %r" % (user,))

    def state(self):
        """Every cron as saved (what a refused request must not change)."""
        status, body = self.stack.request("GET", "/Plone/@crons?b_size=1000")
        if status != 200:
            self.error("GET @crons: %s %s" % (status, body))
            return None
        state = {}
        for item in body["items"]:
            status, cron = self.stack.request("GET", "/Plone/@crons/" + item["uid"])
            if status != 200:
                self.error("GET @crons/%s: %s" % (item["uid"], status))
                continue
            state[item["uid"]] = dict(
                (key, cron.get(key))
                for key in (
                    "name",
                    "description",
                    "activated",
                    "periodicity",
                    "timezone",
                    "user",
                    "environ",
                    "logs_limit",
                )
            )
        return state

    def refused(self, what, method, path, body=None):
        before = self.state()
        status, answer = self.stack.request(method, path, body, login=SITE_ADMIN)
        message = u""
        if isinstance(answer, dict):
            message = (answer.get("error") or {}).get("message") or u""
        if not 400 <= status < 500 or not message:
            self.error(
                "siteadmin %s: %s %s (want a 4xx with a message)"
                % (what, status, str(answer)[:300])
            )
        else:
            self.refusals += 1
            self.say("refused as it must be, %s: %s %s" % (what, status, message[:120]))
        if self.state() != before:
            self.error("siteadmin %s: refused, yet the crons changed" % what)

    def allowed(self, what, method, path, body, want):
        status, answer = self.stack.request(method, path, body, login=SITE_ADMIN)
        if status != want:
            self.error(
                "siteadmin %s: %s %s (want %d)"
                % (what, status, str(answer)[:300], want)
            )
        return status == want

    def page(self, method, path, form=None):
        """(status, text) of a dashboard page as the Site Administrator,
        sent as a browser sends a form, with its cookies: the page a form
        redirects to shows the message the form left in a cookie."""
        if self.browser is None:
            self.browser = build_opener(HTTPCookieProcessor(CookieJar()))
        process = self.stack.instances[0]
        url = "http://127.0.0.1:%d%s" % (process.port, path)
        data = urlencode(form, doseq=True).encode("ascii") if form else None
        request = Request(url, data=data, method=method)
        secret = ("%s:%s" % SITE_ADMIN).encode("utf-8")
        request.add_header(
            "Authorization", "Basic " + base64.b64encode(secret).decode()
        )
        request.add_header("Accept", "text/html")
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.browser.open(request, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def bulk_refused(self, what, button, uid):
        """The dashboard's bulk form (its token and all): a 200 page that
        names the refusal, and nothing changed."""
        before = self.state()
        status, text = self.page("GET", "/Plone/@@cron-settings")
        match = AUTHENTICATOR.search(text) if status == 200 else None
        if match is None:
            self.error("siteadmin GET @@cron-settings: %s, no form token" % status)
            return
        token = match.group(1) or match.group(2)
        status, text = self.page(
            "POST",
            "/Plone/@@cron-settings/bulk",
            {"uids:list": [uid], "_authenticator": token, button: "1"},
        )
        if status != 200 or MORE_RIGHTS not in text:
            self.error(
                "siteadmin %s on the dashboard: %s, the page does not say %r"
                % (what, status, MORE_RIGHTS)
            )
        else:
            self.refusals += 1
            self.say("refused as it must be, %s: the page says so" % what)
        if self.state() != before:
            self.error("siteadmin %s on the dashboard: the crons changed" % what)

    def drive(self, m0):
        # While the first runs of both users' crons are under way.
        time.sleep(max(0.0, m0 + 2 - time.time()))
        sleep = every_minute(u"x", 1)
        del sleep["uid"]
        self.refused(
            "POST a cron with an empty Run as (the system user)",
            "POST",
            "/Plone/@crons",
            dict(sleep, uid=u"sa-system", user=u""),
        )
        self.refused(
            "POST a cron that runs as the Manager",
            "POST",
            "/Plone/@crons",
            dict(sleep, uid=u"sa-as-boss", user=u"boss"),
        )
        self.refused(
            "POST a cron that runs as the Zope root's Manager",
            "POST",
            "/Plone/@crons",
            dict(sleep, uid=u"sa-as-root", user=ROOT_MANAGER),
        )
        self.refused(
            "@import a cron with an empty Run as",
            "POST",
            "/Plone/@crons/@import",
            {u"crons": [dict(sleep, uid=u"sa-import", user=u"")]},
        )
        self.refused(
            "PATCH their cron to run as the system user",
            "PATCH",
            "/Plone/@crons/sa-own",
            {u"user": u""},
        )
        self.refused(
            "PATCH their cron to run as the Manager",
            "PATCH",
            "/Plone/@crons/sa-own",
            {u"user": u"boss"},
        )
        self.refused(
            "PATCH the Manager's system cron",
            "PATCH",
            "/Plone/@crons/boss-system",
            {u"description": u"mine now"},
        )
        self.refused(
            "turn on the Manager's cron",
            "PATCH",
            "/Plone/@crons/boss-off",
            {u"activated": True},
        )
        self.refused(
            "Run now the Manager's system cron", "POST", "/Plone/@crons/boss-system/run"
        )
        self.refused("Run now the Manager's cron", "POST", "/Plone/@crons/boss-off/run")
        self.bulk_refused(
            "Activate the Manager's cron", "form.button.activate", u"boss-off"
        )
        self.bulk_refused(
            "Run now the Manager's system cron", "form.button.run", u"boss-system"
        )
        # What they may do: edit their own cron, run it now (once the run
        # of m0 is over, so that "still running" cannot excuse it).
        time.sleep(max(0.0, m0 + 20 - time.time()))
        self.allowed(
            "PATCH their own cron",
            "PATCH",
            "/Plone/@crons/sa-own",
            {u"description": u"edited by its owner"},
            204,
        )
        self.manual_asked = self.allowed(
            "Run now their own cron", "POST", "/Plone/@crons/sa-own/run", None, 202
        )
        sleep_until = m0 + 60 + 25
        time.sleep(max(0.0, sleep_until - time.time()))
        final = self.state() or {}
        for uid in REFUSED_UIDS:
            if uid in final:
                self.error("%s exists though its save was refused" % uid)
        if (final.get(u"boss-off") or {}).get("activated"):
            self.error("boss-off was turned on")

    def expected(self, m0):
        expected = {u"sa-own": minutes(m0, 2), u"boss-system": minutes(m0, 2)}
        return expected, [(uid, when) for uid in expected for when in expected[uid]]

    def check(self, m0, logs, executions, figures):
        manual = 0
        for entry in executions.values():
            uid = entry["uid"]
            trigger = entry.get("trigger")
            # "Run now" (the crons keep their schedule until the stacks stop)
            on_time = trigger != "manual" and (
                trigger is not None or (entry.get("scheduled") or "")[17:19] == "00"
            )
            if uid in REFUSED_UIDS or uid == u"boss-off":
                self.escalations += 1
                self.error(
                    "%s ran (%s) though it must never run" % (uid, entry["scheduled"])
                )
            elif uid == u"boss-system" and not on_time:
                # Nobody but the Site Administrator asked to run it now.
                self.escalations += 1
                self.error(
                    "boss-system ran at %s, off its schedule" % entry["scheduled"]
                )
            elif uid == u"sa-own":
                if entry.get("user") != u"siteadmin" or "Manager" in (
                    entry.get("roles") or []
                ):
                    self.escalations += 1
                    self.error(
                        "sa-own (saved by siteadmin) ran as %s with roles %s"
                        % (entry.get("user"), entry.get("roles"))
                    )
                if not on_time:
                    manual += 1
        if self.manual_asked and not manual:
            self.error("the Run now of sa-own by its owner never ran")
        figures["extra"] = "refusals=%d escalations=%d" % (
            self.refusals,
            self.escalations,
        )
