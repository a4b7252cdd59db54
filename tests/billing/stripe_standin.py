"""A local HTTP server that answers the Stripe API calls Parim makes with Stripe-shaped JSON,
serves a Checkout page, and sends webhooks signed exactly as Stripe signs them. The real stripe
library talks to it over HTTP (stripe.api_base)."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import stripe

_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):06d}"


class StripeStandIn:
    def __init__(self, webhook_secret: str) -> None:
        self.webhook_secret = webhook_secret
        self.webhook_url = ""
        self.customers: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.idempotency_keys: list[str] = []
        self.modifications: list[dict[str, Any]] = []
        self.failing_retrieves = 0  # answer this many subscription reads with a 500
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StripeStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the stand-in does -------------------------------------------------------------

    def subscription(self, customer: str, quantity: int, status: str = "active") -> dict[str, Any]:
        sub_id = _id("sub")
        subscription = {
            "id": sub_id, "object": "subscription", "customer": customer, "status": status,
            "cancel_at_period_end": False,
            "current_period_end": int(time.time()) + 30 * 86400,
            "items": {"object": "list", "data": [
                {"id": _id("si"), "object": "subscription_item", "quantity": quantity}]},
        }  # fmt: skip
        self.subscriptions[sub_id] = subscription
        return subscription

    def event(self, event_type: str, obj: dict[str, Any], created: int | None = None) -> str:
        """A webhook body as Stripe sends it (JSON text)."""
        return json.dumps({
            "id": _id("evt"), "object": "event", "type": event_type, "api_version": "2024-06-20",
            "created": created or int(time.time()), "data": {"object": obj},
        })  # fmt: skip

    def sign(self, body: str, secret: str | None = None) -> str:
        return str(
            stripe.WebhookSignature.generate_signature_header(body, secret or self.webhook_secret)
        )

    def send(self, body: str) -> int:
        request = urllib.request.Request(  # noqa: S310  (a local test server)
            self.webhook_url, data=body.encode(), method="POST",
            headers={"Stripe-Signature": self.sign(body), "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)

    def pay(self, session_id: str) -> str:
        """What happens when someone pays on the Checkout page: a subscription, the webhooks
        (sent to the app), and the redirect back to the success URL."""
        session = self.sessions[session_id]
        subscription = self.subscription(session["customer"], session["quantity"])
        session.update(status="complete", subscription=subscription["id"])
        for event_type, obj in [
            ("checkout.session.completed", session),
            ("customer.subscription.created", subscription),
            ("invoice.paid", {"id": _id("in"), "object": "invoice", "customer": session["customer"],
                              "parent": {"subscription_details":
                                         {"subscription": subscription["id"]}}}),
        ]:  # fmt: skip
            self.send(self.event(event_type, obj))
        return str(session["success_url"])

    # --- HTTP -------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(
                self, body: Any, status: int = 200, content_type: str = "application/json"
            ) -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict[str, str]:
                length = int(self.headers.get("Content-Length") or 0)
                fields = parse_qs(self.rfile.read(length).decode())
                key = self.headers.get("Idempotency-Key")
                if key:
                    standin.idempotency_keys.append(key)
                return {k: v[0] for k, v in fields.items()}

            def do_GET(self) -> None:
                if self.path.startswith("/v1/subscriptions/") and standin.failing_retrieves:
                    standin.failing_retrieves -= 1
                    return self._reply({"error": {"type": "api_error", "message": "boom"}}, 500)
                if self.path.startswith("/v1/subscriptions/"):
                    sub = standin.subscriptions.get(self.path.rsplit("/", 1)[1])
                    missing = {"error": {"type": "invalid_request_error",
                                         "message": "No such subscription"}}  # fmt: skip
                    return self._reply(sub or missing, 200 if sub else 404)
                if self.path.startswith("/checkout/"):
                    session_id = self.path.rsplit("/", 1)[1]
                    page = (
                        "<!doctype html><html lang='en'><head><title>Stand-in Checkout</title>"
                        "</head><body><main><h1>Stand-in Checkout</h1>"
                        f"<form method='post' action='/checkout/{session_id}/pay'>"
                        "<button type='submit'>Pay</button></form></main></body></html>"
                    )
                    return self._reply(page, content_type="text/html")
                return self._reply({"error": {"message": "not found"}}, 404)

            def do_POST(self) -> None:
                form = self._form()
                if self.path == "/v1/customers":
                    customer_id = _id("cus")
                    customer = {"id": customer_id, "object": "customer",
                                "email": form.get("email"), "name": form.get("name")}  # fmt: skip
                    standin.customers[customer_id] = customer
                    return self._reply(customer)
                if self.path == "/v1/checkout/sessions":
                    session_id = _id("cs")
                    session = {
                        "id": session_id,
                        "object": "checkout.session",
                        "mode": form["mode"],
                        "customer": form["customer"],
                        "client_reference_id": form.get("client_reference_id"),
                        "quantity": int(form["line_items[0][quantity]"]),
                        "price": form["line_items[0][price]"],
                        "success_url": form["success_url"],
                        "url": f"{standin.url}/checkout/{session_id}",
                    }
                    standin.sessions[session_id] = session
                    return self._reply(session)
                if self.path == "/v1/billing_portal/sessions":
                    return self._reply({"id": _id("bps"), "object": "billing_portal.session",
                                        "url": f"{standin.url}/portal"})  # fmt: skip
                if self.path.startswith("/v1/subscriptions/"):
                    sub = standin.subscriptions[self.path.rsplit("/", 1)[1]]
                    sub["items"]["data"][0]["quantity"] = int(form["items[0][quantity]"])
                    standin.modifications.append(form)
                    return self._reply(sub)
                if self.path.startswith("/checkout/") and self.path.endswith("/pay"):
                    success = standin.pay(self.path.split("/")[2])
                    self.send_response(303)
                    self.send_header("Location", success)
                    self.end_headers()
                    return None
                return self._reply({"error": {"message": "not found"}}, 404)

        return Handler
