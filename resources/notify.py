"""Webhooks: a JSON summary of each finished import or export, POSTed and HMAC-signed. No
Dagster here: the resource that hands a notifier to the sensors is
`resources/dagster_notify.py`."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SIGNATURE_HEADER = "X-Contactflow-Signature"
EVENT_HEADER = "X-Contactflow-Event"
DELIVERY_HEADER = "X-Contactflow-Delivery"
OUTCOMES = {"SUCCESS": "completed", "FAILURE": "failed", "CANCELED": "canceled"}
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def parse_urls(text: str) -> list[str]:
    """`WEBHOOK_URLS`: comma-separated URLs; blanks are dropped."""
    return [u.strip() for u in text.split(",") if u.strip()]


def sign(body: bytes, secret: str) -> str:
    """The signature header value: `sha256=` and the hex HMAC-SHA256 of the exact body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return hmac.compare_digest(sign(body, secret), header or "")


def build_payload(
    kind: str,
    run: dict[str, Any],
    job: dict[str, Any] | None,
    sent_at: datetime | None = None,
) -> dict[str, Any]:
    """The summary for one finished run: `event` is `<kind>.<completed|failed|canceled>`,
    `job` the import or export job row (without its options) when there is one."""
    outcome = OUTCOMES.get(str(run.get("status")), str(run.get("status", "")).lower())
    row = {k: v for k, v in (job or {}).items() if k != "options"}
    return {
        "event": f"{kind}.{outcome}",
        "delivery_id": f"{run.get('run_id')}:{kind}.{outcome}",
        "sent_at": (sent_at or datetime.now(UTC)).isoformat(),
        "kind": kind,
        "org": row.get("org") or run.get("org"),
        "module": row.get("module") or run.get("module"),
        "status": row.get("status") or outcome,
        "reason": row.get("reason") or run.get("reason"),
        "job_id": row.get("id"),
        "run": run,
        "job": row or None,
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


@dataclass(frozen=True)
class Delivery:
    """What happened to one POST: `ok` after `attempts` tries, else the last error."""

    url: str
    ok: bool
    attempts: int
    status: int | None = None
    error: str = ""


@dataclass(frozen=True)
class Notifier:
    """POSTs payloads to `urls` (default $WEBHOOK_URLS, comma-separated), signed with `secret`
    (default $WEBHOOK_SECRET). A failing endpoint is retried `attempts` times with exponential
    backoff, then given up; nothing is raised, so a notification never fails a run or a tick."""

    urls: str = ""
    secret: str = ""
    timeout_seconds: float = 3.0
    attempts: int = 3
    backoff_seconds: float = 0.5

    def endpoints(self) -> list[str]:
        return parse_urls(self.urls or os.environ.get("WEBHOOK_URLS", ""))

    def signing_secret(self) -> str:
        return self.secret or os.environ.get("WEBHOOK_SECRET", "")

    def send(self, payload: dict[str, Any]) -> list[Delivery]:
        """Deliver to every endpoint in parallel; returns one Delivery per endpoint."""
        urls = self.endpoints()
        if not urls:
            return []
        body = encode(payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "contactflow-webhook/1",
            EVENT_HEADER: str(payload.get("event", "")),
            DELIVERY_HEADER: str(payload.get("delivery_id", "")),
        }
        if secret := self.signing_secret():
            headers[SIGNATURE_HEADER] = sign(body, secret)
        with ThreadPoolExecutor(max_workers=min(len(urls), 8)) as pool:
            return list(pool.map(lambda url: self._post(url, body, headers), urls))

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> Delivery:
        if not url.startswith(("http://", "https://")):
            return Delivery(url, False, 0, error="not an http:// or https:// URL")
        status: int | None = None
        error = ""
        for attempt in range(1, max(self.attempts, 1) + 1):
            if attempt > 1:
                time.sleep(self.backoff_seconds * 2 ** (attempt - 2))
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                    return Delivery(url, True, attempt, response.status)
            except urllib.error.HTTPError as exc:
                status, error = exc.code, f"HTTP {exc.code}"
                if exc.code not in RETRY_STATUSES:
                    return Delivery(url, False, attempt, status, error)
            except (OSError, ValueError) as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
        return Delivery(url, False, max(self.attempts, 1), status, error)
