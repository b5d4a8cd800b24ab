"""Webhook URL policy: production calls only https URLs whose host resolves to public addresses."""

from __future__ import annotations

import pytest

from services.notify.urls import UnsafeUrl, check_url


def resolving_to(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda _host, _port: list(addresses)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://hook.example.vn/x", "127.0.0.1"),  # loopback
        ("https://hook.example.vn/x", "10.0.0.7"),  # private
        ("https://hook.example.vn/x", "192.168.1.20"),  # private
        ("https://hook.example.vn/x", "169.254.10.1"),  # link-local
        ("https://hook.example.vn/x", "169.254.169.254"),  # cloud metadata
        ("https://hook.example.vn/x", "fd12:3456::1"),  # unique-local IPv6
        ("https://hook.example.vn/x", "::1"),  # IPv6 loopback
        ("https://hook.example.vn/x", "::ffff:10.0.0.1"),  # IPv4-mapped private
        ("https://hook.example.vn/x", "100.64.0.1"),  # carrier-grade NAT
    ],
)
def test_production_refuses_a_host_resolving_to_a_non_public_address(url: str, address: str):
    with pytest.raises(UnsafeUrl):
        check_url(url, development=False, resolver=resolving_to(address))


def test_production_refuses_a_host_when_any_of_its_addresses_is_private():
    with pytest.raises(UnsafeUrl):
        check_url(
            "https://hook.example.vn/x",
            development=False,
            resolver=resolving_to("203.0.113.9", "8.8.8.8", "10.0.0.1"),
        )


def test_production_refuses_plain_http_even_to_a_public_address():
    with pytest.raises(UnsafeUrl, match="https"):
        check_url("http://hook.example.vn/x", development=False, resolver=resolving_to("8.8.8.8"))


def test_production_refuses_a_loopback_receiver_that_development_accepts():
    with pytest.raises(UnsafeUrl):
        check_url("http://127.0.0.1:8080/hook", development=False)
    check_url("http://127.0.0.1:8080/hook", development=True)
    check_url("http://localhost:8080/hook", development=True)


def test_production_accepts_https_to_a_public_address():
    check_url("https://hook.example.vn/x", development=False, resolver=resolving_to("8.8.8.8"))


def test_credentials_in_the_url_and_unresolvable_hosts_are_refused():
    with pytest.raises(UnsafeUrl):
        check_url(
            "https://u:p@hook.example.vn/", development=False, resolver=resolving_to("8.8.8.8")
        )
    with pytest.raises(UnsafeUrl):
        check_url("https://nowhere.invalid/", development=False, resolver=resolving_to())


PRODUCTION_ENV = {
    "NHIEMVU_ENV": "production",
    "JWT_SECRET": "x" * 40,
    "NOTIFY_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/notify",
    "BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/",
}


def test_production_refuses_loopback_webhooks_unless_the_webhook_only_flag_is_set():
    from services.notify.config import ChannelSettings

    plain = ChannelSettings.from_env(PRODUCTION_ENV)
    assert (plain.development, plain.webhook_loopback) == (False, False)
    flagged = ChannelSettings.from_env({**PRODUCTION_ENV, "WEBHOOK_ALLOW_LOOPBACK": "1"})
    # The flag widens the webhook URL rule only: the service stays in production mode.
    assert (flagged.development, flagged.webhook_loopback, flagged.smtp_starttls) == (
        False,
        True,
        True,
    )
    assert ChannelSettings.from_env({"NHIEMVU_ENV": "development"}).webhook_loopback is True


def test_a_claimed_delivery_is_leased_for_four_timeouts_and_a_minute_unless_configured():
    from services.notify.config import ChannelSettings

    assert ChannelSettings.from_env(PRODUCTION_ENV).lease_seconds == 80.0
    configured = {**PRODUCTION_ENV, "WEBHOOK_TIMEOUT_SECONDS": "2", "DELIVERY_LEASE_SECONDS": "9"}
    assert ChannelSettings.from_env(configured).lease_seconds == 9.0
