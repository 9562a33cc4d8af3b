"""Hearing in every process, at once, that some campaign changed.

`freshness.mark_changed` moves the campaign's version and publishes a message on a
Redis channel in one atomic script. Each process (each gunicorn worker) listens on
that channel in a background thread. While the thread is subscribed, a page this
process keeps in memory stays right until the next message, so a cache hit needs
no round trip to Redis at all.

`generation()` is a number that moves on every message, on every (re)subscription
and whenever the thread stops listening; it is None while the thread is not
subscribed. Whatever a process keeps in memory is tagged with the generation read
before it was fetched, and is used only while the generation is still the same. A
message lost while the connection was down can therefore never leave a stale page:
the thread was not subscribed, so nothing was served from memory.

A connection that dies without closing (a network partition) is noticed by pinging
Redis every `PING_SECONDS`: with no answer for `SILENCE_SECONDS` the thread gives
up the subscription and starts again.
"""

import itertools
import logging
import os
import threading
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

PING_SECONDS = 5
SILENCE_SECONDS = 2 * PING_SECONDS + 1
RETRY_SECONDS = (0.1, 5.0)  # first and longest wait before subscribing again


def channel():
    """The channel's name, with the cache's key prefix: sites sharing a Redis don't mix."""
    return cache.make_key("campaign-changes")


def redis_client():
    """The Redis client behind the default cache, or None if the cache is not Redis."""
    try:
        from django_redis import get_redis_connection

        return get_redis_connection("default")
    except NotImplementedError:
        return None


class Listener:
    def __init__(self):
        self._counter = itertools.count(1)
        self._generation = None
        self._pid = None
        self._start_lock = threading.Lock()
        self._lock = threading.Lock()
        self._subscribed = False
        self._stopping = threading.Event()
        self._thread = None

    def generation(self):
        """The current generation, or None while not subscribed (nothing may be kept)."""
        if self._pid != os.getpid():
            self._start()
        return self._generation

    def moved(self):
        """Something changed: whatever this process kept from before is void."""
        with self._lock:
            if self._generation is not None:
                self._generation = next(self._counter)

    def _listening(self, listening):
        with self._lock:
            self._generation = next(self._counter) if listening else None

    def stop(self):
        """Stop listening (and forget the process): the next `generation()` starts again."""
        with self._start_lock:
            thread, self._thread = self._thread, None
            self._stopping.set()
            if thread is not None:
                thread.join(timeout=5)
            self._stopping.clear()
            self._pid = None
            self._listening(False)

    def _start(self):
        # After a fork only the forking thread survives: each process starts its own.
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._listening(False)
            if redis_client() is None:
                return  # not Redis (tests, one process): nothing to listen to
            self._thread = threading.Thread(
                target=self._run, args=(self._stopping,), name="campaign-changes", daemon=True
            )
            self._thread.start()

    def _run(self, stopping):
        wait = RETRY_SECONDS[0]
        while not stopping.is_set():
            self._subscribed = False
            try:
                self._listen(stopping)
            except Exception as error:  # any failure: stop serving from memory, start again
                self._listening(False)
                logger.warning("Not listening for campaign changes: %s", error)
            wait = RETRY_SECONDS[0] if self._subscribed else min(wait * 2, RETRY_SECONDS[1])
            stopping.wait(wait)

    def _listen(self, stopping):
        pubsub = redis_client().pubsub()
        try:
            pubsub.subscribe(channel())
            heard = pinged = time.monotonic()
            while not stopping.is_set():
                now = time.monotonic()
                if now - pinged >= PING_SECONDS:
                    pubsub.ping()
                    pinged = now
                message = pubsub.get_message(timeout=0.5)
                if message is None:
                    if time.monotonic() - heard > SILENCE_SECONDS:
                        raise ConnectionError(f"no answer from Redis in {SILENCE_SECONDS}s")
                    continue
                heard = time.monotonic()
                if message["type"] == "subscribe":
                    self._subscribed = True
                    self._listening(True)
                elif message["type"] == "message":
                    self.moved()
        finally:
            self._listening(False)
            pubsub.close()


listener = Listener()


def generation():
    """See `Listener.generation`: None unless this process hears every change at once."""
    return listener.generation()
