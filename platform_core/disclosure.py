"""Every read of personal data by an officer or a member of staff is audited,
decided by the data, not by the page (ADR 0015).

Each app registers the fields of its models that are a person's personal data
(`register_personal_fields`, from its AppConfig.ready): the User's name and
e-mail address, a resident's address, phone and notes. Those fields become
data descriptors that note, while a request is being answered, whose field was
read. `PersonalDataAuditMiddleware` opens that ledger for every request and,
when the answer goes to an officer or a member of staff, writes one
AuditEvent per person whose data it read (naming the person's account, the
fields and the reason) before the response leaves. Whatever renders a field
(a template, a form, the admin, a serializer, a CSV writer) is covered,
including a page added later; a read that bypasses model instances
(`values()`, raw SQL) is not, and the resolver-generated test in
tests/test_personal_data_audit.py is what catches one.

The reason comes from the page: `purpose_set(request, ...)` is called by the
view with the officer's own words where they chose whom to look at (searching
for residents, opening a resident's record) or with the case the page is about
(a safeguarding concern, evidence under review, a provider being regulated);
the admin records the page. A page that reads personal data without setting
one is still audited, with a reason that says so (and fails the test).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models.query_utils import DeferredAttribute
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

ACTION = "personal_data.viewed"
NO_PURPOSE = "No purpose was recorded for this page"
MAX_REASON = 1000


@dataclass
class Ledger:
    purpose: str = ""
    people: dict[int, set[str]] = field(default_factory=dict)

    def note(self, person_id: int, label: str) -> None:
        self.people.setdefault(person_id, set()).add(label)


_ledger: ContextVar[Ledger | None] = ContextVar("convene_personal_data_ledger", default=None)


class PersonalAttribute(DeferredAttribute):
    """A model field that notes its person in the current ledger whenever it is read.

    A data descriptor (it has __set__), so reads of a loaded value come here too;
    the value still lives in the instance's __dict__ under the field's name, as
    Django expects.
    """

    def __init__(self, field, person: Callable[[object], int | None]) -> None:
        super().__init__(field)
        self.person = person
        self.label = f"{field.model._meta.label}.{field.name}"

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if instance is not None and value:
            ledger = _ledger.get()
            if ledger is not None:
                person_id = self.person(instance)
                if person_id is not None:
                    ledger.note(person_id, self.label)
        return value

    def __set__(self, instance, value) -> None:
        instance.__dict__[self.field.attname] = value


def register_personal_fields(model, names: Iterable[str], *, person: Callable[[object], int | None]) -> None:
    """Mark `names` of `model` as personal data of the account `person(instance)` returns."""
    for name in names:
        model_field = model._meta.get_field(name)
        setattr(model, model_field.attname, PersonalAttribute(model_field, person))


def purpose_set(request: HttpRequest, purpose: str) -> None:
    """Say why this response shows personal data (the officer's reason, or the case)."""
    ledger = _ledger.get()
    if ledger is not None:
        ledger.purpose = (purpose or "").strip()[:MAX_REASON]


def person_read(person_id: int, what: str) -> None:
    """Note that this response shows something about a person that no registered
    field carries (e.g. the providers a resident excluded, read as rows of another
    table): audited like a field, with the page's purpose."""
    ledger = _ledger.get()
    if ledger is not None:
        ledger.note(person_id, what)


def _is_audited_viewer(user) -> bool:
    from .permissions import is_privileged

    return bool(user is not None and is_privileged(user))


def _record(request: HttpRequest, ledger: Ledger, user) -> None:
    from .models import AuditEvent, User
    from .services import _client_ip

    people = {pk: labels for pk, labels in ledger.people.items() if pk != user.pk}
    if not people:
        return
    # Staff reading each other's e-mail addresses (who took a decision) is not a read of a resident's or member's data.
    staff = set(
        User.objects.filter(pk__in=people)
        .filter(role__in=[User.Role.OFFICER, User.Role.ADMIN])
        .values_list("pk", flat=True)
    ) | set(User.objects.filter(pk__in=people, is_staff=True).values_list("pk", flat=True))
    match = getattr(request, "resolver_match", None)
    page = match.view_name if match else ""
    reason = ledger.purpose or f"{NO_PURPOSE} ({page or request.path})"
    if not ledger.purpose:
        logger.error("Personal data shown on %s without a recorded purpose", page or request.path)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                actor_email=user.email,
                council_id=user.council_id,
                action=ACTION,
                object_type=User._meta.label,
                object_id=str(pk),
                reason=reason,
                data={"fields": sorted(labels), "page": page, "path": request.path[:300], "method": request.method},
                ip_address=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
            for pk, labels in sorted(people.items())
            if pk not in staff
        ]
    )


class PersonalDataAuditMiddleware:
    """Opens the ledger for each request and writes the audit rows before the response leaves.

    The viewer is known only at the end (an API token is read inside the view),
    so the ledger is open for everyone and costs a dictionary when nobody reads
    personal data. A streamed response (a CSV export) is read as it is sent:
    its reads are noted as it streams and recorded when it ends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ledger = Ledger()
        token = _ledger.set(ledger)
        try:
            response = self.get_response(request)
        finally:
            _ledger.reset(token)
        user = getattr(request, "user", None)
        if not _is_audited_viewer(user):
            return response
        if response.streaming:
            response.streaming_content = self._stream(request, ledger, user, response.streaming_content)
        else:
            _record(request, ledger, user)
        return response

    def _stream(self, request: HttpRequest, ledger: Ledger, user, content: Iterable) -> Iterator:
        iterator = iter(content)
        while True:
            token = _ledger.set(ledger)
            try:
                chunk = next(iterator)
            except StopIteration:
                break
            finally:
                _ledger.reset(token)
            yield chunk
        _record(request, ledger, user)
