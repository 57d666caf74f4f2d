"""A local stand-in for the GOV.UK Notify API, for tests that drive the real
`notifications-python-client` (the real service is outside our reach).

A threaded HTTP server on 127.0.0.1 and a free port. It checks each request
as Notify would: the path, the JSON body, and the JWT in the Authorization
header, signed HS256 with the API key's secret and issued by the service id
(with Notify's 30-second bound on `iat`). It answers 201 with a notification
id, or whatever the test queued (`standin.fail_next(500)`, `fail_next(400, ...)`).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = "5f0a2c1e-7b3d-4c8e-9a6f-0d1e2f3a4b5c"
SECRET = "c0ffee00-1234-4abc-8def-0123456789ab"
API_KEY = f"convene_test-{SERVICE_ID}-{SECRET}"

REQUIRED = {
    "/v2/notifications/sms": {"phone_number", "template_id"},
    "/v2/notifications/email": {"email_address", "template_id"},
}


@dataclass
class Seen:
    path: str
    body: dict
    claims: dict
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class NotifyStandIn:
    service_id: str = SERVICE_ID
    secret: str = SECRET
    requests: list[Seen] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    _queued: list[tuple[int, dict]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int, errors: list[dict] | None = None) -> None:
        body = {"status_code": status, "errors": errors or [{"error": "Error", "message": "Something went wrong"}]}
        with self._lock:
            self._queued.append((status, body))

    def check(self, path: str, headers, raw: bytes) -> tuple[int, dict, dict, dict]:
        """Validate as Notify does; returns (status, response, body, claims)."""
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return (
                401,
                {"errors": [{"error": "AuthError", "message": "Unauthorized: authentication token must be provided"}]},
                {},
                {},
            )
        token = auth.removeprefix("Bearer ")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, self.secret, algorithms=["HS256"], options={"require": ["iss", "iat"]})
        except jwt.PyJWTError as exc:
            return 403, {"errors": [{"error": "AuthError", "message": f"Invalid token: {exc}"}]}, {}, {}
        if header.get("alg") != "HS256" or claims["iss"] != self.service_id or abs(time.time() - claims["iat"]) > 30:
            return 403, {"errors": [{"error": "AuthError", "message": "Invalid token: iss or iat"}]}, {}, claims
        if path not in REQUIRED:
            return 404, {"errors": [{"error": "NotFound", "message": "Not found"}]}, {}, claims
        if headers.get("Content-type", headers.get("Content-Type", "")) != "application/json":
            return (
                400,
                {"errors": [{"error": "BadRequest", "message": "Content-Type must be application/json"}]},
                {},
                claims,
            )
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {"errors": [{"error": "BadRequest", "message": "Invalid JSON"}]}, {}, claims
        missing = REQUIRED[path] - set(body)
        if missing:
            return (
                400,
                {"errors": [{"error": "ValidationError", "message": f"{sorted(missing)} is a required property"}]},
                body,
                claims,
            )
        return 201, {"id": str(uuid.uuid4()), "reference": body.get("reference")}, body, claims

    def start(self) -> NotifyStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                status, response, body, claims = standin.check(self.path, self.headers, raw)
                with standin._lock:
                    if status == 201 and standin._queued:
                        status, response = standin._queued.pop(0)
                    standin.requests.append(Seen(self.path, body, claims, status))
                    if status in (401, 403, 404):
                        standin.rejected.append(json.dumps(response))
                payload = json.dumps(response).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
