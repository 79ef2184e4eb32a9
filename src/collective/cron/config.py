# -*- coding: utf-8 -*-
"""The job engine's configuration: zope.conf first, environment variables over it.

    <product-config collective.cron>
        engine huey
        queue redis://127.0.0.1:6379/0
        worker on
        threads 4
        site_limit 3
        secret a-long-random-text-shared-by-every-instance
    </product-config>

Each key can be overridden by ``COLLECTIVE_CRON_<KEY>`` in the environment:
that is how a server's start command says "this process runs jobs" while a
``zconsole run`` script reading the same zope.conf does not.

``secret`` (``COLLECTIVE_CRON_SECRET``) signs the huey queue's payloads
(:func:`queue_secret`): a payload without the right signature is never
unpickled.
"""

from collective.cron import logger
from collective.cron.compat import module_available

import os
import time

KEYS = ("engine", "queue", "worker", "threads", "site_limit", "secret")
# Worker threads per process: two long runs and the short crons due
# meanwhile run at once (issue 11; docs/deployment.rst, "Concurrency").
DEFAULT_THREADS = 4
ENGINES = ("huey", "zcasync")
TRUE = ("1", "on", "true", "yes")
FALSE = ("0", "off", "false", "no", "")


class ConfigurationError(ValueError):
    """The configuration cannot work; the message says what to change."""


def product_config():
    """The ``<product-config collective.cron>`` section as a dict of strings."""
    try:
        from App.config import getConfiguration
    except ImportError:  # pragma: no cover - always there in Zope
        return {}
    configuration = getConfiguration()
    section = getattr(configuration, "product_config", None) or {}
    return dict(section.get("collective.cron") or {})


def instance_home():
    try:
        from App.config import getConfiguration

        home = getattr(getConfiguration(), "instancehome", None)
    except ImportError:  # pragma: no cover
        home = None
    return home or os.environ.get("INSTANCE_HOME") or os.getcwd()


def zcasync_installed():
    """Is plone.app.async installed?  Found, not imported: only the zc.async
    engine loads it (it is a SyntaxError on Python 3)."""
    return module_available("plone.app.async")


def default_queue():
    return "sqlite:///" + os.path.join(instance_home(), "var", "collective.cron.sqlite")


def raw_settings():
    """zope.conf values overridden by the environment, not yet checked."""
    settings = product_config()
    for key in KEYS:
        value = os.environ.get("COLLECTIVE_CRON_" + key.upper())
        if value is not None:
            settings[key] = value
    return settings


def get_settings():
    """Checked settings: a dict with engine, queue, worker (bool), threads
    and site_limit (int).

    Raises ConfigurationError with a message that names the key and the
    accepted values.
    """
    raw = raw_settings()
    engine = (raw.get("engine") or "").strip().lower()
    if not engine:
        engine = "zcasync" if zcasync_installed() else "huey"
    if engine not in ENGINES:
        raise ConfigurationError(
            "collective.cron: unknown engine %r (use one of: %s)"
            % (engine, ", ".join(ENGINES))
        )
    queue = (raw.get("queue") or "").strip() or default_queue()
    if engine == "huey":
        parse_queue_url(queue)
    worker = (raw.get("worker") or "auto").strip().lower()
    if worker == "auto":
        worker = "on" if looks_like_a_server() else "off"
    if worker not in TRUE + FALSE:
        raise ConfigurationError(
            "collective.cron: worker must be 'on', 'off' or 'auto', not %r" % (worker,)
        )
    threads = (raw.get("threads") or str(DEFAULT_THREADS)).strip()
    try:
        threads = int(threads)
        if threads < 1:
            raise ValueError(threads)
    except ValueError:
        raise ConfigurationError(
            "collective.cron: threads must be a whole number >= 1, not %r" % (threads,)
        )
    return {
        "engine": engine,
        "queue": queue,
        "worker": worker in TRUE,
        "threads": threads,
        "site_limit": _site_limit(raw.get("site_limit"), threads),
    }


def _site_limit(value, threads):
    """Runs of one site at once in a process (``collective.cron.concurrency``):
    by default one less than ``threads`` (at least 1)."""
    value = (value or "").strip()
    if not value:
        return max(1, threads - 1)
    try:
        limit = int(value)
        if limit < 1:
            raise ValueError(limit)
    except ValueError:
        raise ConfigurationError(
            "collective.cron: site_limit must be a whole number >= 1, not %r" % (value,)
        )
    return limit


SERVER_COMMANDS = ("runwsgi", "gunicorn", "pserve", "waitress-serve", "uwsgi")
INSTANCE_SERVER_VERBS = ("fg", "console", "start", "foreground")


def looks_like_a_server(argv=None):
    """Whether this process serves requests (and so should run jobs).

    zope.conf cannot tell a server from a ``zconsole run`` script, and a job
    taken by a short-lived script dies with it; so without an explicit
    ``worker`` setting only the usual server commands run a worker.
    """
    import sys

    argv = list(sys.argv if argv is None else argv)
    if not argv:
        return False
    command = os.path.basename(argv[0])
    if command.endswith(".py"):
        command = command[:-3]
    if command in SERVER_COMMANDS:
        return True
    if command in ("instance", "client1", "client2", "client3", "client4"):
        return len(argv) > 1 and argv[1] in INSTANCE_SERVER_VERBS
    return False


def parse_queue_url(url):
    """``sqlite:///path`` or ``redis://[:password@]host[:port][/db]``.

    Returns (scheme, details) where details is a dict; raises
    ConfigurationError for anything else.
    """
    text = (url or "").strip()
    if text.startswith("sqlite:///"):
        # As in SQLAlchemy: sqlite:////absolute/path, sqlite:///relative/path
        # (relative to the instance home).
        path = text[len("sqlite:///") :]
        if not path or path.endswith("/"):
            raise ConfigurationError(
                "collective.cron: queue %r: an SQLite queue is written "
                "sqlite:////absolute/path/file.sqlite or "
                "sqlite:///path/relative/to/the/instance.sqlite" % (text,)
            )
        if not path.startswith("/"):
            path = os.path.join(instance_home(), path)
        return "sqlite", {"filename": path}
    if text.startswith("redis://") or text.startswith("rediss://"):
        rest = text.split("://", 1)[1]
        hostpart = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        if not hostpart:
            raise ConfigurationError(
                "collective.cron: queue %r: a Redis queue is written "
                "redis://host:port/db" % (text,)
            )
        if ":" in hostpart:
            port = hostpart.rsplit(":", 1)[1]
            if not port.isdigit():
                raise ConfigurationError(
                    "collective.cron: queue %r: the port %r is not a number"
                    % (public_queue(text), port)
                )
        database = rest.split("/", 1)[1] if "/" in rest else ""
        if database and not database.split("?")[0].isdigit():
            raise ConfigurationError(
                "collective.cron: queue %r: the database %r is not a number"
                % (public_queue(text), database)
            )
        return "redis", {"url": text}
    raise ConfigurationError(
        "collective.cron: queue %r is neither sqlite:///path nor "
        "redis://host:port/db" % (public_queue(text),)
    )


def public_queue(url):
    """The queue URL without its password, for pages and logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    if ":" in credentials:
        credentials = credentials.split(":", 1)[0] + ":***"
    else:
        credentials = "***"
    return "%s://%s@%s" % (scheme, credentials, host)


# Where a generated secret is kept when none is configured.
SECRET_FILE_SUFFIX = ".secret"
SECRET_FILE = "collective.cron.secret"
MIN_SECRET_LENGTH = 16


def secret_file(queue_url):
    """The file a generated queue secret is kept in: beside an SQLite queue
    (every process sharing the queue file shares it), else in the instance's
    ``var`` folder (one instance only: a Redis queue shared by several
    instances needs the ``secret`` setting)."""
    scheme, details = parse_queue_url(queue_url)
    if scheme == "sqlite":
        return details["filename"] + SECRET_FILE_SUFFIX
    return os.path.join(instance_home(), "var", SECRET_FILE)


def queue_secret(queue_url):
    """The secret that signs the payloads of ``queue_url``: (secret, where).

    The ``secret`` setting (zope.conf or ``COLLECTIVE_CRON_SECRET``) when
    there is one (at least ``MIN_SECRET_LENGTH`` characters), else the
    content of :func:`secret_file`, generated (random, mode 0600) when the
    file does not exist yet.  ``where`` says which, for the logs.
    """
    configured = (raw_settings().get("secret") or "").strip()
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                "collective.cron: secret must be at least %d characters long"
                % MIN_SECRET_LENGTH
            )
        return configured, "setting"
    path = secret_file(queue_url)
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        os.makedirs(folder)
    if not os.path.exists(path):
        import binascii

        generated = binascii.hexlify(os.urandom(32)).decode("ascii")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            descriptor = None  # another process wrote it first: read theirs
        if descriptor is not None:
            with os.fdopen(descriptor, "w") as stream:
                stream.write(generated)
            logger.info("collective.cron: generated the queue secret in %s", path)
    secret = ""
    for attempt in range(40):
        # A process that created the file a moment ago may still write it.
        with open(path) as stream:
            secret = stream.read().strip()
        if secret:
            break
        time.sleep(0.05)
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            "collective.cron: the secret in %s is shorter than %d characters"
            % (path, MIN_SECRET_LENGTH)
        )
    return secret, path


def settings_or_none():
    """Settings, or None after logging why they cannot be used."""
    try:
        return get_settings()
    except ConfigurationError as error:
        logger.error("%s", error)
        return None
