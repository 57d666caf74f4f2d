"""Writes of the council's market. One module per queue or screen; import
from the module (`marketplace.services.moderation`), or from here."""

from .analytics import market_stats_refresh  # noqa: F401
from .moderation import (  # noqa: F401
    blocked_word_add,
    blocked_word_remove,
    moderation_dismiss,
    moderation_hide,
    moderation_request_changes,
    moderation_restore,
    moderation_scan,
    report_create,
    text_findings,
)
from .people import provider_pause, resident_view_reason  # noqa: F401
from .regulation import (  # noqa: F401
    category_change_preview,
    category_create,
    category_update,
    market_rule_change_preview,
    market_rule_update,
)
from .safeguarding import (  # noqa: F401
    concern_close,
    concern_escalate,
    concern_pause_provider,
    concern_raise,
    concern_record_action,
    concern_triage,
)
from .verification import evidence_checks, evidence_expiry_reminders_send  # noqa: F401
