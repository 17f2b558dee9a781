"""A local stand-in for the Shippo API, so tests and the local runner never call api.goshippo.com.

It speaks enough of Shippo's wire format (JSON bodies, `Authorization: ShippoToken <token>`, 201 answers,
`{"detail": ...}` or per-field error bodies) for the real `shippo` client's two calls used here: a shipment
created synchronously with its rates, and a transaction (the label) bought for one of those rates. Tokens must look
like Shippo's (`shippo_test_...`/`shippo_live_...`); a destination whose street says `undeliverable` is refused the
way Shippo refuses an address. It does not import `shippo`, so it also loads where only the runtime dependencies
are installed.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

log = logging.getLogger("localrunner.shippo")

Json = dict[str, Any]
# The rates every shipment gets: (carrier, service token, service name, amount, estimated days).
RATES = (("USPS", "usps_priority", "Priority Mail", "7.45", 2), ("UPS", "ups_ground", "Ground", "11.20", 5))
OWNER = "fake@shippo.local"


@dataclass
class ShippoRequest:
    """One call as the fake saw it, for test assertions."""

    method: str
    path: str
    body: Json
    token: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _id() -> str:
    return secrets.token_hex(16)


class FakeShippo:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.requests: list[ShippoRequest] = []
        self.rates: dict[str, Json] = {}
        self.transactions: dict[str, Json] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> str:
        self._server = _Server((self.host, 0), self)
        threading.Thread(target=self._server.serve_forever, name="fake-shippo", daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------------ the API
    def handle(self, method: str, path: str, body: Json, authorization: str | None) -> tuple[int, Json]:
        token = authorization.removeprefix("ShippoToken ").strip() if authorization else None
        with self._lock:
            self.requests.append(ShippoRequest(method, path, body, token))
        if not token or not token.startswith(("shippo_test_", "shippo_live_")):
            return 401, {"detail": "Invalid token."}
        if (method, path.rstrip("/")) == ("POST", "/shipments"):
            return self._shipment(body)
        if (method, path.rstrip("/")) == ("POST", "/transactions"):
            return self._transaction(body)
        return 404, {"detail": "Not found."}

    def _shipment(self, body: Json) -> tuple[int, Json]:
        problems: Json = {}
        for side in ("address_from", "address_to"):
            address = body.get(side)
            if not isinstance(address, dict) or not address.get("country"):
                problems[side] = ["This field is required."]
            elif "undeliverable" in str(address.get("street1", "")).lower():
                problems[side] = ["The address could not be validated: no such street."]
        parcels = body.get("parcels")
        if not isinstance(parcels, list) or not parcels or not all(isinstance(p, dict) for p in parcels):
            problems["parcels"] = ["This field is required."]
        if problems:
            return 400, problems
        shipment_id, at = _id(), _now()
        rates = []
        with self._lock:
            for carrier, token, name, amount, days in RATES:
                rate: Json = {"object_id": _id(), "object_owner": OWNER, "object_created": at, "shipment": shipment_id,
                        "amount": amount, "currency": "USD", "amount_local": amount, "currency_local": "USD",
                        "attributes": [], "carrier_account": _id(), "provider": carrier,
                        "servicelevel": {"name": name, "token": token}, "estimated_days": days, "test": True}
                self.rates[rate["object_id"]] = rate
                rates.append(rate)
        parcel_fields = ("mass_unit", "weight", "distance_unit", "height", "length", "width")
        return 201, {
            "object_id": shipment_id, "object_owner": OWNER, "object_created": at, "object_updated": at,
            "status": "SUCCESS", "metadata": "", "carrier_accounts": [], "messages": [], "test": True,
            "address_from": body["address_from"], "address_to": body["address_to"], "rates": rates,
            "parcels": [{"object_id": _id(), **{k: str(p.get(k, "")) for k in parcel_fields}}
                        for p in parcels or []],
        }

    def _transaction(self, body: Json) -> tuple[int, Json]:
        rate = self.rates.get(str(body.get("rate", "")))
        if rate is None:
            return 400, {"rate": ["Rate with this object_id does not exist."]}
        transaction_id, at = _id(), _now()
        tracking = f"9400{secrets.randbelow(10**18):018d}"
        transaction = {
            "object_id": transaction_id, "object_owner": OWNER, "object_created": at, "object_updated": at,
            "object_state": "VALID", "status": "SUCCESS", "test": True,
            "rate": {"object_id": rate["object_id"], "amount": rate["amount"], "currency": rate["currency"],
                     "amount_local": rate["amount"], "currency_local": rate["currency"],
                     "provider": rate["provider"], "carrier_account": rate["carrier_account"],
                     "servicelevel_name": rate["servicelevel"]["name"],
                     "servicelevel_token": rate["servicelevel"]["token"]},
            "tracking_number": tracking, "tracking_status": "UNKNOWN",
            "tracking_url_provider": f"https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}",
            "label_url": f"{self.url}/labels/{transaction_id}.pdf", "label_file_type": "PDF", "messages": [],
            # Shippo sends it (null for labels bought with a token); the client cannot read a transaction without.
            "metadata": "", "created_by": None,
        }
        with self._lock:
            self.transactions[transaction_id] = transaction
        return 201, transaction


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            status, payload = 400, {"detail": "JSON parse error."}
        else:
            status, payload = self.server.fake.handle(self.command, self.path.split("?")[0],
                                                      body if isinstance(body, dict) else {},
                                                      self.headers.get("Authorization"))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeShippo) -> None:
        self.fake = fake
        super().__init__(address, _Handler)
