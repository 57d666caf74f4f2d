from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platform_core.permissions import officer_required


@officer_required
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/console.html")
