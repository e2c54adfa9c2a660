"""What the workers and machines of one site share beyond the database: Redis.

With `REDIS_URL` set, every worker and instance shares three things through it:

* **rate limits** (Flask-Limiter's `RATELIMIT_STORAGE_URI` is taken from it, see lms.config);
* **the outbox's queue** (`ring`/`wait_for_rings`): a request that put mail in the outbox
  pushes the messages' ids onto a Redis list once its transaction has committed, and the
  sender (`flask --app app mail send --watch`, on any machine) takes them off at once. The
  list only says "look at these now": the outbox rows stay the record of what is to be sent,
  and the claim by conditional UPDATE (lms.mail.sender) still makes sure each is sent once;
  an id lost with Redis is found by the sender's regular look at the table;
* **a short-lived cache** (`cache()`): expensive answers that are the same for everyone.

Without it each process keeps its own (memory): right for one process only, so the start-up
warns when it can tell there are more (`warn_if_not_shared`).
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, current_app

OUTBOX_QUEUE = "alongside:outbox"
BLOCK_SECONDS = 3
_CACHE_PREFIX = "alongside:cache:"


def redis_client(app: Flask | None = None):
    """The application's Redis connection pool, or None without REDIS_URL."""
    app = app or current_app
    if "alongside.redis" not in app.extensions:
        url = app.config.get("REDIS_URL")
        client = None
        if url:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        app.extensions["alongside.redis"] = client
    return app.extensions["alongside.redis"]


# --- the outbox's queue -------------------------------------------------------------------------


def ring(ids: list[int], app: Flask | None = None) -> bool:
    """Tell the senders that these outbox messages are waiting. False without Redis (or when
    it cannot be reached: the sender's regular look finds them anyway)."""
    client = redis_client(app)
    if client is None or not ids:
        return False
    try:
        client.rpush(OUTBOX_QUEUE, *ids)
    except Exception:  # the rows are the record; only the hurry is lost
        (app or current_app).logger.warning("The outbox queue could not be reached", exc_info=True)
        return False
    return True


def wait_for_rings(seconds: float, *, limit: int, app: Flask | None = None) -> list[int] | None:
    """Wait up to `seconds` (at most BLOCK_SECONDS) for ids on the outbox's queue and take up
    to `limit` of them. None without Redis (the caller sleeps instead)."""
    client = redis_client(app)
    if client is None:
        return None
    # Blocked for less than the connection's own timeout (5 s), which would end the wait with
    # an error; the caller waits again until its interval is over.
    found = client.blpop([OUTBOX_QUEUE], timeout=min(BLOCK_SECONDS, max(1, round(seconds))))
    if found is None:
        return []
    ids = [int(found[1])]
    if limit > 1:
        ids += [int(value) for value in client.lpop(OUTBOX_QUEUE, limit - 1) or []]
    return ids


# --- the short-lived cache ----------------------------------------------------------------------


class RedisCache:
    """Shared by every worker and instance."""

    def __init__(self, client):
        self.client = client

    def get_or_make(self, key: str, seconds: int, make: Callable[[], str]) -> str:
        found = self.client.get(_CACHE_PREFIX + key)
        if found is not None:
            return found.decode()
        value = make()
        self.client.set(_CACHE_PREFIX + key, value.encode(), ex=seconds)
        return value


class ProcessCache:
    """This process's own (one process only): the few most recent answers."""

    def __init__(self, size: int = 256, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: str, seconds: int, make: Callable[[], str]) -> str:
        now = self.clock()
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[0] > now:
                self._items.move_to_end(key)
                return found[1]
        value = make()
        with self._lock:
            self._items[key] = (now + seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def cache(app: Flask | None = None) -> RedisCache | ProcessCache:
    app = app or current_app
    if "alongside.cache" not in app.extensions:
        client = redis_client(app)
        app.extensions["alongside.cache"] = RedisCache(client) if client else ProcessCache()
    return app.extensions["alongside.cache"]


def memo(app: Flask | None = None) -> Callable[[str, Callable[[], str]], str]:
    """`memo(key, make)`: the cache, for CACHE_SECONDS, as domain code takes it."""
    app = app or current_app
    store, seconds = cache(app), app.config.get("CACHE_SECONDS", 60)
    if seconds <= 0:
        return lambda key, make: make()
    return lambda key, make: store.get_or_make(key, seconds, make)


# --- is this one process? -----------------------------------------------------------------------


def server_workers() -> int | None:
    """How many worker processes the WSGI server runs, when it can be told (gunicorn, read
    from its own settings: command line, GUNICORN_CMD_ARGS, WEB_CONCURRENCY and config file
    alike, since the app is loaded by a gunicorn object that holds them)."""
    if "gunicorn" not in sys.modules:
        return None
    frame = sys._getframe(1)
    while frame is not None:
        holder = frame.f_locals.get("self")
        settings = getattr(holder, "cfg", None)
        if type(holder).__module__.startswith("gunicorn") and hasattr(settings, "workers"):
            return int(settings.workers)
        frame = frame.f_back
    return None


def warn_if_not_shared(app: Flask, workers: int | None = None) -> bool:
    """Log a warning when rate limits would be counted per process while several run."""
    workers = server_workers() if workers is None else workers
    storage = app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if workers and workers > 1 and storage.startswith("memory://"):
        app.logger.warning(
            "%s workers run without shared storage: rate limits are counted in each worker "
            "separately and the cache is kept per worker. Set REDIS_URL (see README, "
            "'More than one machine').",
            workers,
        )
        return True
    return False
