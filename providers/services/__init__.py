"""Writes for providers, their members and evidence, and their offers.

Import from here: `from providers.services import offer_approve`.
"""

from .members import (
    invitation_accept,
    invitation_create,
    invitation_email_send,
    member_make_owner,
    member_remove,
    provider_register,
    provider_update,
)
from .offers import (
    offer_approve,
    offer_close,
    offer_create,
    offer_hide,
    offer_pause,
    offer_resume,
    offer_update,
    tier_refusal,
)
from .verification import (
    EVIDENCE_ALLOWED,
    EVIDENCE_REQUIRED,
    MemberChecks,
    attendance_named,
    clearance_compute,
    evidence_accept,
    evidence_expire_lapsed,
    evidence_reject,
    evidence_submit,
    evidence_validate,
    member_checks_compute,
    provider_recompute_clearance,
    provider_reinstate,
    provider_suspend,
)

__all__ = [
    "EVIDENCE_ALLOWED",
    "EVIDENCE_REQUIRED",
    "MemberChecks",
    "attendance_named",
    "clearance_compute",
    "evidence_accept",
    "evidence_expire_lapsed",
    "evidence_reject",
    "evidence_submit",
    "evidence_validate",
    "invitation_accept",
    "invitation_create",
    "invitation_email_send",
    "member_checks_compute",
    "member_make_owner",
    "member_remove",
    "offer_approve",
    "offer_close",
    "offer_create",
    "offer_hide",
    "offer_pause",
    "offer_resume",
    "offer_update",
    "provider_recompute_clearance",
    "provider_register",
    "provider_reinstate",
    "provider_suspend",
    "provider_update",
    "tier_refusal",
]
