"""The demo API: five fake business systems on one local HTTP server, for the stories.

    python examples/demo-api/serve.py                       # http://127.0.0.1:8765
    python examples/demo-api/serve.py --port 0              # any free port (printed)
    python examples/demo-api/serve.py --orders 1000 --faults 0.1

Python standard library only. The data is seeded (``--seed``): the same options always
serve the same records. It lives in memory; restarting the server starts over. The first
line on standard output is ``demo API serving on http://HOST:PORT``; each request is logged
on standard error (secrets in query strings masked) unless ``--quiet``.

The systems and their credentials are in ``demo_systems.py`` and in README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import urllib.parse
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import demo_common
import demo_systems
from demo_common import Reply, Request, System


class DemoApi:
    """The five systems behind their prefixes, with optional injected faults."""

    def __init__(
        self,
        *,
        orders: int = 250,
        customers: int = 120,
        transactions: int = 300,
        seed: int = 7,
        token_ttl: int = 60,
        token_uses: int | None = None,
        faults: float = 0.0,
    ) -> None:
        rng = random.Random(seed)
        self.shop = demo_systems.Shop(orders, rng)
        self.inventory = demo_systems.Inventory()
        self.crm = demo_systems.Crm(customers, rng, token_ttl, token_uses)
        self.quoting = demo_systems.Quoting()
        self.payments = demo_systems.Payments(transactions, rng)
        self.systems: dict[str, System] = {
            s.prefix: s for s in (self.shop, self.inventory, self.crm, self.quoting, self.payments)
        }
        self.faults = faults
        self._fault_rng = random.Random(seed + 1)
        self._fault_lock = threading.Lock()

    def handle(self, request: Request) -> Reply:
        """Route a request (``path`` with its prefix) to its system."""
        if request.path == "/oauth/token":  # an alias of /crm/oauth/token
            return self.crm.handle(request)
        if request.path in ("", "/"):
            return Reply(200, {"systems": sorted(self.systems)})
        prefix = "/" + request.path.lstrip("/").split("/", 1)[0]
        system = self.systems.get(prefix)
        if system is None:
            return demo_common.error(404, f"no system at {prefix}; try {sorted(self.systems)}")
        inner = _strip(request, prefix)
        fault = self._fault(inner)
        return fault if fault is not None else system.handle(inner)

    def _fault(self, request: Request) -> Reply | None:
        """Now and then a 429 (with ``Retry-After``) or a 503, when faults are on."""
        if not self.faults or request.path in ("/_touch", "/oauth/token"):
            return None
        with self._fault_lock:
            roll = self._fault_rng.random()
        if roll >= self.faults:
            return None
        if roll < self.faults / 2:
            return Reply(429, {"error": "slow down"}, {"Retry-After": "1"})
        return Reply(503, {"error": "temporarily unavailable, try again"})


def _strip(request: Request, prefix: str) -> Request:
    """The request as the system behind ``prefix`` sees it."""
    inner = request.path[len(prefix) :] or "/"
    return Request(
        request.method, inner, request.query, request.headers, request.body, request.base_url
    )


def masked(target: str) -> str:
    """A request target with the values of secret-looking query parameters masked."""
    parts = urllib.parse.urlsplit(target)
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    secret = ("api_key", "token", "access_token", "client_secret")
    safe = [(k, "********" if k.lower() in secret else v) for k, v in pairs]
    query = urllib.parse.urlencode(safe, safe="*:")
    return parts.path + ("?" + query if query else "")


def make_server(
    api: DemoApi, host: str = "127.0.0.1", port: int = 8765, quiet: bool = False
) -> ThreadingHTTPServer:
    """A :class:`ThreadingHTTPServer` serving ``api`` (call ``serve_forever`` on it)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "hookline-demo-api/1"
        wbufsize = -1  # buffered: headers and body leave together (flushed per request)
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            own_host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
            request = Request(
                method=self.command,
                path=parts.path.rstrip("/") or "/",
                query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                base_url=f"http://{own_host}",
            )
            try:
                reply = api.handle(request)
            except Exception as exc:  # a bug in the demo: say so, keep serving
                reply = demo_common.error(500, f"demo API error: {type(exc).__name__}")
            payload = json.dumps(reply.body, ensure_ascii=False).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """One line per request on standard error, secrets masked."""
            if not quiet:
                line = f"{self.command} {masked(self.path)} {code}"
                sys.stderr.write(f"{self.log_date_time_string()} {line}\n")

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one")
    parser.add_argument("--orders", type=int, default=250, help="shop orders (default 250)")
    parser.add_argument("--customers", type=int, default=120, help="CRM customers (120)")
    parser.add_argument("--transactions", type=int, default=300, help="payments (300)")
    parser.add_argument("--seed", type=int, default=7, help="random seed for the data (7)")
    parser.add_argument("--token-ttl", type=int, default=60, help="CRM token lifetime, s (60)")
    parser.add_argument(
        "--token-uses", type=int, default=None, help="CRM token dies after N requests (no limit)"
    )
    parser.add_argument(
        "--faults", type=float, default=0.0, help="share of requests answered 429 or 503 (0)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    if not 0 <= args.faults < 1:
        parser.error("--faults must be at least 0 and below 1, such as 0.1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted."""
    args = parse_args(argv)
    api = DemoApi(
        orders=args.orders,
        customers=args.customers,
        transactions=args.transactions,
        seed=args.seed,
        token_ttl=args.token_ttl,
        token_uses=args.token_uses,
        faults=args.faults,
    )
    server = make_server(api, args.host, args.port, args.quiet)
    host, port = server.server_address[:2]
    print(f"demo API serving on http://{host!s}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
