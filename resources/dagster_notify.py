"""The Dagster resource that hands the webhook notifier to the run-status sensors."""

from __future__ import annotations

from typing import Any

import dagster as dg

from resources.notify import Delivery, Notifier


class NotifierResource(dg.ConfigurableResource):
    """The webhook endpoints (`resources.notify.Notifier`) as Dagster configuration: empty
    `urls` and `secret` mean $WEBHOOK_URLS and $WEBHOOK_SECRET."""

    urls: str = ""
    secret: str = ""
    timeout_seconds: float = 3.0
    attempts: int = 3
    backoff_seconds: float = 0.5

    def notifier(self) -> Notifier:
        return Notifier(
            self.urls, self.secret, self.timeout_seconds, self.attempts, self.backoff_seconds
        )

    def send(self, payload: dict[str, Any]) -> list[Delivery]:
        return self.notifier().send(payload)
