"""What one council's matching batch costs end to end (Django + PostgreSQL +
engine), for the capacity plan in docs/performance.md; prints a markdown table.

    dropdb --if-exists -h 127.0.0.1 -U postgres convene_batch; createdb -h 127.0.0.1 -U postgres convene_batch
    export DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_batch
    .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/bench_council_batch.py --needs 10,1000,5000

(A fresh database each time: the factories' sequences start again. The first
size warms the process: imports, connections.)

For each size a fresh council gets that many open needs (ten per resident,
spread over ~8 km around Kingston, in 4 categories) and needs / 3 offers with
capacity 1-5, then `matching.runner.match_council_run` runs twice: the first
batch writes every proposal (and its notifications), the second finds
nothing new (what a sweep costs while nothing changed). The rows are deleted
afterwards. Times are wall seconds of the whole run, and the engine's share.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402

from matching.models import Match, MatchRun  # noqa: E402
from matching.runner import match_council_run  # noqa: E402
from platform_core.tests.factories import CouncilFactory, ServiceCategoryFactory  # noqa: E402
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory  # noqa: E402
from residents.tests.factories import NeedFactory, ResidentFactory  # noqa: E402


def seed(n: int, rng: np.random.Generator):
    council = CouncilFactory()
    cats = [ServiceCategoryFactory(council=council) for _ in range(4)]
    lat0, lon0 = 51.41, -0.30

    def spot() -> tuple[float, float]:
        return lat0 + rng.normal(0, 0.03), lon0 + rng.normal(0, 0.045)

    resident = None
    for i in range(n):
        if i % 10 == 0:
            lat, lon = spot()
            resident = ResidentFactory(council=council, latitude=lat, longitude=lon)
        lat, lon = spot()
        NeedFactory(resident=resident, category=cats[i % 4], latitude=lat, longitude=lon)
    for j in range(max(1, n // 3)):
        lat, lon = spot()
        provider = ProviderFactory(council=council, latitude=lat, longitude=lon)
        if j % 10 == 0:
            ProviderMemberFactory(provider=provider)
        cap = int(rng.integers(1, 6))
        OfferFactory(
            provider=provider,
            categories=[cats[j % 4]],
            capacity=cap,
            capacity_left=cap,
            latitude=lat,
            longitude=lon,
            radius_km=float(rng.uniform(1.5, 8)),
        )
    return council


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--needs", default="100,1000,5000")
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    rows = []
    for n in [int(x) for x in args.needs.split(",") if x]:
        council = seed(n, rng)
        load = os.getloadavg()[0]
        t = time.perf_counter()
        first = match_council_run(council_id=council.pk, trigger="bench")
        t_first = time.perf_counter() - t
        t = time.perf_counter()
        match_council_run(council_id=council.pk, trigger="bench")
        t_again = time.perf_counter() - t
        rows.append((n, first.offers, first.matched, t_first, t_again, load))
        Match.objects.filter(council=council).delete()
        MatchRun.objects.filter(council=council).delete()
        print(f"# {n} done", file=sys.stderr)
    print("| open needs | offers | proposals written | first batch (wall) | batch with nothing new | load |")
    print("|---|---|---|---|---|---|")
    for n, offers, matched, t1, t2, load in rows:
        print(f"| {n:,} | {offers:,} | {matched:,} | {t1:.2f} s | {t2:.2f} s | {load:.1f} |")
    connection.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
