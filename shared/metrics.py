"""Prometheus metrics of every service, labelled by service (one process may hold all four)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "nhiemvu_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
REQUEST_LATENCY = Histogram(
    "nhiemvu_http_request_seconds", "HTTP request latency", ["service", "route"]
)
EVENTS_CONSUMED = Counter(
    "nhiemvu_events_consumed_total", "Events taken from the bus", ["service", "type", "outcome"]
)
EVENTS_PUBLISHED = Counter(
    "nhiemvu_events_published_total", "Events published from the outbox", ["service"]
)
DEAD_LETTERS = Counter(
    "nhiemvu_dead_letters_total", "Messages a consumer dead-lettered", ["service", "type"]
)
