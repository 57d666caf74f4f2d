"""Money. Prices are held in whole pence; this is the one way they are shown
(in services' messages, and in templates as `{{ pence|pounds }}` from the
`money` template library) and the one way typed pounds become pence."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def pounds(pence: int | None) -> str:
    """1250 -> '£12.50', 123456 -> '£1,234.56', None -> ''."""
    if pence is None or pence == "":
        return ""
    pence = int(pence)
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def pence_from_pounds(value: Decimal | None) -> int | None:
    """Pounds as typed into a form (Decimal('12.5')) -> 1250; None stays None."""
    if value is None:
        return None
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
