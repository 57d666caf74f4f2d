"""The production web server's settings (Dockerfile, docker-compose.yml, benchmarks/bench_web.py).

Chosen by measurement on 2 cores (issue 11, ADR 0020): see docs/performance.md,
"Web speed at council scale". Each value can be overridden from the environment
for a bigger machine (GUNICORN_WORKERS, GUNICORN_THREADS, ...).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A request that takes longer than this is stuck; the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Replace workers now and then so a slow leak never grows for ever (jittered: not all at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# Import the app once in the master: workers fork with Django loaded (faster start, shared pages).
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
