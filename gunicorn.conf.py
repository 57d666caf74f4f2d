"""The production web server's settings (Dockerfile, docker-compose.yml, benchmarks/bench_web.py).

Chosen by measurement on 2 cores (issue 11, ADR 0020): see docs/performance.md,
"Web speed at council scale". Each value can be overridden from the environment
for a bigger machine (GUNICORN_WORKERS, GUNICORN_THREADS, ...).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threads, not more processes: a sync worker closes every connection after one
# response (no keep-alive) and waits idle on each database and Redis round trip;
# 4 threads per worker fill those waits and keep connections alive. Two workers
# for two cores (four sync workers measured no faster). See ADR 0020.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Seconds an idle keep-alive connection is held (behind a load balancer, set it above the balancer's idle timeout).
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
