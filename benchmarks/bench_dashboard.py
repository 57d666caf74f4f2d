"""Officer analytics dashboard at scale: 1M historic needs and 200k matches.

Loads the volume into a separate PostgreSQL database with `INSERT ... SELECT
generate_series` (a few minutes), brings the daily roll-up up to date as the
beat task would (`market_stats_refresh`, timed: a full build the first time,
then only what changed), then measures the dashboard's server time through the
Django test client (the whole view: filters, 15 queries, template) several
times and prints the median and the 95th percentile, with the load average
(other work on the machine slows it down; say which figure was taken quiet).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_bench \\
        .venv/bin/python benchmarks/bench_dashboard.py [--needs 1000000] [--matches 200000] [--runs 15] [--reload]
        [--without-rollup]

The database is created if missing and migrated; the data is loaded once and
reused on later runs unless --reload is given. --without-rollup forgets the
roll-up first, so every day is computed from the needs (the next run rebuilds it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/convene_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DEBUG", "false")


def ensure_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres", dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def load(n_needs: int, n_matches: int) -> None:
    from django.db import connection

    from platform_core.models import Council, CouncilDistrict, MarketRule, ServiceCategory, User
    from platform_core.tests.factories import OfficerFactory

    council, _ = Council.objects.get_or_create(slug="bench", defaults={"name": "Bench Borough", "short_name": "Bench"})
    MarketRule.objects.get_or_create(council=council)
    for i in range(1, 10):
        CouncilDistrict.objects.get_or_create(outcode=f"KT{i}", defaults={"council": council})
    for i, name in enumerate(["Shopping", "Transport", "Befriending", "Gardening", "Personal care", "Home visits"]):
        ServiceCategory.objects.get_or_create(council=council, slug=f"cat-{i}", defaults={"name": name})
    if not User.objects.filter(email="bench-officer@example.org").exists():
        OfficerFactory(council=council, email="bench-officer@example.org")
    c = council.pk
    every = max(n_needs // n_matches, 1)
    started = time.perf_counter()
    with connection.cursor() as cur:
        # The roll-up of the old data goes too; the next refresh rebuilds it from scratch.
        cur.execute("DELETE FROM marketplace_dailymarketstat WHERE council_id = %s", [c])
        cur.execute("DELETE FROM marketplace_dailymarketstatstate")
        cur.execute("DELETE FROM matching_match WHERE council_id = %s", [c])
        cur.execute("DELETE FROM residents_need WHERE council_id = %s", [c])
        cur.execute(
            "DELETE FROM providers_offer_categories"
            " WHERE offer_id IN (SELECT id FROM providers_offer WHERE council_id = %s)",
            [c],
        )
        cur.execute("DELETE FROM providers_offer WHERE council_id = %s", [c])
        cur.execute("DELETE FROM providers_provider WHERE council_id = %s", [c])
        cur.execute("DELETE FROM residents_resident WHERE council_id = %s", [c])
        cur.execute("DELETE FROM platform_core_user WHERE email LIKE 'bench-resident-%%'")
        # 2,000 residents (users first), 300 providers with 1,000 offers.
        cur.execute(
            """INSERT INTO platform_core_user (password, last_login, is_superuser, email, full_name, role, council_id,
                   is_active, is_staff, date_joined)
               SELECT '!', NULL, false, 'bench-resident-' || g || '@example.org', 'Resident ' || g, 'resident', %s,
                   true, false, now() FROM generate_series(1, 2000) g""",
            [c],
        )
        cur.execute(
            """INSERT INTO residents_resident (user_id, council_id, preferred_name, address_line_1, address_line_2,
                   town, postcode, latitude, longitude, phone, contact_preference, language, accessibility_needs,
                   vulnerability_notes, consent_share_details, consent_given_at, created_at, updated_at)
               SELECT id, %s, '', '1 High Street', '', 'Kingston', 'KT1 1AA', 51.4, -0.3, '', 'email', 'English',
                   '', '', true, now(), now(), now()
               FROM platform_core_user WHERE email LIKE 'bench-resident-%%'""",
            [c],
        )
        cur.execute(
            """INSERT INTO providers_provider (council_id, kind, name, description, email, phone, website, postcode,
                   latitude, longitude, verification_status, clearance, is_suspended, suspended_reason,
                   rating_average, rating_count, created_at, updated_at)
               SELECT %s, (ARRAY['care_firm','charity','community_group','business','volunteer'])[1 + g %% 5],
                   'Provider ' || g, '', 'p' || g || '@example.org', '', '', 'KT1 2PT', 51.4, -0.29, 'verified',
                   'dbs_checked', false, '', NULL, 0, now(), now()
               FROM generate_series(1, 300) g""",
            [c],
        )
        cur.execute(
            """INSERT INTO providers_offer (council_id, provider_id, title, description, capacity, capacity_left,
                   postcode, latitude, longitude, radius_km, weekly_slots, languages, preferences_met, cost_type,
                   price_pence, status, status_reason, created_at, updated_at)
               SELECT %s, p.id, 'Offer ' || g, 'Help', 5, g %% 6, 'KT1 2PT', 51.4, -0.29, 5, '[]', '[]', '[]', 'free',
                   0, CASE WHEN g %% 7 = 0 THEN 'paused' ELSE 'active' END, '', now(), now()
               FROM generate_series(1, 1000) g
               JOIN LATERAL (SELECT id FROM providers_provider WHERE council_id = %s
                             ORDER BY id OFFSET (g %% 300) LIMIT 1) p ON true""",
            [c, c],
        )
        cur.execute(
            """INSERT INTO providers_offer_categories (offer_id, servicecategory_id)
               SELECT o.id, cat.id FROM providers_offer o
               JOIN LATERAL (SELECT id FROM platform_core_servicecategory WHERE council_id = %s
                             ORDER BY id OFFSET (o.id %% 6) LIMIT 1) cat ON true
               WHERE o.council_id = %s""",
            [c, c],
        )
        # 1M needs over three years (one every ~95 s), nine districts, six categories.
        cur.execute(
            """WITH r AS (SELECT array_agg(id ORDER BY id) a FROM residents_resident WHERE council_id = %(c)s),
                    k AS (SELECT array_agg(id ORDER BY id) a FROM platform_core_servicecategory
                          WHERE council_id = %(c)s)
               INSERT INTO residents_need (reference, council_id, resident_id, category_id, title, description,
                   urgency, timing, window_start, window_end, weekly_slots, use_home_address, postcode, latitude,
                   longitude, accessibility, language, preferences, status, status_reason, posted_at, closed_at,
                   created_at, updated_at)
               SELECT 'B-' || g, %(c)s, r.a[1 + g %% 2000], k.a[1 + g %% 6], 'Need ' || g, 'Help please', 1 + g %% 3,
                   'one_off', NULL, NULL, '[]', true, 'KT' || (1 + g %% 9) || ' 1AA', 51.4, -0.3, '', '', '[]',
                   CASE WHEN g %% %(every)s = 0 AND g %% 50 <> 0 THEN 'completed'
                        WHEN g < 3000 THEN 'open' ELSE 'expired' END,
                   '', now() - g * interval '95 seconds', NULL, now() - g * interval '95 seconds', now()
               FROM generate_series(1, %(n)s) g, r, k""",
            {"c": c, "n": n_needs, "every": every},
        )
        # 200k matches: one per `every`-th need; one in ten of them declined.
        cur.execute(
            """WITH o AS (SELECT array_agg(id ORDER BY id) a FROM providers_offer WHERE council_id = %(c)s)
               INSERT INTO matching_match (need_id, offer_id, council_id, run_id, status, score, distance_km, terms,
                   explanation, proposed_at, respond_by, accepted_at, confirmed_at, provider_done_at, completed_at,
                   closed_at, closed_by, close_reason, consent_recorded_at)
               SELECT n.id, o.a[1 + n.id %% 1000], %(c)s, NULL,
                   CASE WHEN n.status = 'completed' THEN 'completed' ELSE 'declined' END, 1, 2.0, '{}', '',
                   n.posted_at + interval '1 hour', n.posted_at + interval '25 hours', NULL,
                   CASE WHEN n.status = 'completed' THEN n.posted_at + (n.id %% 400) * interval '1 hour' END,
                   NULL, NULL,
                   CASE WHEN n.status <> 'completed' THEN n.posted_at + interval '5 hours' END,
                   CASE WHEN n.status <> 'completed' THEN 'provider' ELSE '' END,
                   CASE WHEN n.status <> 'completed'
                        THEN (ARRAY['Too far','Not available then','At capacity'])[1 + n.id %% 3] ELSE '' END,
                   NULL
               FROM residents_need n, o
               WHERE n.council_id = %(c)s AND n.reference ~ '^B-' AND substr(n.reference, 3)::int %% %(every)s = 0""",
            {"c": c, "every": every},
        )
        cur.execute("ANALYZE residents_need; ANALYZE matching_match; ANALYZE providers_offer")
    print(f"loaded {n_needs:,} needs and their matches in {time.perf_counter() - started:.0f} s", flush=True)


def refresh() -> None:
    from marketplace.services.analytics import market_stats_refresh

    started = time.perf_counter()
    rows = market_stats_refresh()
    print(f"roll-up refresh (the beat task's work): {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)


def measure(runs: int) -> list[float]:
    from allauth.mfa.models import Authenticator
    from django.test import Client
    from django.urls import reverse

    from platform_core.models import User
    from platform_core.tests.two_factor import sign_in_with_two_factor

    officer = User.objects.get(email="bench-officer@example.org")
    Authenticator.objects.get_or_create(
        user=officer, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
    )
    client = Client()
    sign_in_with_two_factor(client, officer)  # the console needs the second factor: a real sign-in
    url = reverse("marketplace:analytics")
    timings = []
    for _ in range(runs + 1):  # the first run warms caches and is discarded
        started = time.perf_counter()
        response = client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return timings[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=1_000_000)
    parser.add_argument("--matches", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--without-rollup", action="store_true", help="compute every day from the needs")
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (e.g. convene_bench).")
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    # Production settings (DEBUG off: no query log) without needing collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    from residents.models import Need

    if args.reload or Need.objects.filter(council__slug="bench").count() < args.needs:
        load(args.needs, args.matches)
    from matching.models import Match

    n_needs = Need.objects.filter(council__slug="bench").count()
    n_matches = Match.objects.filter(council__slug="bench").count()
    from marketplace.models import DailyMarketStatState

    if args.without_rollup:
        DailyMarketStatState.objects.all().delete()
    else:
        refresh()
    load_before = os.getloadavg()
    timings = measure(args.runs)
    load_after = os.getloadavg()
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
    print(f"needs={n_needs:,} matches={n_matches:,} roll-up={'off' if args.without_rollup else 'on'}")
    print("runs (ms): " + ", ".join(f"{t:.0f}" for t in timings))
    print(
        f"dashboard server time over {args.runs} runs: median {statistics.median(timings):.0f} ms, "
        f"p95 {p95:.0f} ms (target < 500 ms)"
    )
    print(f"load average (1 min) before/after: {load_before[0]:.2f} / {load_after[0]:.2f} on {os.cpu_count()} cores")
    flags = " --without-rollup" if args.without_rollup else ""
    print(f"command: DATABASE_URL={os.environ['DATABASE_URL']} .venv/bin/python benchmarks/bench_dashboard.py{flags}")


if __name__ == "__main__":
    main()
