"""Stand-ins run as real processes on loopback: an SMTP server (aiosmtpd) that writes each
message to a Maildir, and a tiny HTTP server that answers like the GOV.UK Notify API.

    python -m tests.web.portal.servers sms PORT LOG SECRET SERVICE_ID FAIL_FIRST

The SMS stand-in checks each request's JWT with the Notify client's own checker, writes
the request to LOG (one JSON line each), and answers 500 to the first FAIL_FIRST requests
(or 400 to every request for the number +447700900400, which Notify would refuse).
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


def serve_sms(port: int, log: Path, secret: str, service_id: str, fail_first: int) -> None:
    from notifications_python_client.authentication import decode_jwt_token, get_token_issuer

    seen = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            return

        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                ok = get_token_issuer(token) == service_id and decode_jwt_token(token, secret)
            except Exception:
                ok = False
            seen["n"] += 1
            with log.open("a") as out:
                out.write(json.dumps({"path": self.path, "auth": ok, **payload}) + "\n")
            if not ok:
                self._answer(403, {"errors": [{"error": "AuthError"}]})
            elif self.path != "/v2/notifications/sms":
                self._answer(404, {"errors": [{"error": "NotFound"}]})
            elif payload.get("phone_number") == "+447700900400":
                self._answer(400, {"errors": [{"error": "ValidationError"}]})
            elif seen["n"] <= fail_first:
                self._answer(500, {"errors": [{"error": "Exception"}]})
            else:
                self._answer(
                    201, {"id": f"notify-{seen['n']}", "reference": payload.get("reference")}
                )

    HTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    _kind, port, log, secret, service, fail = sys.argv[1:7]
    serve_sms(int(port), Path(log), secret, service, int(fail))
