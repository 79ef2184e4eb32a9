# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""The jobs of one cron, found without reading the whole queue.

huey keeps tasks as signed pickles in a queue and a schedule that can only
be read whole: listing one cron's jobs read (and checked the signature of)
every task, 6 s of a 6 s edit at 10,000 crons.  So each job queued by
collective.cron is also written under its cron in huey's key-value store:

- SQLite: one ``kv`` row per job, ``collective.cron:cronjobs:<site>:<cron>:
  <job id>``, read by one range query on the table's primary key;
- Redis: one hash per cron (``huey.collective.cron.jobs.<site>.<cron>``), one
  field per job id, read by ``HGETALL``.

``<site>`` and ``<cron>`` are digests of the site's path and of the cron's
uid (uids are any text); a site's entries are one range (SQLite) or one
key pattern (Redis) for ``repair``.  One entry per job, so adding or removing one never rewrites
another's (no lost update between processes).  Values go through huey's
serializer, which signs them: a value without the queue's signature is
refused before anything is unpickled (``signing``) and reads as absent.

An entry is written with its task and removed with it (revoked, or run:
``storage.run_task``).  A task lost without running (a worker that died
between taking it and claiming it) leaves its entry: the reconciler, which
reads the whole queue once a minute anyway, removes entries whose task it
did not find and adds those of tasks queued before this index existed
(``repair``).
"""

from huey.storage import RedisStorage

import hashlib
import time

PREFIX = "collective.cron:cronjobs:"
REDIS_PREFIX = "huey.collective.cron.jobs."
# An entry younger than this is never taken for stale by ``repair``: its
# task may be written by another process a moment after it.
REPAIR_AGE = 60


def _digest(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def site_key(site_path):
    return _digest(site_path)


def cron_key(site_path, uid):
    """A fixed-length name for the jobs of one cron of one site."""
    return site_key(site_path) + ":" + _digest(uid)


def _redis_key(group):
    return REDIS_PREFIX + group.replace(":", ".")


def _is_redis(huey):
    return isinstance(huey.storage, RedisStorage)


def add(huey, job, added=None):
    """Write ``job`` (the dict the queue manager queues) under its cron;
    ``added``: when (default now), for ``repair``."""
    value = huey.serializer.serialize(
        {
            "id": job["id"],
            "site": job["site"],
            "uid": job["uid"],
            "when": job["when"],
            "scheduled": job["scheduled"],
            "trigger": job["trigger"],
            "added": added if added is not None else time.time(),
        }
    )
    group = cron_key(job["site"], job["uid"])
    if _is_redis(huey):
        huey.storage.conn.hset(_redis_key(group), job["id"], value)
    else:
        huey.storage.put_data(PREFIX + group + ":" + job["id"], value)


def remove(huey, site_path, uid, job_id):
    group = cron_key(site_path, uid)
    if _is_redis(huey):
        huey.storage.conn.hdel(_redis_key(group), job_id)
    else:
        huey.storage.delete_data(PREFIX + group + ":" + job_id)


def flush(huey):
    """Remove every entry of a Redis queue (SQLite's go with huey's kv)."""
    conn = huey.storage.conn
    keys = list(conn.scan_iter(match=REDIS_PREFIX + "*", count=1000))
    for start in range(0, len(keys), 1000):
        conn.delete(*keys[start : start + 1000])


def _raw(huey, group):
    """The values under ``group`` (a cron, or with ``uid=None`` a site)."""
    if _is_redis(huey):
        conn = huey.storage.conn
        if group.count(":") == 1:  # a cron: one hash
            return list(conn.hgetall(_redis_key(group)).values())
        keys = list(conn.scan_iter(match=_redis_key(group) + ".*", count=1000))
        pipe = conn.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        return [value for found in pipe.execute() for value in found.values()]
    storage = huey.storage
    low = PREFIX + group + ":"
    high = PREFIX + group + ";"  # ";" follows ":"
    with storage.db() as cursor:
        cursor.execute(
            "select value from kv where queue = ? and key >= ? and key < ?",
            (storage.name, low, high),
        )
        return [row[0] for row in cursor.fetchall()]


def entries(huey, site_path, uid=None):
    """The jobs written under a cron (every cron of the site without
    ``uid``), as dicts; signed ones only."""
    group = cron_key(site_path, uid) if uid is not None else site_key(site_path)
    found = []
    for value in _raw(huey, group):
        try:
            entry = huey.serializer.deserialize(value)
        except Exception:  # refused (``signing`` counts and logs it)
            continue
        if (
            isinstance(entry, dict)
            and entry.get("site") == site_path
            and (uid is None or entry.get("uid") == uid)
        ):
            found.append(entry)
    return found


def repair(huey, site_path, queued, now=None):
    """Make the site's entries match ``queued`` (every job of the site found
    in the queue); returns (added, removed).  Entries younger than
    ``REPAIR_AGE`` stay: their task may not be written yet."""
    now = now if now is not None else time.time()
    queued = dict(((job["uid"], job["id"]), job) for job in queued)
    known = dict(
        ((entry["uid"], entry["id"]), entry) for entry in entries(huey, site_path)
    )
    added = removed = 0
    for key, job in queued.items():
        if key not in known:
            add(huey, job)
            added += 1
    for key, entry in known.items():
        if key in queued or now - float(entry.get("added") or 0) < REPAIR_AGE:
            continue
        remove(huey, site_path, entry["uid"], entry["id"])
        removed += 1
    return added, removed
