from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "providers/dashboard.html")


def _todo(request, *args, **kwargs):
    raise Http404


provider_register = invitation_accept = provider_detail = provider_edit = verification = evidence_submit = _todo
members = member_remove = offer_create = offer_detail = offer_edit = offer_pause = offer_resume = offer_close = _todo
