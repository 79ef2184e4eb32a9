# -*- coding: utf-8 -*-
"""``make test-browser``: the Cron Dashboard in a real browser.

Starts a real instance as ``make run`` does (``mkwsgiinstance``, then
``scripts/create_site.py`` for the site ``Plone`` with collective.cron and its
demo profile, then ``runwsgi`` with ``COLLECTIVE_CRON_WORKER=on``), but in a
throwaway folder and on a free port of 127.0.0.1; then drives Debian's
headless Chromium (Playwright for Python, ``executable_path``) through:

    log in as admin -> open the Cron Dashboard -> add a cron due every
    minute with the demo runner collective.cron.demo.statistics -> open its
    page -> "Run now" -> reload until its OK log (trigger "Manual") appears

and saves screenshots of the list, the add form and the cron's page with
its OK log (``docs/_static/*.png``); the site also holds 300 more crons
(``scripts/browser/add_crons.py``), whose list is then shown batched, searched
and filtered (``cron-dashboard-many.png``).  Ends with ``browser: N passed, N
failed`` and exits non-zero on any failure; the instance is always stopped
by its pid.  Run it with the Python of the venv made by
``scripts/browser/setup.sh``::

    .envs/browser/bin/python scripts/browser_test.py --env .envs/py311-plone60
"""

from __future__ import print_function

from _servers import free_port
from _servers import tail

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SITE_ID = "Plone"
RUNNER = "collective.cron.demo.statistics"
DESCRIPTION = "Added by make test-browser: counts the items of the site."
MANY_CRONS = 300  # scripts/browser/add_crons.py: a long, batched list
RUN_TIMEOUT = 60  # seconds for the OK log of "run now" to appear
SCREENSHOTS = {
    "list": "cron-dashboard.png",
    "add": "cron-add-form.png",
    "cron": "cron-page.png",
    "many": "cron-dashboard-many.png",
    "history": "cron-history.png",
    "alerts": "cron-alerts.png",
}
# The history cron: the demo runner that waits ``seconds``, run now with
# these parameters in turn; ``"soon"`` is no number: that run fails.
HISTORY_RUNNER = "collective.cron.demo.pause"
HISTORY_SECONDS = (0.3, 0.8, "soon", 1.2, 0.5, "soon", 1.6, 0.9)
HISTORY_RATE = "75 %"  # 6 good runs of 8
COLOURS = {"OK": "#2e7d32", "FAILURE": "#c62828"}
ALERT_EMAILS = ("ops@example.org", "cron-admin@example.org")


class Failure(Exception):
    """A check of the scenario failed (its message says which)."""


STARTED = time.time()


def log(message):
    print(
        "[%s +%3ds] %s"
        % (datetime.datetime.now().strftime("%H:%M:%S"), time.time() - STARTED, message)
    )
    sys.stdout.flush()


# ---------------------------------------------------------------------------
# The instance


class Instance(object):
    """A WSGI instance of the test env in ``workdir``, as ``make run`` makes it."""

    def __init__(self, env, workdir):
        self.bin = os.path.join(os.path.abspath(env), "bin")
        self.workdir = workdir
        self.home = os.path.join(workdir, "instance")
        self.conf = os.path.join(self.home, "etc", "zope.conf")
        self.ini = os.path.join(self.home, "etc", "zope.ini")
        self.output = os.path.join(workdir, "runwsgi.log")
        self.port = None
        self.process = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def site_url(self):
        return "%s/%s" % (self.url, SITE_ID)

    @property
    def browser_url(self):
        # The same server (127.0.0.1), under the name "localhost": Plone
        # leaves pages unthemed for the host name 127.0.0.1 (plone.app.theming's
        # hostnameBlacklist), and the screenshots should look like Plone.
        return "http://localhost:%d/%s" % (self.port, SITE_ID)

    def run(self, name, command, env=None):
        output = os.path.join(self.workdir, name + ".log")
        environment = dict(os.environ)
        environment.update(env or {})
        with open(output, "w") as stream:
            code = subprocess.call(
                command,
                stdout=stream,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env=environment,
            )
        if code:
            raise Failure(
                "%s exited with %d:\n%s" % (" ".join(command), code, tail(output))
            )

    def build(self):
        for tool in ("mkwsgiinstance", "zconsole", "runwsgi"):
            if not os.path.exists(os.path.join(self.bin, tool)):
                raise Failure(
                    "%s is missing from %s: is the test env built?" % (tool, self.bin)
                )
        self.run(
            "mkwsgiinstance",
            [
                os.path.join(self.bin, "mkwsgiinstance"),
                "-d",
                self.home,
                "-u",
                "admin:admin",
            ],
        )
        self.port = free_port()
        with open(self.ini) as stream:
            text = stream.read()
        text, count = re.subn(r"(?m)^port = \d+$", "port = %d" % self.port, text)
        if count != 1 or "host = 127.0.0.1" not in text:
            raise Failure("unexpected %s: cannot set its port on 127.0.0.1" % self.ini)
        with open(self.ini, "w") as stream:
            stream.write(text)
        self.run(
            "create_site",
            [
                os.path.join(self.bin, "zconsole"),
                "run",
                self.conf,
                os.path.join(HERE, "create_site.py"),
            ],
            env={"PLONE_SITE_ID": SITE_ID},
        )
        self.run(
            "add_crons",
            [
                os.path.join(self.bin, "zconsole"),
                "run",
                self.conf,
                os.path.join(HERE, "browser", "add_crons.py"),
            ],
            env={"PLONE_SITE_ID": SITE_ID, "CRONS": str(MANY_CRONS)},
        )

    def start(self):
        environment = dict(os.environ, COLLECTIVE_CRON_WORKER="on")
        self.stream = open(self.output, "w")
        self.process = subprocess.Popen(
            [os.path.join(self.bin, "runwsgi"), self.ini],
            stdout=self.stream,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=environment,
        )
        log("instance: pid %d on %s" % (self.process.pid, self.url))

    def wait(self, timeout=300):
        try:
            from urllib.request import urlopen
        except ImportError:  # pragma: no cover
            from urllib2 import urlopen
        deadline = time.time() + timeout
        error = None
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise Failure(
                    "the instance exited with %s:\n%s"
                    % (self.process.returncode, tail(self.output))
                )
            try:
                answer = urlopen(self.site_url, timeout=10)
                if answer.getcode() == 200:
                    return
            except Exception as exc:  # noqa: not up yet
                error = exc
            time.sleep(0.5)
        raise Failure(
            "%s does not answer after %ds (%s):\n%s"
            % (self.site_url, timeout, error, tail(self.output))
        )

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        pid = self.process.pid
        os.kill(pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            self.process.wait(10)
        self.stream.close()
        log("instance: pid %d stopped" % pid)


# ---------------------------------------------------------------------------
# The browser


class Scenario(object):
    """The steps, each checked; ``page`` is a Playwright page."""

    def __init__(self, page, site_url, screenshots, runner=RUNNER):
        self.page = page
        self.runner = runner
        self.site_url = site_url
        self.dashboard_url = site_url + "/@@cron-settings"
        self.screenshots = screenshots
        self.server_errors = []
        page.on("response", self.on_response)

    def on_response(self, response):
        if response.status >= 500 and response.url.startswith(self.site_url):
            self.server_errors.append("%s %s" % (response.status, response.url))

    # -- helpers --------------------------------------------------------------

    def check(self, condition, message):
        if not condition:
            raise Failure("%s (at %s)" % (message, self.page.url))

    def heading(self):
        heading = self.page.locator("h1.documentFirstHeading")
        return heading.first.inner_text().strip() if heading.count() else ""

    def messages(self):
        return [
            text.strip()
            for text in self.page.locator(".portalMessage").all_inner_texts()
        ]

    def check_page(self, title):
        """A Plone page titled ``title``, answered without a server error."""
        self.check(not self.server_errors, "server errors: %s" % self.server_errors)
        self.check(
            self.page.locator("#collective-cron").count() == 1,
            "not a page of the Cron Dashboard (title %r, heading %r)"
            % (self.page.title(), self.heading()),
        )
        heading = self.heading()
        self.check(heading == title, "heading %r, expected %r" % (heading, title))
        # The theme's styles are there (Barceloneta), not a bare page.
        self.check(
            self.page.locator("link[rel=stylesheet][href*='++theme++']").count() > 0,
            "the page is not themed (no stylesheet of the theme)",
        )

    def shoot(self, key):
        path = os.path.join(self.screenshots, SCREENSHOTS[key])
        self.page.screenshot(path=path, full_page=True)
        shown = os.path.relpath(path, ROOT)
        log("screenshot %s" % (path if shown.startswith("..") else shown))

    def submit(self, selector):
        with self.page.expect_navigation():
            self.page.click(selector)

    # -- steps ----------------------------------------------------------------

    def login(self):
        page = self.page
        page.goto(self.site_url + "/login")
        page.fill("input[name='__ac_name']", "admin")
        page.fill("input[name='__ac_password']", "admin")
        form = page.locator("form:has(input[name='__ac_password'])")
        self.submit("form:has(input[name='__ac_password']) [type=submit]")
        self.check(
            form.count() == 0 or "Login failed" not in page.content(),
            "the login as admin failed: %s" % self.messages(),
        )
        log("logged in as admin")

    def open_dashboard(self):
        page = self.page
        page.goto(self.dashboard_url)
        self.check(
            page.locator("input[name='__ac_password']").count() == 0,
            "the dashboard asks for a login: admin is not logged in",
        )
        self.check_page("Cron Dashboard")
        engine = page.locator("#cron-engine").inner_text()
        self.check(
            "this process runs jobs" in engine,
            "the engine box does not show this instance's worker: %r" % engine,
        )
        for warning in page.locator("#cron-engine .portalMessage").all_inner_texts():
            log("engine warning: %s" % " ".join(warning.split()))
        count = page.locator("#cron-list tbody tr").count()
        log("dashboard: %d crons listed" % count)

    def add_cron(self):
        page = self.page
        self.submit("#cron-add")
        self.check_page("Add a cron")
        page.select_option("select[name='form.widgets.name:list']", value=self.runner)
        page.fill("textarea[name='form.widgets.description']", DESCRIPTION)
        page.fill("input[name='form.widgets.periodicity']", "* * * * *")
        # "Preview" keeps what was typed and shows the next five runs.
        self.submit("[name='form.buttons.preview']")
        self.check_page("Add a cron")
        runs = page.locator("#cron-preview ol.cron-upcoming li").count()
        self.check(runs == 5, "the preview shows %d next runs, not 5" % runs)
        self.check(
            page.locator("select[name='form.widgets.name:list']").input_value()
            == self.runner,
            "the preview lost the chosen runner",
        )
        self.shoot("add")
        self.submit("[name='form.buttons.save']")
        match = re.search(r"/@@cron-settings/([^/?#]+)$", page.url)
        self.check(
            match and match.group(1) != "add",
            "saving did not lead to the cron's page; messages: %s; errors: %s"
            % (
                self.messages(),
                page.locator(
                    ".field.error, .invalid-feedback, .fieldErrorBox"
                ).all_inner_texts(),
            ),
        )
        self.uid = match.group(1)
        self.cron_url = page.url
        self.check_page(self.runner)
        self.check(
            any("was added" in message for message in self.messages()),
            "no 'was added' message: %s" % self.messages(),
        )
        settings = page.locator("#settings").inner_text()
        self.check("* * * * *" in settings, "the page does not show '* * * * *'")
        log("added cron %s (uid %s)" % (self.runner, self.uid))

    def run_now(self):
        self.submit("#cron-run")
        self.check_page(self.runner)
        messages = self.messages()
        self.check(
            any("queued to run now" in message for message in messages),
            "'Run now' did not queue a job: %s" % messages,
        )
        log("run now: %s" % " ".join(" ".join(messages).split()))

    def wait_ok_log(self):
        page = self.page
        manual_ok = page.locator("#logs tr.cron-log-OK").filter(has_text="Manual")
        manual = page.locator("#logs tr.cron-log").filter(has_text="Manual")
        deadline = time.time() + RUN_TIMEOUT
        while manual_ok.count() == 0:
            if manual.count():
                raise Failure(
                    "the manual run did not log OK: %s"
                    % " | ".join(manual.first.inner_text().split("\n"))
                )
            if time.time() > deadline:
                rows = [
                    " | ".join(row.split())
                    for row in page.locator("#logs tr.cron-log").all_inner_texts()
                ]
                raise Failure(
                    "no OK log of the manual run after %ds; logs: %s"
                    % (RUN_TIMEOUT, rows or "none")
                )
            time.sleep(1)
            page.goto(self.cron_url)
            self.check_page(self.runner)
        row = manual_ok.first
        text = row.inner_text()
        self.check(
            row.locator(".cron-status-OK").inner_text().strip() == "OK",
            "the log's status badge does not say OK",
        )
        if self.runner == RUNNER:
            self.check(
                "items in the catalog" in text,
                "the OK log lacks the runner's messages: %r" % text,
            )
        self.check(
            row.locator("code").inner_text().strip() != "",
            "the OK log names no instance",
        )
        log("OK log: %s" % " | ".join(text.split("\n")[:4]))
        self.shoot("cron")

    def check_list(self):
        page = self.page
        # the site has 300 more crons: the one that ran last comes first
        page.goto(self.dashboard_url + "?sort_on=last_run&sort_order=descending")
        self.check_page("Cron Dashboard")
        row = page.locator("#cron-%s" % self.uid)
        self.check(row.count() == 1, "the new cron is not in the list")
        self.check(
            row.locator(".cron-last .cron-status-OK").count() == 1,
            "the list does not show the new cron's last run as OK: %r"
            % row.inner_text(),
        )
        self.shoot("list")

    def check_many(self):
        """The list of a few hundred crons: a batch, a search, a filter."""
        page = self.page
        page.goto(self.dashboard_url + "?b_size=20")
        self.check_page("Cron Dashboard")
        rows = page.locator("#cron-list tbody tr").count()
        self.check(rows == 20, "the first page shows %d crons, not 20" % rows)
        self.check(
            page.locator(".cron-batch a").count() >= 1,
            "no batch navigation under a list of %d crons" % MANY_CRONS,
        )
        page.goto(
            self.dashboard_url + "?q=report&status:list=active&sort_on=name&b_size=20"
        )
        rows = page.locator("#cron-list tbody tr")
        texts = rows.all_inner_texts()
        self.check(
            len(texts) == 20 and all("report" in text.lower() for text in texts),
            "the search 'report' among active crons lists %d rows: %r"
            % (len(texts), texts[:2]),
        )
        log("list of %d crons: batched, searched, filtered" % MANY_CRONS)
        self.shoot("many")

    def add_history_cron(self):
        """A yearly cron of the pause runner: only "Run now" runs it."""
        page = self.page
        page.goto(self.dashboard_url)
        self.submit("#cron-add")
        self.check_page("Add a cron")
        page.select_option(
            "select[name='form.widgets.name:list']", value=HISTORY_RUNNER
        )
        page.fill(
            "textarea[name='form.widgets.description']",
            "Added by make test-browser: waits, or fails on a bad parameter.",
        )
        page.fill("input[name='form.widgets.periodicity']", "0 3 1 1 *")
        self.submit("[name='form.buttons.save']")
        match = re.search(r"/@@cron-settings/([^/?#]+)$", page.url)
        self.check(
            match and match.group(1) != "add",
            "saving the history cron did not lead to its page: %s" % self.messages(),
        )
        self.history_url = page.url
        self.check_page(HISTORY_RUNNER)
        self.check(
            page.locator("#history").count() == 1
            and "No runs yet" in page.locator("#history").inner_text(),
            "a new cron's page does not say 'No runs yet' in its history",
        )

    def set_parameters(self, seconds):
        page = self.page
        page.goto(self.history_url + "/edit")
        page.fill(
            "textarea[name='form.widgets.environ']", json.dumps({"seconds": seconds})
        )
        self.submit("[name='form.buttons.save']")
        self.check(
            page.url == self.history_url,
            "saving the parameters %r did not lead to the cron's page: %s"
            % (seconds, self.messages()),
        )

    def run_and_wait(self, number, expected):
        """Run now; wait for the ``number``-th manual log, ``expected``."""
        page = self.page
        self.submit("#cron-run")
        rows = page.locator("#logs tr.cron-log").filter(has_text="Manual")
        deadline = time.time() + RUN_TIMEOUT
        while rows.count() < number:
            if time.time() > deadline:
                raise Failure(
                    "run %d of the history cron logged nothing after %ds"
                    % (number, RUN_TIMEOUT)
                )
            time.sleep(0.5)
            page.goto(self.history_url)
        # the newest log comes first; its row's class names its status
        classes = (rows.first.get_attribute("class") or "").split()
        self.check(
            "cron-log-%s" % expected in classes,
            "run %d of the history cron is not logged %s: %r (%s)"
            % (number, expected, rows.first.inner_text(), classes),
        )

    def check_history(self):
        """Eight real runs, then the history: dots, rate, figures, chart."""
        page = self.page
        self.add_history_cron()
        expected = []
        for number, seconds in enumerate(HISTORY_SECONDS, 1):
            self.set_parameters(seconds)
            status = "FAILURE" if isinstance(seconds, str) else "OK"
            self.run_and_wait(number, status)
            expected.append(status)
        log("history cron: %d runs (%s)" % (len(expected), ", ".join(expected)))
        page.goto(self.history_url)
        self.check_page(HISTORY_RUNNER)
        history = page.locator("#history")
        dots = history.locator("svg.cron-history-dots circle")
        self.check(
            dots.count() == len(expected),
            "the history shows %d dots, not %d" % (dots.count(), len(expected)),
        )
        fills = [dots.nth(i).get_attribute("fill") for i in range(dots.count())]
        self.check(
            fills == [COLOURS[status] for status in expected],
            "the dots' colours %r are not the runs' statuses %r (oldest first)"
            % (fills, expected),
        )
        rate = history.locator("#history-success-rate").inner_text().strip()
        self.check(
            rate == HISTORY_RATE, "success rate %r, not %r" % (rate, HISTORY_RATE)
        )
        for key in ("average", "p95"):
            text = history.locator("#history-%s" % key).inner_text().strip()
            self.check(
                re.match(r"^\d+\.\d\d s$", text) is not None,
                "the %s duration shows %r, not seconds" % (key, text),
            )
        bars = history.locator("svg.cron-history-chart rect")
        self.check(
            bars.count() == len(expected),
            "the duration chart has %d bars, not %d" % (bars.count(), len(expected)),
        )
        heights = [
            float(bars.nth(i).get_attribute("height")) for i in range(bars.count())
        ]
        longest = HISTORY_SECONDS.index(
            max(s for s in HISTORY_SECONDS if not isinstance(s, str))
        )
        self.check(
            heights.index(max(heights)) == longest,
            "the tallest bar is run %d, not the longest run %d: %r"
            % (heights.index(max(heights)) + 1, longest + 1, heights),
        )
        self.check(
            history.locator("svg.cron-history-dots").is_visible()
            and history.locator("svg.cron-history-chart").is_visible(),
            "the dots or the chart are not visible",
        )
        log("history: %d dots, success rate %s" % (dots.count(), rate))
        history.scroll_into_view_if_needed()
        self.shoot("history")

    def check_alerts(self):
        """The Alerts settings: its fields, saved and shown again."""
        page = self.page
        page.goto(self.dashboard_url)
        self.submit("#cron-alerts")
        self.check_page("Alerts")
        fields = {
            "enabled": "input[type=checkbox][name='form.widgets.enabled:list']",
            "failures": "input[name='form.widgets.failures']",
            "every_failure": "input[type=checkbox][name='form.widgets.every_failure:list']",
            "on_recovery": "input[type=checkbox][name='form.widgets.on_recovery:list']",
            "on_notrun": "input[type=checkbox][name='form.widgets.on_notrun:list']",
            "emails": "textarea[name='form.widgets.emails']",
            "webhook_url": "input[name='form.widgets.webhook_url']",
            "webhook_secret": "input[name='form.widgets.webhook_secret']",
            "webhook_attempts": "input[name='form.widgets.webhook_attempts']",
            "save": "[name='form.buttons.save']",
        }
        missing = [
            name for name, css in fields.items() if page.locator(css).count() != 1
        ]
        self.check(not missing, "the alerts form lacks the fields %s" % missing)
        # Alerts on, e-mail only: no webhook, so nothing leaves this machine
        # (the instance has no mail settings: no e-mail is sent either).
        page.check(fields["enabled"])
        page.fill(fields["failures"], "3")
        page.check(fields["on_recovery"])
        page.fill(fields["emails"], "\n".join(ALERT_EMAILS))
        self.submit(fields["save"])
        self.check_page("Alerts")
        self.check(
            any("Alert settings saved" in message for message in self.messages()),
            "no 'Alert settings saved' message: %s" % self.messages(),
        )
        page.goto(self.dashboard_url + "/alerts")
        self.check(
            page.locator(fields["enabled"]).is_checked(), "'Send alerts' was not kept"
        )
        self.check(
            page.locator(fields["failures"]).input_value() == "3",
            "the failures in a row were not kept: %r"
            % page.locator(fields["failures"]).input_value(),
        )
        emails = page.locator(fields["emails"]).input_value().split()
        self.check(
            emails == list(ALERT_EMAILS),
            "the e-mail recipients were not kept: %r" % emails,
        )
        log("alerts: saved and shown again (on, 3 failures, %d e-mails)" % len(emails))
        self.shoot("alerts")

    def run(self):
        self.login()
        self.open_dashboard()
        self.add_cron()
        self.run_now()
        self.wait_ok_log()
        self.check_list()
        self.check_many()
        self.check_history()
        self.check_alerts()


def drive(site_url, workdir, screenshots, runner=RUNNER):
    from playwright.sync_api import sync_playwright

    profile = os.path.join(workdir, "chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            locale="en-US",
        )
        context.set_default_timeout(30000)
        page = context.pages[0] if context.pages else context.new_page()
        scenario = Scenario(page, site_url, screenshots, runner)
        try:
            scenario.run()
        except Exception:
            failed = os.path.join(workdir, "failure.png")
            try:
                page.screenshot(path=failed, full_page=True)
                log("failure screenshot: %s (page %s)" % (failed, page.url))
            except Exception:  # noqa: the failure matters, not the shot
                pass
            raise
        finally:
            context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--env",
        default=os.path.join(ROOT, ".envs", "py311-plone60"),
        help="the test env whose Zope runs the instance",
    )
    parser.add_argument(
        "--screenshots",
        default=os.path.join(ROOT, "docs", "_static"),
        help="where the PNG screenshots go",
    )
    parser.add_argument(
        "--runner",
        default=RUNNER,
        help="the job runner of the cron to add (default: %(default)s)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the throwaway folder (kept anyway on failure)",
    )
    args = parser.parse_args()

    # make's SIGTERM (or a CI timeout) still stops the instance (finally).
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(143))
    if not os.access(CHROMIUM, os.X_OK):
        print("browser: %s is missing: run scripts/browser/setup.sh" % CHROMIUM)
        print("browser: 0 passed, 1 failed")
        return 1
    os.makedirs(args.screenshots, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="collective-cron-browser-")
    instance = Instance(args.env, workdir)
    passed = False
    try:
        log("building an instance in %s" % workdir)
        instance.build()
        log("site /%s created" % SITE_ID)
        instance.start()
        instance.wait()
        log("instance answers on %s" % instance.site_url)
        drive(instance.browser_url, workdir, args.screenshots, args.runner)
        passed = True
    except Failure as failure:
        print("FAILED: %s" % failure)
    except Exception:
        traceback.print_exc()
        print("FAILED: %s" % sys.exc_info()[1])
    finally:
        instance.stop()
        if not passed and instance.process is not None:
            print("--- the instance's last lines (%s):" % instance.output)
            print(tail(instance.output, 30))
        if passed and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("browser: the throwaway folder is kept: %s" % workdir)
    log("done in %ds" % (time.time() - STARTED))
    print("browser: %d passed, %d failed" % ((1, 0) if passed else (0, 1)))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
