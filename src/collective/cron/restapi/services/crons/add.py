# -*- coding: utf-8 -*-
"""POST @crons (add), @crons/<uid>/run (run now) and @crons/@import."""

from collective.cron import logger
from collective.cron.exportimport import build_cron
from collective.cron.exportimport import import_crontab
from collective.cron.exportimport import IMPORT_MODES
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import IQueueManager
from collective.cron.restapi.serializers import cron_url
from collective.cron.restapi.serializers import engine_state
from collective.cron.restapi.serializers import NO_JOB_SYSTEM
from collective.cron.restapi.services.crons.base import CronsService
from collective.cron.restapi.services.crons.base import ServiceError
from collective.cron.restapi.services.crons.base import UID
from six.moves.urllib.parse import parse_qs
from ZODB.POSException import ConflictError
from zope.component import queryAdapter
from zope.component import queryMultiAdapter

import six


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
        cron = build_cron(values, site=self.context)
        self.disable_csrf()
        crontab.save_cron(cron)
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", cron_url(cron))
        return self.serialize(cron)

    def run(self, uid):
        """Queue a run now (the schedule stays); 202 with the job id."""
        cron = self.cron(self.crontab(), uid)
        manager = None
        if queryAdapter(self.context, IQueueManager) is not None:
            manager = queryMultiAdapter((self.context, cron), ICronManager)
        if manager is None:
            raise ServiceError(503, "ServiceUnavailable", NO_JOB_SYSTEM)
        self.disable_csrf()
        try:
            job_id = manager.run_now()
        except ConflictError:
            raise
        except Exception as error:
            logger.exception("Cannot queue a run of cron %s", cron.uid)
            raise ServiceError(
                503,
                "ServiceUnavailable",
                u"The job system could not queue the run: %s" % (error,),
            )
        if job_id is None:
            state = engine_state(self.context)
            raise ServiceError(
                503,
                "ServiceUnavailable",
                u"The job system did not queue the run: %s"
                % (state.get("error") or NO_JOB_SYSTEM,),
            )
        self.request.response.setStatus(202)
        return {
            "@id": cron_url(cron) + "/run",
            "cron": {"@id": cron_url(cron), "uid": cron.uid, "name": cron.name},
            "job_id": six.text_type(job_id),
        }

    def import_(self):
        """Import an export of ``GET @crons/@export`` (``?mode=replace|merge``)."""
        query = parse_qs(self.request.get("QUERY_STRING", ""))
        mode = (query.get("mode") or ["replace"])[0]
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
