"""What the demo API's systems share: requests, replies, credentials, a base class."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import demo_data

SHOP_TOKEN = "shop-demo-token"
INVENTORY_KEY = "inventory-demo-key"
CRM_CLIENT_ID, CRM_CLIENT_SECRET = "crm-demo", "crm-demo-secret"
QUOTING_USER, QUOTING_PASSWORD = "quoting", "quoting-demo"
PAYMENTS_KEY = "payments-demo-key"


@dataclass(frozen=True)
class Request:
    """One request, as a system sees it: ``path`` is without the system's prefix."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str


@dataclass(frozen=True)
class Reply:
    """A JSON answer."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, message: str, **extra: Any) -> Reply:
    """A JSON error reply: ``{"error": message, ...}``."""
    return Reply(status, {"error": message, **extra})


def unauthorized(message: str, scheme: str) -> Reply:
    """A 401 with a ``WWW-Authenticate`` challenge."""
    return Reply(401, {"error": message}, {"WWW-Authenticate": scheme})


def json_body(request: Request) -> Any:
    """The request body as JSON; ``None`` when it is not JSON."""
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        return None


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter, clamped to ``[low, high]``.

    Raises:
        ValueError: the parameter is not an integer.
    """
    value = request.query.get(name)
    if value is None or value == "":
        return default
    return max(low, min(high, int(value)))


class System:
    """A fake system: its routes, its data and the lock that guards them."""

    prefix = ""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def handle(self, request: Request) -> Reply:
        """Answer one request (the lock is held)."""
        with self.lock:
            if request.method == "POST" and request.path == "/_touch":
                return self.touch(int_param(request, "count", 5, 1, 1000))
            refused = self.authenticate(request)
            if refused is not None:
                return refused
            return self.route(request)

    def authenticate(self, request: Request) -> Reply | None:
        """``None`` when the request carries the system's credentials, else a 401."""
        return None

    def route(self, request: Request) -> Reply:
        """Answer an authenticated request."""
        return error(404, f"no route {request.method} {self.prefix}{request.path}")

    def touch(self, count: int) -> Reply:
        """Change ``count`` records (or add them), as users of the system would."""
        return error(404, "nothing to touch here")


def filtered(records: list[dict[str, Any]], request: Request) -> list[dict[str, Any]] | Reply:
    """The records after the ``updated_since`` filter, or a 400 reply for a bad value."""
    try:
        return demo_data.updated_since(records, request.query.get("updated_since"))
    except ValueError:
        return error(400, "updated_since must be an ISO 8601 time, such as 2025-01-31T10:00:00Z")


def now() -> str:
    """The wall-clock time as ISO text."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
