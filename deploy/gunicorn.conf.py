"""Gunicorn settings for Alongside: `make serve`, or `gunicorn -c deploy/gunicorn.conf.py app:app`.

Every figure can be changed from the environment (names below); the defaults suit one small
machine (2 cores) behind nginx or HAProxy (deploy/nginx.conf, deploy/haproxy.cfg).

Graceful restarts: `kill -HUP <master pid>` reads this file again and starts new workers,
stopping the old ones once they have finished their requests (up to graceful_timeout), so no
request is dropped. The workers are forked from the app the master preloaded, so HUP does not
load new code: for a new release, `kill -USR2 <master pid>` starts a new master beside the old
one (same socket), then `kill -TERM <old master pid>` (graceful) once the new one answers; or
restart the service, which costs the requests in flight at that moment. Workers are also
replaced by themselves after max_requests (below).
"""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# --- where --------------------------------------------------------------------------------------
# The loopback address only: the reverse proxy is the one door from outside.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int('PORT', 8000)}"

# The proxy's X-Forwarded-For and X-Forwarded-Proto are read by the app itself, trusting as
# many proxies as PROXY_COUNT says (lms/web.py, ProxyFix). Gunicorn's own forwarded_allow_ips
# keeps its default, the loopback address: only a proxy on this machine may set the scheme.

# --- workers ------------------------------------------------------------------------------------
# gthread: each worker process answers with a small pool of threads. Why not the default
# `sync` worker: a sync worker is busy for as long as its one request lasts, and the master
# kills any worker that is silent for `timeout` seconds, so a 10 MB photo sent from a phone at
# 210 KB/s (about 50 s) was cut at 30 s. A gthread worker's main thread keeps telling the master
# it is alive while its threads read slow request bodies, so `timeout` only ends a worker that
# is truly stuck. The reverse proxy buffers request bodies too (nginx: the whole body, on disk;
# see deploy/nginx.conf), so behind nginx a thread is taken only once the upload has arrived;
# HAProxy passes a body on as it comes, and then the threads are what keeps other people's pages
# answering while a slow upload trickles in.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)
# Load the application once in the master and fork the workers from it: the code, templates,
# course content and compiled rules are shared (copy-on-write) instead of loaded per worker.
# What must not be shared is reopened in each worker: see post_fork below.
preload_app = True

# --- time ---------------------------------------------------------------------------------------
# The most a worker may go without a heartbeat before the master replaces it (not the length
# of a request, see above). Longer than the slowest legitimate work the main thread could be
# starved for (a large export on a busy machine).
timeout = _int("GUNICORN_TIMEOUT", 120)
# On restart or HUP, how long a worker may finish what it is doing before it is stopped.
# Long enough for an upload the proxy has already received to be checked and stored.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 60)
# Idle keep-alive connections from the proxy are held this long (the proxy's own idle limit,
# `keepalive_timeout` in nginx's upstream block and `timeout http-keep-alive` in HAProxy, is
# shorter, so gunicorn never closes a connection the proxy is about to reuse).
keepalive = _int("GUNICORN_KEEPALIVE", 75)

# --- recycling ----------------------------------------------------------------------------------
# Each worker is replaced gracefully after this many requests (0: never), plus a random number
# up to the jitter so that the workers are not all replaced at the same moment. This bounds
# any slow growth of memory; the preloaded master makes a new worker cheap.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)

# --- request limits -----------------------------------------------------------------------------
# Request bodies are not held by gunicorn: the app reads the multipart body from the socket,
# and Werkzeug keeps each uploaded file in memory only up to 500 KB, then in a temporary file
# (TMPDIR, on disk: set TMPDIR to a disk with room for a few uploads at once, not a small
# tmpfs). The app refuses bodies over MAX_CONTENT_LENGTH (UPLOAD_MAX_BYTES + 1 MiB) before
# reading them; the proxy's limit matches it.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# The heartbeat file lives in memory where the system has one, so a slow disk cannot make a
# healthy worker look dead.
if Path("/dev/shm").is_dir():  # noqa: S108 - gunicorn's own heartbeat files, as documented
    worker_tmp_dir = "/dev/shm"  # noqa: S108


# Gunicorn's control socket (`gunicornc`) is off: it would sit at one path per user, shared by
# every server that user runs. Signals do the same work (see the top of this file).
control_socket_disable = True

# --- logs ---------------------------------------------------------------------------------------
# Access log to stdout, one line a request: time, method, the route's pattern, status, bytes,
# milliseconds and worker. Never the address itself, nor its query string: witness statement
# (/s/<token>), survey (/f/<token>), invitation, joining and password links carry their secret
# in the path, and the app puts the matched route's pattern ("/s/<token>") in
# `alongside.route` for this line ("-" when no route matched). No client address, user agent
# or referrer either: the audit trail records what needs an address.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(t)s "%(m)s %({alongside.route}e)s" %(s)s %(B)s %(M)sms %(p)s'


class PathlessLogger(Logger):
    """Gunicorn's own error line for a request that failed outside the app names its address
    (with the query string): say that it failed, without the address."""

    def exception(self, msg, *args, **kwargs):
        if isinstance(msg, str) and msg.startswith("Error handling request"):
            msg, args = "Error handling request (its address is not logged)", ()
        super().exception(msg, *args, **kwargs)


logger_class = PathlessLogger


# --- hooks --------------------------------------------------------------------------------------
def pre_fork(server, worker):
    """Before each worker is forked from the preloaded master: load once what every worker
    would load for itself (templates, catalogues; lms.web.load_before_fork), then freeze the
    master's objects out of the garbage collector's sight, so that a worker does not copy the
    memory they live on merely by scanning them (the workers share it instead)."""
    if not getattr(server, "alongside_loaded", False):
        app = server.app.wsgi()
        if getattr(app, "extensions", {}).get("sqlalchemy") is not None:
            from lms.web import load_before_fork

            load_before_fork(app)
        server.alongside_loaded = True
    gc.freeze()


def post_fork(server, worker):
    """A worker must not use the database connections the master might have opened while
    loading the app (two processes on one connection corrupt each other's conversation):
    forget them without closing them (closing would end the master's), so that each worker
    opens its own. Nothing else is opened at import: the mail connection, the evidence store's
    files and the rate limiter's counters are all made when first used."""
    app = server.app.wsgi()
    sqlalchemy = getattr(app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is None:
        return  # another app under the same settings (the benchmark's bare page)
    with app.app_context():
        for engine in sqlalchemy.engines.values():
            engine.dispose(close=False)
    logging.getLogger("gunicorn.error").debug("worker %s: database pools reset", worker.pid)
