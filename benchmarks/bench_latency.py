"""End-to-end matching latency: from the commit of a posted need to its proposal row.

A real Celery worker (with its beat) on Redis and PostgreSQL does the matching;
this script only writes needs, one by one, exactly as residents.services does
(an OPEN need, then platform_core.services.market_changed after commit), and
polls for the proposal. It prints one markdown table row for docs/performance.md.

Run it against a scratch database (it creates its own council and rows, and
deletes them at the end):

    createdb -h 127.0.0.1 -U postgres convene_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_bench
    export REDIS_URL=redis://127.0.0.1:6379/0 CELERY_BROKER_URL=redis://127.0.0.1:6379/0
    .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/bench_latency.py --needs 100            # starts its own worker
    .venv/bin/python benchmarks/bench_latency.py --needs 100 --no-worker  # a worker is already running

Each post queues a run for its council unless one is already queued and not
yet started (then it rides on that run); the beat sweep (MATCHING_SWEEP_SECONDS)
is only the safety net. Web and worker must share the cache (REDIS_URL).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
os.environ.setdefault("DEBUG", "true")  # local defaults (the worker it starts inherits them)


def _start_worker(sweep_seconds: int) -> subprocess.Popen:
    schedule = Path(tempfile.mkdtemp()) / "beat-schedule"
    env = {**os.environ, "MATCHING_SWEEP_SECONDS": str(sweep_seconds)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "platform_core",
            "worker",
            "-B",
            "--schedule",
            str(schedule),
            "--concurrency",
            "1",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=100)
    parser.add_argument("--offers", type=int, default=40, help="offers already in the market (capacity 5 each)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between two posts")
    parser.add_argument("--timeout", type=float, default=60, help="give up on a need after this long")
    parser.add_argument("--sweep-seconds", type=int, default=10, help="the beat sweep period for the started worker")
    parser.add_argument("--no-worker", action="store_true", help="use a worker that is already running")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    from matching.models import Match
    from platform_core.services import market_changed
    from platform_core.tests.factories import CouncilDistrictFactory, CouncilFactory, ServiceCategoryFactory
    from providers.tests.factories import OfferFactory, ProviderFactory
    from residents.models import Need
    from residents.tests.factories import NeedFactory, ResidentFactory

    if not settings.USING_POSTGRES or settings.CELERY_BROKER_URL.startswith("filesystem"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL/REDIS_URL (Redis): see the docstring.")

    stamp = int(time.time())
    council = CouncilFactory(name=f"Latency bench {stamp}", slug=f"latency-bench-{stamp}")
    CouncilDistrictFactory(council=council, outcode=f"B{stamp % 1000}")
    category = ServiceCategoryFactory(council=council)
    for i in range(args.offers):
        provider = ProviderFactory(council=council, latitude=51.405 + (i % 8) * 0.003, longitude=-0.30 + i // 8 * 0.004)
        OfferFactory(provider=provider, categories=[category], capacity=5)
    resident = ResidentFactory(council=council)

    worker = None if args.no_worker else _start_worker(args.sweep_seconds)
    latencies: list[float] = []
    missed = 0
    try:
        time.sleep(0 if args.no_worker else 6)  # let the worker connect before the clock starts
        for _ in range(args.needs):
            with transaction.atomic():
                need = NeedFactory(resident=resident, category=category, status=Need.Status.OPEN)
                market_changed(council_id=council.pk)
            committed = time.monotonic()
            while not Match.objects.filter(need=need).exists():
                if time.monotonic() - committed > args.timeout:
                    missed += 1
                    break
                time.sleep(0.02)
            else:
                latencies.append(time.monotonic() - committed)
            time.sleep(args.interval)
    finally:
        if worker is not None:
            _stop(worker)
        council_id = council.pk
        from matching.models import MatchRun
        from providers.models import Offer, Provider
        from residents.models import Resident

        Match.objects.filter(council_id=council_id).delete()
        MatchRun.objects.filter(council_id=council_id).delete()
        Need.objects.filter(council_id=council_id).delete()
        Offer.objects.filter(council_id=council_id).delete()
        Provider.objects.filter(council_id=council_id).delete()
        user_ids = list(Resident.objects.filter(council_id=council_id).values_list("user_id", flat=True))
        Resident.objects.filter(council_id=council_id).delete()
        from platform_core.models import User

        User.objects.filter(pk__in=user_ids).delete()
        category.delete()
        council.districts.all().delete()
        council.delete()

    if not latencies:
        sys.exit("No proposal arrived: is a worker running on this broker and database?")
    print(
        "| needs posted one by one | sweep | median | p95 | max | missed |\n"
        "|---|---|---|---|---|---|\n"
        f"| {args.needs} (every {args.interval:g} s) | "
        f"{args.sweep_seconds} s | {statistics.median(latencies) * 1000:.0f} ms | "
        f"{percentile(latencies, 0.95) * 1000:.0f} ms | {max(latencies) * 1000:.0f} ms | {missed} |"
    )


if __name__ == "__main__":
    main()
