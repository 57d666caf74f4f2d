"""Market-shaping pages at scale: the map of where help is missing, the public
opportunities page and the market position statement, with 1M needs.

Loads its own council ("Shaping Borough": the KT postcode districts, whose real
postcode points it loads with `load_postcodes --areas KT`) into a separate
PostgreSQL database: 1M needs over three years on real KT postcode points,
denser in a few town centres, of six kinds of help of uneven popularity, with
a mix of statuses (expired ones closed when their time passed), 200k matches,
and 2,000 offers with radii from 1.5 to 8 km. Then it measures each page's
server time through the Django test client (the whole view: form, queries,
suppression, SVG or tables, template) and prints median and p95 with the
load average.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_bench_shaping \\
        .venv/bin/python benchmarks/bench_market_shaping.py [--needs 1000000] [--runs 9] [--reload]

The data is loaded once and reused unless --reload is given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/convene_bench_shaping")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DEBUG", "false")

from bench_dashboard import ensure_database

SLUG = "shaping"
OFFICER = "shaping-officer@example.org"


def _copy_sql(model, template_pk: int, overrides: dict[str, str], source: str, where: str = "TRUE") -> str:
    """INSERT ... SELECT that copies a template row for each row of `source`,
    with some columns computed: columns added later keep the template's value,
    so the loader survives schema changes (the dashboard benchmark's list of
    columns did not)."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    values = [overrides.get(c, f't."{c}"') for c in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    return (
        f'INSERT INTO "{table}" ({names}) SELECT {", ".join(values)} '
        f'FROM "{table}" t, {source} WHERE t.id = {int(template_pk)} AND {where}'
    )


def load(n_needs: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from matching.models import Match
    from platform_core.models import Council, CouncilDistrict, MarketRule, Postcode, ServiceCategory, User
    from platform_core.tests.factories import OfficerFactory
    from providers.models import Offer, Provider
    from residents.models import Need, Resident

    if not Postcode.objects.filter(outcode__startswith="KT").exists():
        call_command("load_postcodes", areas="KT")
    council, _ = Council.objects.get_or_create(slug=SLUG, defaults={"name": "Shaping Borough", "short_name": "Shaping"})
    MarketRule.objects.get_or_create(council=council)
    for outcode in Postcode.objects.filter(outcode__startswith="KT").values_list("outcode", flat=True).distinct():
        CouncilDistrict.objects.get_or_create(outcode=outcode, defaults={"council": council})
    categories = [
        ServiceCategory.objects.get_or_create(
            council=council, slug=f"cat-{i}", defaults={"name": name, "price_cap_pence": 1500 + 500 * i}
        )[0]
        for i, name in enumerate(["Shopping", "Transport", "Befriending", "Gardening", "Personal care", "Home visits"])
    ]
    if not User.objects.filter(email=OFFICER).exists():
        OfficerFactory(council=council, email=OFFICER)
    c = council.pk
    started = time.perf_counter()
    Match.objects.filter(council=council).delete()
    Need.objects.filter(council=council)._raw_delete(Need.objects.db)
    Offer.objects.filter(council=council).delete()
    Provider.objects.filter(council=council).delete()
    Resident.objects.filter(council=council).delete()
    User.objects.filter(email__startswith="shaping-resident-").delete()
    users = User.objects.bulk_create(
        [
            User(email=f"shaping-resident-{g}@example.org", full_name=f"Resident {g}", council=council, password="!")
            for g in range(1, 5001)
        ],
        batch_size=2000,
    )
    residents = Resident.objects.bulk_create(
        [
            Resident(
                user=u,
                council=council,
                address_line_1="1 High Street",
                postcode="KT1 1EU",
                latitude=51.4,
                longitude=-0.3,
            )
            for u in users
        ],
        batch_size=2000,
    )
    # Points: every KT postcode once, and the postcodes of three town centres (KT1, KT6, KT19) nine times
    # more, so demand is dense there and thin elsewhere.
    points = list(Postcode.objects.filter(outcode__startswith="KT").values_list("postcode", "latitude", "longitude"))
    points += [p for p in points if p[0].split()[0] in ("KT1", "KT6", "KT19")] * 9
    kinds = list(Provider.Kind)
    providers = Provider.objects.bulk_create(
        [
            Provider(
                council=council,
                kind=kinds[g % len(kinds)],
                name=f"Provider {g}",
                email=f"sp{g}@example.org",
                postcode=points[(g * 7919) % len(points)][0],
                latitude=points[(g * 7919) % len(points)][1],
                longitude=points[(g * 7919) % len(points)][2],
                verification_status=Provider.Verification.VERIFIED,
                clearance="regulated_care",
            )
            for g in range(600)
        ]
    )
    offers = Offer.objects.bulk_create(
        [
            Offer(
                council=council,
                provider=providers[g % 600],
                title=f"Offer {g}",
                description="Help",
                capacity=5,
                capacity_left=g % 6,
                postcode=providers[g % 600].postcode,
                latitude=providers[g % 600].latitude,
                longitude=providers[g % 600].longitude,
                radius_km=1.5 + (g % 14) * 0.5,
                cost_type=Offer.CostType.FREE if g % 3 == 0 else Offer.CostType.PER_HOUR,
                price_pence=0 if g % 3 == 0 else 800 + (g % 20) * 100,
                status=Offer.Status.PAUSED if g % 7 == 0 else Offer.Status.ACTIVE,
            )
            for g in range(2000)
        ]
    )
    Offer.categories.through.objects.bulk_create(
        [Offer.categories.through(offer_id=o.pk, servicecategory_id=categories[o.pk % 6].pk) for o in offers]
    )
    template = Need.objects.create(
        council=council,
        resident=residents[0],
        category=categories[0],
        title="Need",
        postcode="KT1 1EU",
        latitude=51.4,
        longitude=-0.3,
        status=Need.Status.EXPIRED,
    )
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE pts (i int PRIMARY KEY, postcode text, latitude float, longitude float)")
        cur.executemany("INSERT INTO pts VALUES (%s, %s, %s, %s)", [(i + 1, *p) for i, p in enumerate(points)])
        res = f"(SELECT array_agg(id ORDER BY id) FROM residents_resident WHERE council_id = {c})"
        cats = f"(SELECT array_agg(id ORDER BY id) FROM platform_core_servicecategory WHERE council_id = {c})"
        status = (
            "CASE WHEN g % 5 = 0 THEN 'completed' WHEN g < 20000 AND g % 4 = 0 THEN 'open'"
            " WHEN g % 11 = 0 THEN 'cancelled' ELSE 'expired' END"
        )
        posted = "now() - g * interval '95 seconds'"
        # 1M needs over three years; kinds of help from very to rarely asked for (g*g spreads them unevenly).
        cur.execute(
            _copy_sql(
                Need,
                template.pk,
                {
                    "reference": "'S-' || g",
                    "resident_id": f"({res})[1 + g % 5000]",
                    "category_id": f"({cats})[1 + ((g % 97) * (g % 97)) % 6]",
                    "urgency": "1 + g % 3",
                    "postcode": "p.postcode",
                    "latitude": "p.latitude",
                    "longitude": "p.longitude",
                    "status": status,
                    "posted_at": posted,
                    "created_at": posted,
                    "updated_at": "now()",
                    "closed_at": f"CASE WHEN ({status}) = 'expired' THEN {posted} + interval '10 days' END",
                },
                f"generate_series(1, {int(n_needs)}) g JOIN pts p ON p.i = 1 + (g::bigint * 104729) % {len(points)}",
            )
        )
    template.delete()
    need = Need.objects.filter(council=council, status=Need.Status.COMPLETED).first()
    first = Match.objects.create(
        need=need, offer=offers[0], council=council, status=Match.Status.COMPLETED, respond_by=need.posted_at
    )
    with connection.cursor() as cur:
        offer_ids = f"(SELECT array_agg(id ORDER BY id) FROM providers_offer WHERE council_id = {c})"
        cur.execute(
            _copy_sql(
                Match,
                first.pk,
                {
                    "need_id": "n.id",
                    "offer_id": f"({offer_ids})[1 + n.id % 2000]",
                    "proposed_at": "n.posted_at + interval '1 hour'",
                    "respond_by": "n.posted_at + interval '25 hours'",
                    "confirmed_at": "n.posted_at + (n.id % 300) * interval '1 hour'",
                },
                "residents_need n",
                f"n.council_id = {c} AND n.status = 'completed' AND n.id <> {need.pk}",
            )
        )
        cur.execute("ANALYZE residents_need; ANALYZE matching_match; ANALYZE providers_offer")
    print(f"loaded {n_needs:,} needs in {time.perf_counter() - started:.0f} s", flush=True)


def measure(runs: int) -> dict[str, list[float]]:
    from allauth.mfa.models import Authenticator
    from django.test import Client

    from platform_core.models import User
    from platform_core.tests.two_factor import sign_in_with_two_factor

    officer = User.objects.get(email=OFFICER)
    Authenticator.objects.get_or_create(
        user=officer, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
    )
    client = Client()
    sign_in_with_two_factor(client, officer)
    public = Client()
    pages = {
        "map (12 weeks, all kinds of help)": (client, "/console/analytics/map/"),
        "map (3 years, coloured by spare places)": (
            client,
            "/console/analytics/map/?category=&date_from=2023-12-01&show=supply",
        ),
        "opportunities near KT1 1EU (public)": (public, "/opportunities/?postcode=KT1+1EU"),
        "market position statement (a year)": (client, "/console/analytics/statement/"),
    }
    from marketplace.forms import MarketRuleForm
    from platform_core.models import MarketRule

    rule = MarketRule.objects.get(council__slug=SLUG)
    preview = dict(MarketRuleForm.initial_for(rule))
    preview["max_distance_km"] = "5"
    preview["preview"] = "1"
    timings: dict[str, list[float]] = {}
    for name, (who, url) in pages.items():
        times = []
        for _ in range(runs + 1):  # the first run warms caches and is discarded
            started = time.perf_counter()
            response = who.get(url, secure=True)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        timings[name] = times[1:]
    from residents.models import Need

    waiting = Need.objects.filter(council__slug=SLUG, status=Need.Status.OPEN).count()
    name = f"what-if of a distance cap ({waiting:,} open needs, two engine runs)"
    times = []
    for _ in range(max(2, runs // 3) + 1):
        started = time.perf_counter()
        response = client.post("/console/rules/market/", preview, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and b"If matching ran now" in response.content, response.status_code
    timings[name] = times[1:]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (e.g. convene_bench).")
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP to the view
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    from residents.models import Need

    if args.reload or Need.objects.filter(council__slug=SLUG).count() < args.needs:
        load(args.needs)
    from marketplace.services.analytics import market_stats_refresh

    started = time.perf_counter()
    market_stats_refresh()
    print(f"roll-up refresh: {time.perf_counter() - started:.1f} s", flush=True)
    n_needs = Need.objects.filter(council__slug=SLUG).count()
    load_before = os.getloadavg()
    timings = measure(args.runs)
    load_after = os.getloadavg()
    print(f"needs={n_needs:,}")
    for name, times in timings.items():
        p95 = statistics.quantiles(times, n=20, method="inclusive")[-1]
        print(f"{name}: median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms over {len(times)} runs")
    print(f"load average (1 min) before/after: {load_before[0]:.2f} / {load_after[0]:.2f} on {os.cpu_count()} cores")
    print(f"command: DATABASE_URL={os.environ['DATABASE_URL']} .venv/bin/python benchmarks/bench_market_shaping.py")


if __name__ == "__main__":
    main()
