"""Reads of the council's market, one module per queue or screen (mirroring
`marketplace.services` and `marketplace.views`); import from the module, or
from here.

Every console read takes the acting user and is scoped to their council
(`scope.in_council`), so an officer of one council gets nothing of another's:
lists are empty and single objects None, which views and APIs show as 404.
Anyone who is not an officer gets nothing at all. Selectors never write.
"""

from .console import audit_list, console_counts  # noqa: F401
from .moderation import (  # noqa: F401
    QueueItem,
    blocked_word_get,
    blocked_word_list,
    moderation_history,
    moderation_queue,
    moderation_scanned_at,
    moderation_target_get,
)
from .people import (  # noqa: F401
    provider_detail,
    provider_get,
    provider_search,
    resident_get,
    resident_needs,
    resident_search,
)
from .regulation import category_get, category_list, market_rule_get  # noqa: F401
from .safeguarding import (  # noqa: F401
    concern_get_for_officer,
    concern_get_for_user,
    concern_list_for_officer,
    concern_list_for_user,
)
from .verification import evidence_get, evidence_list_expiring, evidence_list_waiting  # noqa: F401
