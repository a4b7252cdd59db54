"""parim.urls plus one trivial view. It is listed first so that no tenant route can take its
path, and it is not /healthz, which HealthCheckMiddleware answers before the rest of the stack."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from parim.urls import urlpatterns as parim_urlpatterns

TRIVIAL_PATH = "/_bench/ok"


def trivial(request: HttpRequest) -> HttpResponse:
    """The baseline: no database of its own (the session and user are still loaded by the
    middleware when the request carries a session cookie), no template."""
    return HttpResponse("ok")


urlpatterns = [
    path(TRIVIAL_PATH.lstrip("/"), trivial, name="bench-trivial"),
    *parim_urlpatterns,
]
