"""Open Referral UK (HSDS 3.0) feed of the verified offers in the market, at
/openreferral/ (mounted by platform_core/urls.py; see docs/decisions/0008-open-referral-feed.md).

Public and read-only, so it is a package of its own rather than part of the
officers' console: `ids` (stable public ids), `selectors` (what is published),
`serialisers` (the HSDS shapes and paging), `views` and `urls`.

Privacy rules (DESIGN.md, "Privacy and safeguarding"):
- places are the offer's postcode district (outcode) and a point coarsened to
  about 1 km, never a full postcode or an address;
- no phone number and no e-mail address of any provider is published (the
  contact e-mail on a Provider is not declared public, and for an individual
  volunteer it is personal); an individual volunteer's name is not published
  either: the organisation reads "Individual volunteer"; contact details typed
  into providers' free text are taken out (`serialisers.redact`).
"""
