"""Build a demo of the Royal Borough of Kingston upon Thames.

    manage.py seed_demo

Why here: the demo is of the whole deployment, not of the council's market.
It writes rows for every app (councils, residents and needs, providers and
offers, matches and reviews), so it belongs to the composition root, the part
of platform_core that wires the apps together (`platform_core/urls.py`, the
Celery app's task discovery): the one place DESIGN.md lets platform_core
import the apps above it, and the exception the import contracts name
(`.importlinter`). It sits beside `load_postcodes`, which `make demo` runs
first. It used to live in marketplace only because marketplace may import
every other app; that made the console's app a catch-all.

Its postcode districts, 18 categories with safeguarding tiers, market rules,
40 providers of every kind (some not yet verified) with offers, 200 residents
with needs on real KT postcodes, and one login per role (printed at the end).
Every row is keyed on a fixed slug, e-mail or seed, so running it again
changes nothing. Needs KT postcodes: `manage.py load_postcodes --areas KT`.
"""

from __future__ import annotations

import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from matching.models import Match, Review
from platform_core.availability import SLOT_COUNT
from platform_core.geo import haversine_km
from platform_core.models import (
    Council,
    CouncilDistrict,
    MarketRule,
    Postcode,
    Preference,
    SafeguardingTier,
    ServiceCategory,
    User,
)
from providers.models import Offer, Provider, ProviderMember, VerificationEvidence
from residents.models import Need, Resident

DEMO_PASSWORD = "convene-demo-2026"  # noqa: S105 - printed for the demo on purpose
# A fixed TOTP secret so the demo officer can add it to an authenticator app.
DEMO_OFFICER_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105

DISTRICTS = {
    "KT1": "Kingston upon Thames, Hampton Wick",
    "KT2": "Kingston upon Thames, Norbiton, Coombe",
    "KT3": "New Malden",
    "KT4": "Worcester Park",
    "KT5": "Surbiton (Berrylands, Tolworth)",
    "KT6": "Surbiton, Long Ditton",
    "KT9": "Chessington",
}

# (name, description, tier, cap in pence or None)
CATEGORIES = [
    ("Shopping", "Collecting or carrying shopping", SafeguardingTier.ID_CHECKED, 1500),
    ("Prescription collection", "Picking up medicines from the pharmacy", SafeguardingTier.ID_CHECKED, 1000),
    ("Lift to an appointment", "A lift to hospital, the GP or the dentist", SafeguardingTier.DBS_CHECKED, 2500),
    ("Befriending visits", "Regular visits for company and a chat", SafeguardingTier.DBS_CHECKED, None),
    ("Telephone befriending", "A friendly call every week", SafeguardingTier.ID_CHECKED, None),
    ("Help in the garden", "Tidying, mowing and weeding", SafeguardingTier.ID_CHECKED, 2000),
    ("Small household repairs", "Changing bulbs, fixing a shelf, smoke alarms", SafeguardingTier.DBS_CHECKED, 3000),
    ("Personal care", "Washing, dressing and help with eating at home", SafeguardingTier.REGULATED_CARE, 3200),
    ("Home care visits", "Regular care worker visits", SafeguardingTier.REGULATED_CARE, 3200),
    ("Meals and cooking", "Cooking a meal or delivering hot food", SafeguardingTier.DBS_CHECKED, 1200),
    ("Cleaning", "Light cleaning and laundry", SafeguardingTier.DBS_CHECKED, 1800),
    ("Dog walking and pet care", "Walking a dog or feeding pets", SafeguardingTier.ID_CHECKED, 1200),
    ("Digital help", "Help with a phone, tablet, e-mail or online forms", SafeguardingTier.OPEN, 1500),
    ("Form filling and letters", "Help understanding letters and filling in forms", SafeguardingTier.ID_CHECKED, None),
    ("Walking companion", "Company on a walk to build confidence", SafeguardingTier.DBS_CHECKED, None),
    ("Respite for carers", "A few hours' break for an unpaid carer", SafeguardingTier.REGULATED_CARE, 3000),
    ("Community transport", "Accessible minibus trips", SafeguardingTier.DBS_CHECKED, 800),
    ("Hospital discharge support", "Settling back home after a hospital stay", SafeguardingTier.REGULATED_CARE, 3500),
]

PROVIDER_KINDS = (
    [Provider.Kind.CARE_FIRM] * 6
    + [Provider.Kind.CHARITY] * 10
    + [Provider.Kind.COMMUNITY_GROUP] * 8
    + [Provider.Kind.BUSINESS] * 4
    + [Provider.Kind.VOLUNTEER] * 12
)
NAME_PARTS = {
    Provider.Kind.CARE_FIRM: ["Thames Home Care", "Riverside Care", "Coombe Care Services", "Surbiton Homecare"],
    Provider.Kind.CHARITY: ["Kingston Age Friends", "Malden Neighbours", "Chessington Helping Hands", "Hogsmill Trust"],
    Provider.Kind.COMMUNITY_GROUP: ["Tolworth Good Neighbours", "Norbiton Street Helpers", "Berrylands Allotment Club"],
    Provider.Kind.BUSINESS: ["Eden Street Handyman", "Market Place Cleaners", "Canbury Gardens Gardeners"],
    Provider.Kind.VOLUNTEER: ["Sam", "Priya", "Tom", "Aisha", "Gareth", "Mei", "Olu", "Kasia", "Raj", "Jo"],
}
CLEARANCE_BY_KIND = {
    Provider.Kind.CARE_FIRM: SafeguardingTier.REGULATED_CARE,
    Provider.Kind.CHARITY: SafeguardingTier.DBS_CHECKED,
    Provider.Kind.COMMUNITY_GROUP: SafeguardingTier.ID_CHECKED,
    Provider.Kind.BUSINESS: SafeguardingTier.ID_CHECKED,
    Provider.Kind.VOLUNTEER: SafeguardingTier.DBS_CHECKED,
}
TIER_RANK = {t: i for i, t in enumerate(SafeguardingTier.values)}
# What residents ask for, by category; other categories get a plain sentence.
NEED_TEXT = {
    "Shopping": ("Help carrying my weekly shop", "I can get to the shop but cannot carry heavy bags home."),
    "Lift to an appointment": (
        "A lift to Kingston Hospital",
        "I have an outpatient appointment and cannot manage the bus.",
    ),
    "Befriending visits": ("Someone to chat to", "I live alone since my husband died and would like some company."),
    "Help in the garden": ("Garden is overgrown", "My back garden needs mowing and the hedge cutting back."),
    "Digital help": ("Help setting up my tablet", "My grandson gave me a tablet and I want to video call him."),
    "Prescription collection": ("Collect my prescription", "I need my repeat prescription collected from the chemist."),
    "Form filling and letters": (
        "Help with a form",
        "I have a letter about my pension and need help filling in the form.",
    ),
    "Dog walking and pet care": ("Walk my dog", "I have had a hip operation and cannot walk my dog for six weeks."),
}


DECLINE_REASONS = [
    "We are fully booked that week",
    "It is outside the area we can travel to",
    "We cannot offer that time",
    "The request needs more than we can give",
]


class Command(BaseCommand):
    help = "Seed a realistic demo of the Royal Borough of Kingston upon Thames (idempotent)."

    def handle(self, *args, **options):
        if not Postcode.objects.filter(outcode__in=list(DISTRICTS)).exists():
            raise CommandError("Load Kingston's postcodes first: manage.py load_postcodes --areas KT")
        self._password_hash = make_password(DEMO_PASSWORD)
        with transaction.atomic():
            council = self._council()
            categories = self._categories(council)
            postcodes = self._postcodes()
            logins = self._people(council)
            self._providers(council, categories, postcodes, logins)
            self._residents(council, categories, postcodes, logins)
            self._history(council)
        self._print_logins(logins)

    # --- the council and its rules ---------------------------------------------
    def _council(self) -> Council:
        council, _ = Council.objects.get_or_create(
            slug="kingston",
            defaults={
                "name": "Royal Borough of Kingston upon Thames",
                "short_name": "Kingston",
                "contact_email": "convene@kingston.example.org",
                "safeguarding_email": "safeguarding@kingston.example.org",
                # The demo shows the language switcher; an English council may turn Welsh off.
                "welsh_enabled": True,
            },
        )
        for outcode, name in DISTRICTS.items():
            CouncilDistrict.objects.get_or_create(outcode=outcode, defaults={"council": council, "name": name})
        MarketRule.objects.get_or_create(council=council)
        return council

    def _categories(self, council: Council) -> list[ServiceCategory]:
        categories = []
        for position, (name, description, tier, cap) in enumerate(CATEGORIES):
            category, _ = ServiceCategory.objects.get_or_create(
                council=council,
                slug=name.lower().replace(" ", "-"),
                defaults={
                    "name": name,
                    "description": description,
                    "safeguarding_tier": tier,
                    "price_cap_pence": cap,
                    "position": position,
                },
            )
            categories.append(category)
        return categories

    def _postcodes(self) -> list[tuple[str, float, float]]:
        rows = Postcode.objects.filter(outcode__in=list(DISTRICTS)).order_by("postcode")
        return list(rows.values_list("postcode", "latitude", "longitude"))

    # --- people --------------------------------------------------------------
    def _user(self, email: str, role: str, council: Council | None, full_name: str) -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"role": role, "council": council, "full_name": full_name}
        )
        if created:
            # One hash for every demo account: hashing 240 passwords would take minutes.
            user.password = self._password_hash
            user.save(update_fields=["password"])
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def _people(self, council: Council) -> dict[str, str]:
        officer = self._user("officer@demo.convene.test", User.Role.OFFICER, council, "Olivia Officer")
        if not Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(officer, DEMO_OFFICER_TOTP_SECRET)
        admin = self._user("admin@demo.convene.test", User.Role.ADMIN, None, "Ada Admin")
        if not admin.is_superuser:
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])
        # Staff need the second factor too (the admin is behind allauth's sign-in, ADR 0014).
        if not Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(admin, DEMO_OFFICER_TOTP_SECRET)
        return {"officer": officer.email, "admin": admin.email}

    def _providers(self, council, categories, postcodes, logins) -> None:
        rng = random.Random(2026)
        today = timezone.localdate()
        for index, kind in enumerate(PROVIDER_KINDS):
            names = NAME_PARTS[kind]
            base = names[index % len(names)]
            name = f"{base} ({index + 1})" if kind != Provider.Kind.VOLUNTEER else f"{base} (volunteer {index + 1})"
            postcode, lat, lon = rng.choice(postcodes)
            verified = index % 7 != 3  # about one in seven is still waiting for the council
            email = f"provider{index + 1:02d}@demo.convene.test"
            provider, created = Provider.objects.get_or_create(
                email=email,
                defaults={
                    "council": council,
                    "kind": kind,
                    "name": name,
                    "description": f"{name} helps people across Kingston.",
                    "phone": f"+44207946{index:04d}",
                    "postcode": postcode,
                    "latitude": lat,
                    "longitude": lon,
                    "verification_status": (
                        Provider.Verification.VERIFIED if verified else Provider.Verification.SUBMITTED
                    ),
                    "clearance": CLEARANCE_BY_KIND[kind] if verified else "",
                    "rating_average": round(rng.uniform(3.8, 5.0), 2) if verified else None,
                    "rating_count": rng.randint(2, 40) if verified else 0,
                },
            )
            user = self._user(email, User.Role.PROVIDER, council, f"{name} owner")
            owner, _ = ProviderMember.objects.get_or_create(
                provider=provider, user=user, defaults={"role": ProviderMember.Role.OWNER}
            )
            if index == 0:
                logins["provider"] = email
            if not created:
                continue
            evidence_kind = {
                Provider.Kind.CARE_FIRM: (VerificationEvidence.Kind.CQC, f"1-{100000000 + index}"),
                Provider.Kind.CHARITY: (VerificationEvidence.Kind.CHARITY_NUMBER, f"{1100000 + index}"),
                Provider.Kind.VOLUNTEER: (VerificationEvidence.Kind.DBS, f"{1234567800 + index:012d}"),
            }.get(kind, (VerificationEvidence.Kind.COMPANY, f"{10000000 + index}"))
            person = evidence_kind[0] == VerificationEvidence.Kind.DBS  # a person's check names them (ADR 0023)
            VerificationEvidence.objects.create(
                provider=provider,
                member=owner if person else None,
                dbs_level=VerificationEvidence.DbsLevel.ENHANCED if person else "",
                kind=evidence_kind[0],
                reference=evidence_kind[1],
                issued_on=today - timedelta(days=200),
                expires_on=today + timedelta(days=rng.choice([20, 200, 500])),
                update_service_consent=kind == Provider.Kind.VOLUNTEER,
                status=VerificationEvidence.Status.ACCEPTED if verified else VerificationEvidence.Status.SUBMITTED,
                submitted_by=user,
            )
            cleared = [c for c in categories if TIER_RANK[c.safeguarding_tier] <= TIER_RANK[CLEARANCE_BY_KIND[kind]]]
            for n in range(1 if kind == Provider.Kind.VOLUNTEER else 2):
                served = rng.sample(cleared, k=min(len(cleared), rng.randint(1, 3)))
                capacity = 1 if kind == Provider.Kind.VOLUNTEER else rng.randint(2, 5)
                paid = kind in (Provider.Kind.CARE_FIRM, Provider.Kind.BUSINESS)
                caps = [c.price_cap_pence for c in served if c.price_cap_pence]
                price = min(caps) - 100 if paid and caps else 0
                offer = Offer.objects.create(
                    council=council,
                    provider=provider,
                    title=f"{served[0].name} with {base}" + (f" ({n + 1})" if n else ""),
                    description=f"{name} offers {', '.join(c.name.lower() for c in served)} in Kingston.",
                    capacity=capacity,
                    capacity_left=capacity,
                    postcode=postcode,
                    latitude=lat,
                    longitude=lon,
                    radius_km=rng.choice([3, 5, 8]),
                    weekly_slots=sorted(rng.sample(range(SLOT_COUNT), k=rng.randint(6, 15))),
                    languages=["en"] + (["pl"] if index % 5 == 0 else []) + (["cy"] if index % 7 == 0 else []),
                    preferences_met=[Preference.FEMALE_HELPER] if index % 3 == 0 else [],
                    cost_type=Offer.CostType.PER_HOUR if price else Offer.CostType.FREE,
                    price_pence=price,
                    status=Offer.Status.ACTIVE if verified else Offer.Status.PENDING_REVIEW,
                )
                offer.categories.set(served)

    def _residents(self, council, categories, postcodes, logins) -> None:
        rng = random.Random(1965)
        now = timezone.now()
        for index in range(200):
            email = f"resident{index + 1:03d}@demo.convene.test"
            user = self._user(email, User.Role.RESIDENT, council, f"Resident {index + 1}")
            if index == 0:
                logins["resident"] = email
            if Resident.objects.filter(user=user).exists():
                continue
            postcode, lat, lon = rng.choice(postcodes)
            resident = Resident.objects.create(
                user=user,
                council=council,
                address_line_1=f"{rng.randint(1, 120)} {rng.choice(['Park Road', 'London Road', 'Elm Grove'])}",
                town="Kingston upon Thames",
                postcode=postcode,
                latitude=lat,
                longitude=lon,
                phone=f"+4477009{index:05d}",
                consent_share_details=True,
                consent_given_at=now,
            )
            for _ in range(rng.choice([1, 1, 1, 2])):
                category = rng.choice(categories)
                title, description = NEED_TEXT.get(
                    category.name, (category.name, f"I would like help: {category.description.lower()}.")
                )
                posted = now - timedelta(hours=rng.randint(1, 24 * 20))
                start = (now + timedelta(days=rng.randint(1, 14))).replace(
                    hour=rng.choice([9, 13, 17]), minute=0, second=0, microsecond=0
                )
                weekly = rng.random() < 0.3
                Need.objects.create(
                    council=council,
                    resident=resident,
                    category=category,
                    title=title,
                    description=description,
                    urgency=rng.choice(Need.Urgency.values),
                    timing=Need.Timing.WEEKLY if weekly else Need.Timing.ONE_OFF,
                    window_start=None if weekly else start,
                    window_end=None if weekly else start + timedelta(hours=3),
                    weekly_slots=sorted(rng.sample(range(SLOT_COUNT), k=3)) if weekly else [],
                    postcode=postcode,
                    latitude=lat,
                    longitude=lon,
                    language="en",
                    preferences=[Preference.FEMALE_HELPER] if rng.random() < 0.1 else [],
                    status=Need.Status.OPEN,
                    posted_at=posted,
                    created_at=posted,
                )

    def _history(self, council: Council) -> None:
        """Three weeks of past matches, so the officer's analytics have a story to tell.

        Only on the first run (a council that already has matches is left alone).
        About half the needs posted more than four days ago were helped: most
        completed and reviewed, some confirmed and still going, some declined
        first. Rows are written directly, as history: no notifications are sent.
        """
        if Match.objects.filter(council=council).exists():
            return
        rng = random.Random(1215)
        now = timezone.now()
        offers = list(
            Offer.objects.filter(council=council, status=Offer.Status.ACTIVE)
            .select_related("provider")
            .prefetch_related("categories")
        )
        by_category: dict[int, list[Offer]] = {}
        for offer in offers:
            for category in offer.categories.all():
                by_category.setdefault(category.pk, []).append(offer)
        needs = Need.objects.filter(
            council=council, status=Need.Status.OPEN, posted_at__lt=now - timedelta(days=4)
        ).order_by("pk")
        for need in needs:
            candidates = by_category.get(need.category_id, [])
            if not candidates or rng.random() < 0.45:
                continue
            offer = min(
                rng.sample(candidates, k=min(3, len(candidates))),
                key=lambda o: haversine_km(need.latitude, need.longitude, o.latitude, o.longitude),
            )
            proposed = need.posted_at + timedelta(hours=rng.randint(1, 30))
            distance = round(haversine_km(need.latitude, need.longitude, offer.latitude, offer.longitude), 2)
            fate = rng.random()
            match = Match(
                need=need,
                offer=offer,
                council=council,
                score=round(rng.uniform(4, 9), 2),
                distance_km=distance,
                explanation=f"{distance:.1f} km away",
                proposed_at=proposed,
                respond_by=proposed + timedelta(hours=24),
            )
            if fate < 0.15:
                match.status = Match.Status.DECLINED
                match.closed_at = proposed + timedelta(hours=rng.randint(1, 20))
                match.closed_by = Match.Party.PROVIDER
                match.close_reason = rng.choice(DECLINE_REASONS)
                match.save()
                continue
            match.accepted_at = proposed + timedelta(hours=rng.randint(1, 12))
            match.confirmed_at = match.consent_recorded_at = match.accepted_at + timedelta(hours=rng.randint(1, 24))
            if fate < 0.35 and offer.capacity_left > 0:
                match.status = Match.Status.CONFIRMED
                match.save()
                Offer.objects.filter(pk=offer.pk).update(capacity_left=F("capacity_left") - 1)
                offer.capacity_left -= 1
                Need.objects.filter(pk=need.pk).update(status=Need.Status.MATCHED)
                continue
            match.status = Match.Status.COMPLETED
            match.provider_done_at = match.completed_at = min(now, match.confirmed_at + timedelta(days=2))
            match.save()
            Review.objects.create(match=match, rating=rng.choice([4, 5, 5, 5, 3]), created_at=match.completed_at)
            Need.objects.filter(pk=need.pk).update(status=Need.Status.COMPLETED, closed_at=match.completed_at)

    def _print_logins(self, logins: dict[str, str]) -> None:
        counts = (
            f"{Provider.objects.filter(council__slug='kingston').count()} providers, "
            f"{Offer.objects.filter(council__slug='kingston').count()} offers, "
            f"{Resident.objects.filter(council__slug='kingston').count()} residents, "
            f"{Need.objects.filter(council__slug='kingston').count()} needs"
        )
        self.stdout.write(self.style.SUCCESS(f"Kingston demo ready: {counts}."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role in ("resident", "provider", "officer", "admin"):
            self.stdout.write(f"  {role:<9} {logins[role]}")
        self.stdout.write(
            "  The officer's and the admin's two-factor secret (add it to an authenticator app): "
            f"{DEMO_OFFICER_TOTP_SECRET}"
        )
