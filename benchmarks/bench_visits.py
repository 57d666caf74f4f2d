"""Visits of ongoing help at scale (ADR 0018): the console's visit figures over
1M visits, and writing one arrangement's visits at confirmation.

Loads 5,000 confirmed weekly matches (ORM bulk inserts) and 200 visits each
(`INSERT ... SELECT generate_series`: 1M rows, a mix of done, missed, disputed,
cancelled and planned over the last ~16 months) into a separate PostgreSQL
database, then times, several times each, printing the median and the 95th
percentile with the load average (other work on the machine slows it down):

- `marketplace.selectors.visits.visit_figures` for the dashboard's default
  period (12 weeks) and for a whole year (two queries each);
- `visits_generate` for the largest arrangement a resident can ask for
  (every slot of the week for a year: 1,100 visits), on a fresh match each run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_visits_bench \\
        .venv/bin/python benchmarks/bench_visits.py [--matches 5000] [--per-match 200] [--runs 9] [--reload]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/convene_visits_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DEBUG", "false")

from bench_dashboard import ensure_database  # noqa: E402


def load(n_matches: int, per_match: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from matching.models import Arrangement, Match, Visit
    from platform_core.models import Council, MarketRule, ServiceCategory, User
    from providers.models import Offer, Provider
    from residents.models import Need, Resident

    council, _ = Council.objects.get_or_create(slug="bench-visits", defaults={"name": "Bench", "short_name": "Bench"})
    MarketRule.objects.get_or_create(council=council)
    Visit.objects.filter(council=council).delete()
    Arrangement.objects.filter(council=council).delete()
    Match.objects.filter(council=council).delete()
    Need.objects.filter(council=council).delete()
    Offer.objects.filter(council=council).delete()
    Provider.objects.filter(council=council).delete()
    Resident.objects.filter(council=council).delete()
    User.objects.filter(email__startswith="bench-visits-").delete()
    categories = [
        ServiceCategory.objects.get_or_create(council=council, slug=f"v-{i}", defaults={"name": name})[0]
        for i, name in enumerate(["Shopping", "Befriending", "Home visits", "Gardening", "Personal care", "Lifts"])
    ]
    providers = Provider.objects.bulk_create(
        Provider(
            council=council,
            kind="charity",
            name=f"Provider {i}",
            email=f"p{i}@example.org",
            postcode="KT1 2PT",
            latitude=51.4,
            longitude=-0.29,
            verification_status="verified",
        )
        for i in range(100)
    )
    offers = Offer.objects.bulk_create(
        Offer(
            council=council,
            provider=p,
            title="Help",
            description="Help",
            postcode="KT1 2PT",
            latitude=51.4,
            longitude=-0.29,
            capacity=100,
            capacity_left=50,
            status="active",
        )
        for p in providers
    )
    users = User.objects.bulk_create(
        User(email=f"bench-visits-{i}@example.org", role="resident", council=council, password="!")
        for i in range(n_matches)
    )
    residents = Resident.objects.bulk_create(
        Resident(
            user=u,
            council=council,
            address_line_1="1 High St",
            postcode=f"KT{1 + i % 9} 1AA",
            latitude=51.4,
            longitude=-0.3,
        )
        for i, u in enumerate(users)
    )
    now = timezone.now()
    needs = Need.objects.bulk_create(
        Need(
            council=council,
            resident=r,
            category=categories[i % len(categories)],
            title="Weekly",
            timing="weekly",
            weekly_slots=[0, 6, 12],
            visit_count=per_match,
            postcode=r.postcode,
            latitude=51.4,
            longitude=-0.3,
            status="matched",
            posted_at=now - timedelta(days=500),
        )
        for i, r in enumerate(residents)
    )
    matches = Match.objects.bulk_create(
        Match(
            need=n,
            offer=offers[i % len(offers)],
            council=council,
            status="confirmed",
            respond_by=now,
            confirmed_at=now - timedelta(days=490),
        )
        for i, n in enumerate(needs)
    )
    Arrangement.objects.bulk_create(
        Arrangement(match=m, council=council, slots=[0, 6, 12], starts_on=(now - timedelta(days=489)).date())
        for m in matches
    )
    started = time.perf_counter()
    with connection.cursor() as cur:
        # Visit g of each match every 56 h back from ~60 days ahead: about a sixth still to come.
        cur.execute(
            """INSERT INTO matching_visit (match_id, council_id, starts_at, ends_at, slot, status, reason,
                   cancelled_by, minutes_spent, recorded_at, recorded_by_id, disputed_at, dispute_reason,
                   reminder_sent_at)
               SELECT m.id, m.council_id, t, t + interval '4 hours', 0,
                   CASE WHEN t > now() THEN 'scheduled'
                        WHEN g %% 23 = 0 THEN 'missed' WHEN g %% 31 = 0 THEN 'cancelled'
                        WHEN g %% 17 = 0 THEN 'scheduled' ELSE 'done' END,
                   '', '', CASE WHEN g %% 3 = 0 THEN 60 END, NULL, NULL,
                   CASE WHEN g %% 41 = 0 AND t < now() THEN now() END, '', NULL
               FROM matching_match m
               CROSS JOIN generate_series(1, %s) g
               CROSS JOIN LATERAL (
                   SELECT now() + interval '60 days' - g * interval '56 hours' + m.id * interval '1 second' AS t
               ) s
               WHERE m.council_id = %s""",
            [per_match, council.pk],
        )
        cur.execute("ANALYZE matching_visit")
    print(f"loaded {n_matches * per_match:,} visits in {time.perf_counter() - started:.1f} s")


def timed(label: str, runs: int, fn) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    load = os.getloadavg()[0]
    print(f"{label}: median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (load {load:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matches", type=int, default=5000)
    parser.add_argument("--per-match", type=int, default=200)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from marketplace.selectors.analytics import Period
    from marketplace.selectors.visits import visit_figures
    from matching.models import Arrangement, Match, Visit
    from matching.services.visits import visits_generate
    from platform_core.models import Council

    council = Council.objects.filter(slug="bench-visits").first()
    if args.reload or council is None or not Visit.objects.filter(council=council).exists():
        load(args.matches, args.per_match)
        council = Council.objects.get(slug="bench-visits")
    print(f"{Visit.objects.filter(council=council).count():,} visits in the council")
    figures = visit_figures(council=council, period=Period.default())
    print("12 weeks:", figures.totals)
    timed("visit_figures, 12 weeks", args.runs, lambda: visit_figures(council=council, period=Period.default()))
    timed("visit_figures, a year", args.runs, lambda: visit_figures(council=council, period=Period.last_days(365)))

    match = Match.objects.filter(council=council).first()

    def generate_a_year_of_every_slot() -> None:
        with transaction.atomic():
            Visit.objects.filter(match=match).delete()
            arrangement = Arrangement(
                match=match, council=council, slots=list(range(21)), starts_on=timezone.localdate()
            )
            written = visits_generate(arrangement=arrangement)
            assert written > 1000, written
            transaction.set_rollback(True)

    timed("visits_generate, every slot for a year (1,100 visits)", args.runs, generate_a_year_of_every_slot)


if __name__ == "__main__":
    main()
