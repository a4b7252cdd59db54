"""What the middleware stack costs a request that does not use the signed-in account: no query.
The account is loaded (and checked) only when something asks for request.user; the session
timeouts are read from the session alone."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.middleware import LAST_SEEN, STARTED
from accounts.services import user_deactivate
from tests.factories import make_user
from tests.test_query_budgets import ACCOUNT_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]
TRIVIAL = "/_bench/ok"


def test_a_signed_in_request_that_does_not_use_the_account_makes_no_query(
    client: Client, django_assert_num_queries: Any
) -> None:
    client.force_login(make_user())
    client.get(TRIVIAL)  # the first request stamps the session's start
    with django_assert_num_queries(0):
        assert client.get(TRIVIAL).content == b"ok"
    # A page that uses the account still loads it, with its budget unchanged.
    with django_assert_num_queries(ACCOUNT_QUERIES):
        assert client.get("/accounts/").status_code == 200


def test_the_idle_timeout_still_signs_out_on_a_request_that_does_not_use_the_account(
    client: Client,
) -> None:
    client.force_login(make_user())
    client.get(TRIVIAL)
    session = client.session
    session[STARTED] = session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(TRIVIAL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert SESSION_KEY not in client.session


def test_a_deactivated_account_is_refused_where_the_account_is_used(client: Client) -> None:
    user = make_user()
    client.force_login(user)
    assert client.get("/accounts/").status_code == 200
    user_deactivate(user=user)
    response = client.get("/accounts/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_well_formed_request_id_is_kept_and_any_other_replaced(client: Client) -> None:
    kept = client.get(TRIVIAL, HTTP_X_REQUEST_ID="lb-0123456789abcdef")
    assert kept["X-Request-ID"] == "lb-0123456789abcdef"
    replaced = client.get(TRIVIAL, HTTP_X_REQUEST_ID="'; DROP TABLE x; --")
    assert len(replaced["X-Request-ID"]) == 32 and "'" not in replaced["X-Request-ID"]


def test_the_policy_built_once_is_the_one_django_csp_builds(client: Client, rf: Any) -> None:
    from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import override_settings

    from parim.middleware import CSPMiddleware

    def headers(middleware: type[DjangoCSPMiddleware]) -> dict[str, str]:
        response: Any = middleware(lambda request: HttpResponse("ok"))(rf.get(TRIVIAL))
        return {k: v for k, v in response.headers.items() if "Security-Policy" in k}

    ours = headers(CSPMiddleware)
    assert ours == headers(DjangoCSPMiddleware)
    assert "default-src 'self'" in ours["Content-Security-Policy"]
    assert client.get(TRIVIAL)["Content-Security-Policy"] == ours["Content-Security-Policy"]
    changed = {"DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                              "img-src": ["'self'"]}}  # fmt: skip
    with override_settings(CONTENT_SECURITY_POLICY=changed):  # built again for new settings
        assert headers(CSPMiddleware) == headers(DjangoCSPMiddleware) != ours
    assert headers(CSPMiddleware) == ours


def test_a_nonce_asked_for_goes_through_django_csp(rf: Any) -> None:
    from csp.constants import NONCE
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import override_settings

    from parim.middleware import CSPMiddleware

    def view(request: Any) -> HttpResponse:
        return HttpResponse(str(request.csp_nonce))

    with_nonce = {"DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                                 "script-src": ["'self'", NONCE]}}  # fmt: skip
    with override_settings(CONTENT_SECURITY_POLICY=with_nonce):
        first: Any = CSPMiddleware(view)(rf.get(TRIVIAL))
        second: Any = CSPMiddleware(view)(rf.get(TRIVIAL))
    for response in (first, second):
        assert f"'nonce-{response.content.decode()}'" in response["Content-Security-Policy"]
    assert first.content != second.content
