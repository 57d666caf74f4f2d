"""Contact details and prices in free text: one set of patterns for the whole
market, so what moderation flags and what the Open Referral feed takes out of
providers' text can never disagree."""

import re

# UK numbers: +44 / 0044 / 0 then 9-10 more digits, allowing spaces, dots,
# dashes and brackets between groups ("07700 900123", "(020) 7946 0000",
# "+44 7700-900-123").
PHONE_RE = re.compile(r"(?<![\w+])(?:(?:\+|00)44[\s.\-]?(?:\(0\))?[\s.\-]?|\(?0)\d(?:[\s.\-)]{0,2}\d){8,9}(?!\d)")
EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
URL_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:co\.uk|org\.uk|com|org|net|uk|io|info|biz|me)\b(?:/\S*)?",
    re.IGNORECASE,
)
PRICE_RE = re.compile(
    r"£\s?\d[\d,]*(?:\.\d{1,2})?|\b\d+(?:\.\d{1,2})?\s?(?:pounds|quid|gbp)\b|\bgbp\s?\d+", re.IGNORECASE
)
# A full unit postcode inside a sentence ("KT1 1EU"); a district alone ("KT1") is not matched.
POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
