# -*- coding: utf-8 -*-
"""POST @crons (add), @crons/<uid>/run (run now, with parameters for that
run only in an optional ``{"parameters": {...}}`` body) and @crons/@import."""

from collective.cron import health
from collective.cron.audit import mask
from collective.cron.builder import build_cron
from collective.cron.builder import check_run_as
from collective.cron.builder import current_user
from collective.cron.builder import may_run_as_anyone
from collective.cron.builder import RUN_AS_PERMISSION
from collective.cron.builder import RunAsRefused
from collective.cron.compat import as_text
from collective.cron.compat import parse_qs
from collective.cron.exportimport import import_crontab
from collective.cron.exportimport import IMPORT_MODES
from collective.cron.restapi.serializers import cron_url
from collective.cron.restapi.services.crons.base import CronsService
from collective.cron.restapi.services.crons.base import ServiceError
from collective.cron.restapi.services.crons.base import UID


class CronsPost(CronsService):

    routes = (
        ((), "add"),
        (("@import",), "import_"),
        ((UID, "run"), "run"),
    )

    def add(self):
        """Add a cron; 201 with the cron and its URL in Location."""
        values = self.cron_fields(self.body())
        crontab = self.crontab()
        uid = values.get("uid")
        if uid is not None and uid in crontab.crons:
            raise ServiceError(
                409,
                "Conflict",
                "A cron with uid '%s' exists already: PATCH %s to change it"
                % (uid, cron_url(crontab.crons[uid])),
                field="uid",
            )
        editor = current_user()
        if "user" not in values and not may_run_as_anyone(self.context, editor):
            # Least privilege: a new cron runs as whoever adds it.
            values["user"] = editor.getId()
        cron = build_cron(values, site=self.context, editor=editor)
        self.disable_csrf()
        crontab.save_cron(cron)
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", cron_url(cron))
        return self.serialize(cron)

    def run(self, uid):
        """Queue a run now (the schedule stays); 202 with the job id."""
        cron = self.cron(self.crontab(), uid)
        try:
            # Least privilege: running it is acting with its run-as rights.
            check_run_as(self.context, current_user(), cron.user, current=cron)
        except RunAsRefused:
            raise ServiceError(
                403,
                "Forbidden",
                "This cron runs as %s, who has rights you do not have: only a "
                "user with the permission '%s' may run it"
                % (
                    (
                        "'%s'" % cron.user
                        if cron.user
                        else "the system user (every permission)"
                    ),
                    RUN_AS_PERMISSION,
                ),
                field="user",
            )
        parameters = self.run_parameters()
        self.disable_csrf()
        try:
            job_id = health.run_now(self.context, cron, parameters)
        except health.RunNowError as error:
            if error.reason == "unavailable":
                message = health.NO_JOB_SYSTEM
            elif error.reason == "failed":
                message = u"The job system could not queue the run: %s" % (
                    error.message,
                )
            else:
                message = u"The job system did not queue the run: %s" % (
                    error.message or health.NO_JOB_SYSTEM,
                )
            raise ServiceError(503, "ServiceUnavailable", message)
        self.request.response.setStatus(202)
        data = {
            "@id": cron_url(cron) + "/run",
            "cron": {"@id": cron_url(cron), "uid": cron.uid, "name": cron.name},
            "job_id": as_text(job_id),
        }
        if parameters is not None:
            data["parameters"] = mask(parameters)
        return data

    def run_parameters(self):
        """``{"parameters": {...}}`` of a run's body: they override the
        cron's for that run only; None without a body."""
        if not self.raw_body().strip():
            return None
        data = self.body()
        if not isinstance(data, dict) or set(data) - set(["parameters"]):
            raise ServiceError(
                400,
                "BadRequest",
                'A run takes an empty body or {"parameters": {...}} (a JSON '
                "object whose keys replace the cron's parameters for this run)",
                field="parameters",
            )
        if "parameters" not in data:
            return None
        return health.check_parameters(data["parameters"])

    def import_(self):
        """Import an export of ``GET @crons/@export`` (``?mode=merge|replace``).

        ``merge`` unless ``?mode=replace`` is given: a replace removes every
        cron that is not in the file, so it is never a default.
        """
        query = parse_qs(self.request.get("QUERY_STRING", ""))
        mode = (query.get("mode") or ["merge"])[0]
        if mode not in IMPORT_MODES:
            raise ServiceError(
                400,
                "BadRequest",
                "Unknown import mode '%s': use one of %s"
                % (mode, ", ".join(IMPORT_MODES)),
                field="mode",
            )
        data = self.body()
        self.disable_csrf()
        result = import_crontab(self.context, data, mode=mode)
        result["mode"] = mode
        result["@id"] = self.request["ACTUAL_URL"]
        return result
