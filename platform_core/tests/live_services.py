"""Real services a test owns: a throwaway redis-server it may stop and start
(the root conftest's `redis_server` fixture), this process's Celery producer
pointed at it, and a Celery worker subprocess on the test database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server on a free port, without persistence: stopping it loses
    everything in it, as a crash of an unpersisted Redis would."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@contextmanager
def running_redis(directory: Path) -> Iterator[RedisServer]:
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def celery_publishing_to(url: str) -> Iterator:
    """Point this process's Celery producer at `url`, and back afterwards."""
    from platform_core.celery import app

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    app.conf.broker_url = url
    reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url = old
        reset_pools()


def database_url() -> str:
    """The test database as a URL for a subprocess (a Celery worker)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def fail_soft_cache(url: str, prefix: str) -> dict:
    """CACHES pointing at `url` with the production backend (platform_core.cache)."""
    return {
        "default": {
            "BACKEND": "platform_core.cache.FailSoftRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def start_worker(*, redis_url: str, cache_prefix: str, log: IO, args: list[str]) -> subprocess.Popen:
    """`celery -A platform_core worker *args` on the test database, the given Redis and cache prefix."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": cache_prefix,
        "MATCHING_SWEEP_SECONDS": "1",
        "CONN_MAX_AGE": "0",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "platform_core", "worker", *args],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(predicate, *, timeout: float, what: str, worker=None, log: Path | None = None) -> float:
    """Poll `predicate` until it holds (returns the seconds it took); fail with the worker's
    log if `timeout` passes or the worker dies first. A hang check, not a speed check."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        if worker is not None and worker.poll() is not None:
            break
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{tail}")


def stop_process_group(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
