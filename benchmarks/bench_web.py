"""Web speed at council scale (issue 11): the app as shipped against a bare Django view.

One command:

    .venv/bin/python benchmarks/bench_web.py            # full run (~6 min after the first build)
    .venv/bin/python benchmarks/bench_web.py --quick    # 3 s per endpoint, for a look

It
1. creates and migrates a PostgreSQL database (DATABASE_URL, default
   `convene_bench_web`) and, once, builds the volume with bulk inserts: 100,000
   needs, 30,000 offers, 500 providers, 50,000 matches; one provider with ~200
   matches and one with 20,000; a resident with ~20 needs; the KT postcodes; the
   analytics roll-up brought up to date as the beat would;
2. signs the actors in (the officer with a real TOTP code) and keeps their
   session cookies;
3. starts the app as shipped (`gunicorn -c gunicorn.conf.py`, DEBUG off,
   Redis cache) and a bare reference view (one `JsonResponse`, no database,
   `benchmarks/bare_wsgi.py`) under the same gunicorn settings;
4. drives both with wrk (installed from Debian if missing) at 16 connections,
   each endpoint measured right after the bare view so the ratio is taken
   under the same machine load, and prints the issue's table: throughput as a
   share of bare, p50/p99, errors (non-2xx and socket errors).

The machine is shared, so only ratios compare between runs; the load average is
printed with the table. Throttle rates are raised for the run (a benchmark
from one address would otherwise meet the per-user limits within a second);
their counting still happens on every request.

Options: --quick, --duration S, --connections N, --rebuild, --config FILE
(another gunicorn config to compare), --only NAME[,NAME] (endpoints by name).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/convene_bench_web"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("CACHE_KEY_PREFIX", "bench-web")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# A benchmark from one address would meet the per-user limits at once; the counting still runs.
for name in ("ANON", "USER", "WRITE", "OPENREFERRAL"):
    os.environ.setdefault(f"THROTTLE_{name}", "10000000/min")

COUNCIL = "benchborough"
PASSWORD = "bench-password-not-a-secret"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
APP_PORT, BARE_PORT = 8781, 8782

N_NEEDS, N_OFFERS, N_PROVIDERS, N_MATCHES = 100_000, 30_000, 500, 50_000
N_RESIDENTS = 20_000
BIG_MATCHES, MID_MATCHES, RESIDENT_NEEDS = 20_000, 200, 20


# --------------------------------------------------------------------------------------- database


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


def _batched(model, rows, size: int = 5000) -> list:
    out = []
    for i in range(0, len(rows), size):
        out += model.objects.bulk_create(rows[i : i + size])
    return out


def build() -> None:
    """The data volume, with bulk inserts (the ORM's, so every column gets its default)."""
    import random

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from matching.models import Match
    from platform_core.models import Council, CouncilDistrict, MarketRule, ServiceCategory, User
    from providers.models import Offer, Provider, ProviderMember
    from residents.models import Need, Resident

    started = time.perf_counter()
    rng = random.Random(11)
    now = timezone.now()
    call_command("load_postcodes", "--areas", "KT", verbosity=0)
    with transaction.atomic():
        council = Council.objects.create(slug=COUNCIL, name="Bench Borough", short_name="Bench")
        MarketRule.objects.get_or_create(council=council)
        for i in range(1, 10):
            CouncilDistrict.objects.get_or_create(outcode=f"KT{i}", defaults={"council": council})
        names = ["Shopping", "Transport", "Befriending", "Gardening", "Home visits", "Meals", "Paperwork", "Pets"]
        cats = [
            ServiceCategory.objects.create(council=council, slug=name.lower().replace(" ", "-"), name=name)
            for name in names
        ]
        weights = [30, 20, 15, 10, 8, 8, 5, 4]  # very uneven popularity, as in a real borough
        hashed = make_password(PASSWORD)
        users = [
            User(
                email=f"bench-provider-{i}@example.org",
                full_name=f"Member {i}",
                role=User.Role.PROVIDER,
                council=council,
                password=hashed,
            )
            for i in range(N_PROVIDERS)
        ] + [
            User(
                email=f"bench-resident-{i}@example.org",
                full_name=f"Resident {i}",
                role=User.Role.RESIDENT,
                council=council,
                password="!",
            )
            for i in range(N_RESIDENTS)
        ]
        users = _batched(User, users)
        provider_users, resident_users = users[:N_PROVIDERS], users[N_PROVIDERS:]
        resident_users[0].password = hashed
        resident_users[0].save(update_fields=["password"])
        kinds = [k for k, _ in Provider.Kind.choices]
        providers = _batched(
            Provider,
            [
                Provider(
                    council=council,
                    kind=kinds[i % len(kinds)],
                    name=f"Provider {i}",
                    email=f"p{i}@example.org",
                    postcode="KT1 2PT",
                    latitude=51.40 + rng.uniform(-0.05, 0.05),
                    longitude=-0.30 + rng.uniform(-0.05, 0.05),
                    verification_status="verified",
                    clearance="dbs_checked",
                )
                for i in range(N_PROVIDERS)
            ],
        )
        _batched(
            ProviderMember,
            [
                ProviderMember(provider=p, user=u, role=ProviderMember.Role.OWNER)
                for p, u in zip(providers, provider_users, strict=True)
            ],
        )
        statuses = ["active"] * 8 + ["paused", "closed"]
        offers = _batched(
            Offer,
            [
                Offer(
                    council=council,
                    provider=providers[i % N_PROVIDERS],
                    title=f"Offer {i}",
                    description="Help nearby",
                    capacity=5,
                    capacity_left=rng.randint(0, 5),
                    postcode="KT1 2PT",
                    latitude=51.40 + rng.uniform(-0.06, 0.06),
                    longitude=-0.30 + rng.uniform(-0.06, 0.06),
                    radius_km=rng.choice([1.5, 3, 5, 8]),
                    status=rng.choice(statuses),
                    created_at=now - timedelta(days=rng.randint(0, 700)),
                )
                for i in range(N_OFFERS)
            ],
        )
        Through = Offer.categories.through
        _batched(Through, [Through(offer_id=o.pk, servicecategory_id=rng.choices(cats, weights)[0].pk) for o in offers])
        residents = _batched(
            Resident,
            [
                Resident(
                    user=u,
                    council=council,
                    address_line_1="1 High Street",
                    postcode="KT1 1EU",
                    latitude=51.40772,
                    longitude=-0.305939,
                )
                for u in resident_users
            ],
        )
        # Needs over two years; the first resident has ~20, the others ~5 each.
        needs = []
        for i in range(N_NEEDS):
            resident = residents[0] if i < RESIDENT_NEEDS else residents[1 + i % (N_RESIDENTS - 1)]
            posted = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
            needs.append(
                Need(
                    reference=f"B{i:07d}",
                    council=council,
                    resident=resident,
                    category=rng.choices(cats, weights)[0],
                    title=f"Need {i}",
                    description="Help please",
                    status="expired",
                    postcode=f"KT{1 + i % 9} 1AA",
                    latitude=51.40 + rng.uniform(-0.06, 0.06),
                    longitude=-0.30 + rng.uniform(-0.06, 0.06),
                    posted_at=posted,
                    created_at=posted,
                )
            )
        needs = _batched(Need, needs)
        # Offers of the provider with 20,000 matches and of the one with ~200.
        big, mid = providers[0], providers[1]
        big_offers = [o for o in offers if o.provider_id == big.pk]
        mid_offers = [o for o in offers if o.provider_id == mid.pk]
        other_offers = [o for o in offers if o.provider_id not in (big.pk, mid.pk)]
        matches, need_status = [], {}
        for j, need in enumerate(needs[:N_MATCHES]):
            if j < BIG_MATCHES:
                offer = big_offers[j % len(big_offers)]
            elif j < BIG_MATCHES + MID_MATCHES:
                offer = mid_offers[j % len(mid_offers)]
            else:
                offer = other_offers[j % len(other_offers)]
            live = j % 50 == 0
            status = (
                rng.choice(["proposed", "accepted", "confirmed"])
                if live
                else rng.choices(["completed", "declined", "expired", "cancelled"], [6, 2, 1, 1])[0]
            )
            proposed = need.posted_at + timedelta(hours=1)
            confirmed = proposed + timedelta(hours=rng.randint(2, 72)) if status in ("confirmed", "completed") else None
            matches.append(
                Match(
                    need=need,
                    offer=offer,
                    council=council,
                    status=status,
                    score=1.0,
                    distance_km=2.0,
                    explanation="2.0 km away",
                    proposed_at=proposed,
                    respond_by=proposed + timedelta(hours=24),
                    confirmed_at=confirmed,
                    consent_recorded_at=confirmed,
                    completed_at=confirmed + timedelta(days=1) if status == "completed" else None,
                    closed_at=proposed + timedelta(days=2) if not live else None,
                )
            )
            need_status[need.pk] = {
                "proposed": "proposed",
                "accepted": "proposed",
                "confirmed": "matched",
                "completed": "completed",
            }.get(status, "expired")
        _batched(Match, matches)
        with connection.cursor() as cur:
            for status in ("proposed", "matched", "completed"):
                ids = [pk for pk, s in need_status.items() if s == status]
                cur.execute("UPDATE residents_need SET status = %s WHERE id = ANY(%s)", [status, ids])
            # The newest tenth of the unmatched needs are still open.
            cur.execute(
                "UPDATE residents_need SET status = 'open' WHERE council_id = %s AND status = 'expired'"
                " AND posted_at > now() - interval '30 days'",
                [council.pk],
            )
        User.objects.create(
            email="bench-officer@example.org",
            full_name="Bench Officer",
            role=User.Role.OFFICER,
            council=council,
            password=hashed,
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    from marketplace.services.analytics import market_stats_refresh

    market_stats_refresh()
    print(f"built the data volume in {time.perf_counter() - started:.0f} s", flush=True)


# ------------------------------------------------------------------------------------------ actors


def sign_in(email: str, *, two_factor: bool = False) -> str:
    """A real sign-in through the pages (password, then TOTP for the officer); returns the session id."""
    from allauth.mfa.models import Authenticator
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from platform_core.models import User
    from platform_core.tests.two_factor import totp_code

    user = User.objects.get(email=email)
    if not user.emailaddress_set.filter(verified=True).exists():
        user.emailaddress_set.create(email=email, verified=True, primary=True)
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    if two_factor:
        Authenticator.objects.get_or_create(
            user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": TOTP_SECRET}}
        )
        code = totp_code(TOTP_SECRET)
        cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 302, response.content[:300]
    return client.cookies["sessionid"].value


# ------------------------------------------------------------------------------------------ servers


def start_server(app: str, port: int, config: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "-c", config, "--bind", f"127.0.0.1:{port}", app]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise SystemExit(f"{app} did not start on port {port}; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("installing wrk from Debian ...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("wrk did not install")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, *, seconds: float, connections: int, headers: dict[str, str], script: str | None = None) -> dict:
    cmd = [
        ensure_wrk(),
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if "50" not in latency or "99" not in latency:
        raise SystemExit(f"could not read wrk's output for {url}:\n{out}")
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    socket = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {
        "rps": rps,
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "requests": total,
        "errors": non2xx + socket,
    }


# ------------------------------------------------------------------------------------------ the run


def endpoints(ids: dict) -> list[tuple[str, str, str, int, dict]]:
    """(name, label, path, connections, headers) in the issue's order."""
    cookie = lambda sid: {"Cookie": f"sessionid={sid}"}  # noqa: E731
    return [
        ("start", "`/` start page", "/", 16, {}),
        ("api-needs", "`/api/v1/needs/` (a resident)", "/api/v1/needs/", 16, cookie(ids["resident"])),
        ("api-offers", "`/api/v1/offers/` (a provider)", "/api/v1/offers/", 16, cookie(ids["big"])),
        ("api-matches", "`/api/v1/matches/` (provider, 20,000 matches)", "/api/v1/matches/", 16, cookie(ids["big"])),
        ("feed", "`/openreferral/services?per_page=20`", "/openreferral/services?per_page=20", 16, {}),
        ("feed-200", "same, page 200", "/openreferral/services?per_page=20&page=200", 16, {}),
        ("resident", "`/resident/`", "/resident/", 16, cookie(ids["resident"])),
        ("provider", "`/provider/`", "/provider/", 16, cookie(ids["big"])),
        ("matches-mid", "`/matches/` (a provider, ~200 matches)", "/matches/", 16, cookie(ids["mid"])),
        ("matches", "`/matches/` (a provider, 20,000 matches)", "/matches/", 16, cookie(ids["big"])),
        ("console", "`/console/`", "/console/", 16, cookie(ids["officer"])),
        ("analytics", "`/console/analytics/`", "/console/analytics/", 16, cookie(ids["officer"])),
    ]


POST_SCRIPT = """
wrk.method = "POST"
wrk.body = [[%s]]
wrk.headers["Content-Type"] = "application/json"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 s per endpoint and bare run")
    parser.add_argument("--duration", type=float, default=None, help="seconds per measurement (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rebuild", action="store_true", help="drop and build the data volume again")
    parser.add_argument("--config", default=str(ROOT / "gunicorn.conf.py"), help="gunicorn config to measure")
    parser.add_argument("--only", default="", help="endpoint names, comma-separated")
    parser.add_argument(
        "--server",
        default="",
        help="override gunicorn.conf.py for both servers: CLASS:WORKERS[:THREADS], e.g. sync:2 or gthread:2:4",
    )
    args = parser.parse_args()
    seconds = args.duration or (3 if args.quick else 10)
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    if args.rebuild:
        import psycopg2

        parsed = urlparse(url)
        conn = psycopg2.connect(
            host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres", dbname="postgres"
        )
        conn.autocommit = True
        conn.cursor().execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}"')
        conn.close()
    ensure_database(url)
    ensure_wrk()
    if args.server:
        klass, workers, *threads = args.server.split(":")
        os.environ.update(GUNICORN_WORKER_CLASS=klass, GUNICORN_WORKERS=workers, GUNICORN_THREADS=(threads or ["1"])[0])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    from platform_core.models import Council

    if not Council.objects.filter(slug=COUNCIL).exists():
        build()
    from matching.models import Match
    from providers.models import Provider
    from residents.models import Need

    big, mid = Provider.objects.filter(council__slug=COUNCIL).order_by("pk")[:2]
    print(
        f"data: {Need.objects.count():,} needs, {Match.objects.count():,} matches; "
        f"provider A {Match.objects.filter(offer__provider=big).count():,} matches, "
        f"provider B {Match.objects.filter(offer__provider=mid).count():,}",
        flush=True,
    )
    ids = {
        "resident": sign_in("bench-resident-0@example.org"),
        "big": sign_in("bench-provider-0@example.org"),
        "mid": sign_in("bench-provider-1@example.org"),
        "officer": sign_in("bench-officer@example.org", two_factor=True),
    }
    from django.middleware.csrf import _get_new_csrf_string

    csrf = _get_new_csrf_string()
    # collectstatic is part of the image build; the bench serves no static files but the
    # shipped storage needs its manifest.
    if not (ROOT / "static/build").exists():
        subprocess.run(["npm", "run", "build", "--silent"], cwd=ROOT, check=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, check=True)

    logs = Path(tempfile.mkdtemp(prefix="bench-web-"))
    app = start_server("platform_core.wsgi:application", APP_PORT, args.config, logs / "app.log")
    bare = start_server("benchmarks.bare_wsgi:application", BARE_PORT, args.config, logs / "bare.log")
    only = set(filter(None, args.only.split(",")))
    rows = []
    load_before = os.getloadavg()
    try:
        for name, _label, path, conns, headers in endpoints(ids):  # warm every worker's caches
            if not only or name in only:
                wrk(f"http://127.0.0.1:{APP_PORT}{path}", seconds=1, connections=conns, headers=headers)
        for name, label, path, conns, headers in endpoints(ids):
            if only and name not in only:
                continue
            ref = wrk(f"http://127.0.0.1:{BARE_PORT}/healthz", seconds=seconds, connections=conns, headers={})
            got = wrk(f"http://127.0.0.1:{APP_PORT}{path}", seconds=seconds, connections=conns, headers=headers)
            rows.append((label, got, ref))
            print(f"  {label}: {got['rps']:.0f} req/s vs bare {ref['rps']:.0f}", flush=True)
        if not only or "post" in only:
            from django.utils import timezone

            # A one-off need the day after tomorrow, 10am to noon (the service requires a time window).
            start = (timezone.now() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
            body = json.dumps(
                {
                    "category": "shopping",
                    "title": "Bench need",
                    "description": "Carry my shopping",
                    "timing": "one_off",
                    "urgency": 2,
                    "window_start": start.isoformat(),
                    "window_end": (start + timedelta(hours=2)).isoformat(),
                }
            )
            script = logs / "post.lua"
            script.write_text(POST_SCRIPT % body)
            headers = {"Cookie": f"sessionid={ids['resident']}; csrftoken={csrf}", "X-CSRFToken": csrf}
            ref = wrk(f"http://127.0.0.1:{BARE_PORT}/healthz", seconds=seconds, connections=8, headers={})
            got = wrk(
                f"http://127.0.0.1:{APP_PORT}/api/v1/needs/",
                seconds=seconds,
                connections=8,
                headers=headers,
                script=str(script),
            )
            rows.append(("`POST /api/v1/needs/` (8 connections)", got, ref))
    finally:
        stop_server(app)
        stop_server(bare)
    load_after = os.getloadavg()
    print()
    print("| endpoint | share of bare | req/s (bare) | p50 | p99 | errors |")
    print("|---|---|---|---|---|---|")
    for label, got, ref in rows:
        print(
            f"| {label} | {got['rps'] / ref['rps']:.3f} | {got['rps']:,.0f} ({ref['rps']:,.0f}) | "
            f"{got['p50']:.1f} ms | {got['p99']:.1f} ms | {got['errors']} of {got['requests']:,} |"
        )
    print()
    print(
        f"{seconds:g} s per measurement, {args.connections} connections (POST: 8), wrk -t 2; "
        f"config {Path(args.config).name} {args.server}; load average {load_before[0]:.2f} -> {load_after[0]:.2f} "
        f"on {os.cpu_count()} cores; server logs in {logs}"
    )


if __name__ == "__main__":
    main()
