"""The delivery worker: sends due webhook and email deliveries, retries, gives up after a day;
and publishes the public event feed (services/notify/feed.py) on the agencies' exchange.

Each attempt first claims its row (attempts + 1, a lease as next_attempt_at) in a transaction
of its own, so two workers never send the same row at once. If a worker dies after sending and
before recording the outcome, the lease expires and the row is sent again: receivers get the
CloudEvent id to tell such a repeat from a new event. Time comes from the injected clock.

Recovery does not wait out the back-off: one successful webhook to a subscription makes that
subscription's other waiting deliveries due at once (one success by e-mail, every waiting
e-mail), and a subscription whose deliveries all wait for a retry is probed with its earliest one
every `PROBE_INTERVAL`, so a receiver that answers again gets its backlog within seconds.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from services.notify import feed, mailer, outbound, urls, webhooks
from services.notify.config import ChannelSettings
from services.notify.digest import DigestScheduler
from services.notify.webhooks import DeliveryError
from shared.loops import BackgroundLoop
from shared.runtime import Runtime

log = logging.getLogger(__name__)

BASE_DELAY = timedelta(seconds=10)
MAX_DELAY = timedelta(hours=1)
BATCH = 50
# How often a subscription whose deliveries all wait for a retry is tried with one of them.
PROBE_INTERVAL = timedelta(seconds=5)
# Feed-only rounds start at most this often (the first after a quiet spell at once): under a
# stream of consumer commits one round publishes the feed rows of several (one select, one
# confirm wait, one update and commit for them all) instead of a round per commit.
FEED_INTERVAL_SECONDS = 0.05


class DeliveryWorker(BackgroundLoop):
    thread_name = "notify-delivery"

    def __init__(
        self,
        service: Runtime,
        channels: ChannelSettings,
        *,
        jitter: Callable[[], float] = random.random,
        resolver: urls.Resolver = urls.resolve,
    ) -> None:
        super().__init__(channels.poll_seconds)
        self.service = service
        self.platform = service.platform
        self.channels = channels
        self.jitter = jitter
        self.resolver = resolver
        self.digest = DigestScheduler(service, channels)
        self.feed = feed.feed_relay(self.platform.database, self.platform.bus, service.clock)
        self.probe_interval = PROBE_INTERVAL
        # When this worker last tried each webhook subscription (the service clock's time).
        self._tried: dict[str, datetime] = {}
        # Whether the next round looks at the deliveries (else the feed alone), and when a round
        # last did (monotonic): they are looked at on every wake but a feed-only one, and at
        # least every `poll_seconds`.
        self._deliveries_wanted = True
        self._deliveries_seen_at = 0.0
        self._feed_warmed = False
        self.feed_interval = FEED_INTERVAL_SECONDS
        self._feed_round_at = float("-inf")

    def wake(self, *_args: Any) -> None:
        self._deliveries_wanted = True
        super().wake()

    def wake_for_feed(self) -> None:
        super().wake()

    def committed(self) -> None:
        """After each commit in this process: a consumer's batch of task events usually queues
        public feed rows and no delivery, and then only the feed needs a round (one statement
        instead of three); one that queued neither needs none when that is known (an event
        handler's: `outbound.queues_marked`). Anything else, a commit that queued nothing known
        included, wakes the whole round as before."""
        written = outbound.written
        feed = getattr(written, "feed", False)
        deliveries = getattr(written, "deliveries", False)
        known = getattr(written, "known", False)
        written.feed = written.deliveries = written.known = False
        if deliveries:
            self.wake()
        elif feed:
            self.wake_for_feed()
        elif not known:
            self.wake()

    def wait_seconds(self) -> float:
        # A feed-only round does not push back the next look at the deliveries.
        return max(0.01, self.poll_seconds - (time.monotonic() - self._deliveries_seen_at))

    def run_round(self) -> None:
        if not self._deliveries_wanted:
            # A feed-only wake soon after the last round: let the commits that follow it queue
            # their rows for the same round (stopping cuts this short).
            linger = self._feed_round_at + self.feed_interval - time.monotonic()
            if linger > 0:
                self._stop.wait(linger)
        self._feed_round_at = time.monotonic()
        # The wake-ups of the commits until now are this round's: their rows are committed, so
        # the round takes them; a commit from here on wakes another round.
        self._wake.clear()
        try:
            if not self._feed_warmed:
                # Connect and declare at the first round (the relay's own warm-up), not at the
                # first public event, which would wait for it in the middle of a burst.
                self._feed_warmed = True
                self.feed.run_round()
            self.publish_feed()
        except Exception:  # a broker that is down must not hold up webhooks and email
            log.exception("publishing the public feed failed; retrying next round")
            self.feed.after_failure()
        looked = time.monotonic()
        if self._deliveries_wanted or looked - self._deliveries_seen_at >= self.poll_seconds:
            # Cleared before the reads: a wake from here on is for rows they may not see.
            self._deliveries_wanted = False
            self._deliveries_seen_at = looked
            self.run_once()

    def publish_feed(self) -> int:
        """Publish what waits for the public feed; returns how many events were published. A
        batch short of full was the last (rows committed since have woken the worker again)."""
        published = 0
        while count := self.feed.publish_pending():
            published += count
            if count < self.feed.batch_size or self.stopping:
                break
        return published

    def after_failure(self) -> None:
        self.feed.after_failure()

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        self.feed.after_failure()

    # -- one round ---------------------------------------------------------------------------
    def run_once(self) -> int:
        """Send what is due now (digests first); returns how many attempts were made."""
        now = self.service.clock.now()
        if self.channels.email_enabled:
            self.digest.tick(now)
        with self.platform.database.read() as conn:
            rows = outbound.due(conn, now, BATCH)
        attempted = sum(self._claim_and_attempt(row, now) for row in rows)
        return attempted + self._probe(now)

    def _claim_and_attempt(self, row: dict[str, Any], now: datetime) -> int:
        lease = now + timedelta(seconds=self.channels.lease_seconds)
        with self.platform.database.transaction() as conn:
            if not outbound.claim(conn, row, lease):
                return 0
        if row["channel"] == outbound.WEBHOOK:
            self._tried[row["recipient"]] = now
        self._attempt({**row, "attempts": row["attempts"] + 1}, now)
        return 1

    def _probe(self, now: datetime) -> int:
        """Try each subscription that only has deliveries waiting for a retry, with its earliest
        one, if this worker has not tried it for `probe_interval`."""
        with self.platform.database.read() as conn:
            waiting = outbound.waiting_for_retry(conn, now, outbound.WEBHOOK)
        probed = 0
        for row in waiting:
            tried = self._tried.get(row["recipient"])
            if tried is not None and now - tried < self.probe_interval:
                continue
            probed += self._claim_and_attempt(row, now)
        return probed

    def _attempt(self, row: dict[str, Any], now: datetime) -> None:
        try:
            if row["channel"] == outbound.WEBHOOK:
                self._send_webhook(row, now)
            elif row["channel"] == outbound.DOCUMENT_SYSTEM:
                self._send_status(row, now)
            else:
                mailer.send(self.channels, row["payload"])
        except (DeliveryError, urls.UnsafeUrl) as exc:
            self._failed(row, now, str(exc))
            return
        except Exception as exc:  # a bug must not stop the other deliveries
            log.exception("delivery %s raised", row["id"])
            self._failed(row, now, f"{type(exc).__name__}: {exc}")
            return
        with self.platform.database.transaction() as conn:
            outbound.settle(
                conn, row["id"], status=outbound.DELIVERED, delivered_at=now, last_error=None
            )
            # The receiver answers: what waits for it need not wait out its back-off.
            recipient = row["recipient"] if row["channel"] == outbound.WEBHOOK else None
            brought = outbound.bring_forward(conn, row["channel"], recipient, now)
        log.info("delivered %s %s", row["channel"], row["id"])
        if brought:
            log.info("%d waiting %s deliveries are due again", brought, row["channel"])
            self.wake()

    def _send_webhook(self, row: dict[str, Any], now: datetime) -> None:
        with self.platform.database.read() as conn:
            found = [
                s for s in outbound.list_subscriptions(conn, None) if s["id"] == row["recipient"]
            ]
        if not found:
            raise DeliveryError("Đăng ký đã bị xóa.")
        subscription = found[0]
        urls.check_url(
            subscription["url"], development=self.channels.webhook_loopback, resolver=self.resolver
        )
        webhooks.post(
            subscription["url"],
            row["payload"].encode("utf-8"),
            subscription["secret"],
            int(now.timestamp()),
            self.channels.webhook_timeout,
        )

    def _send_status(self, row: dict[str, Any], now: datetime) -> None:
        """A status message to the document system (Đ3.2): its EDXML, signed with its secret.
        The operator set the endpoint (https, checked at start) and it may well be on the
        province's own network: the rules for agencies' URLs (no private address) do not apply."""
        url = self.channels.qlvb_status_url or row["target"]
        secret = self.channels.qlvb_status_secret
        if not url or not secret:
            raise DeliveryError("Chưa cấu hình QLVB_STATUS_URL và QLVB_STATUS_SECRET.")
        webhooks.post(
            url,
            row["payload"].encode("utf-8"),
            secret,
            int(now.timestamp()),
            self.channels.webhook_timeout,
            content_type=webhooks.EDXML_CONTENT_TYPE,
            message_id=row["event_id"],
        )

    def _failed(self, row: dict[str, Any], now: datetime, error: str) -> None:
        expires = row["expires_at"]
        values: dict[str, Any] = {"last_error": error[:1000]}
        if now >= expires:
            values["status"] = outbound.FAILED
        else:
            values["next_attempt_at"] = min(now + self.backoff(row["attempts"]), expires)
        with self.platform.database.transaction() as conn:
            outbound.settle(conn, row["id"], **values)
        log.warning("delivery %s attempt %d failed: %s", row["id"], row["attempts"], error)

    def backoff(self, attempts: int) -> timedelta:
        """Exponential from 10 s, capped at an hour, with jitter so receivers are not stormed."""
        delay: timedelta = min(BASE_DELAY * (2 ** min(max(attempts - 1, 0), 12)), MAX_DELAY)
        return delay * (0.5 + self.jitter())
