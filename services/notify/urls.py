"""Which webhook URLs notify may call: never into the province's own network.

Checked when a subscription is made and again before every attempt, because what a name
resolves to can change after the check (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
}


class UnsafeUrl(ValueError):
    """The URL may not be called; the message is for people (Vietnamese)."""


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str, *, development: bool, resolver: Resolver = resolve) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("Địa chỉ phải bắt đầu bằng https://.")
    if parts.username or parts.password:
        raise UnsafeUrl("Địa chỉ không được chứa tên đăng nhập hoặc mật khẩu.")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("Địa chỉ thiếu tên máy chủ.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl("Cổng không hợp lệ.") from exc
    try:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
    except (OSError, ValueError) as exc:
        raise UnsafeUrl(f"Không phân giải được tên máy chủ {host}.") from exc
    if not addresses:
        raise UnsafeUrl(f"Không phân giải được tên máy chủ {host}.")
    # Development takes a receiver on this machine, over http or https; nothing else private.
    local = development and all(_unmapped(a).is_loopback for a in addresses)
    if local:
        return
    if parts.scheme != "https":
        raise UnsafeUrl("Chỉ chấp nhận địa chỉ https://.")
    for address in addresses:
        if not _public(address):
            raise UnsafeUrl(
                f"Địa chỉ {host} trỏ tới mạng nội bộ hoặc không công khai ({address}); bị từ chối."
            )


def _unmapped(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    plain = _unmapped(address)
    if plain in METADATA_ADDRESSES:
        return False
    # is_global excludes loopback, private (incl. fc00::/7), link-local, shared (100.64/10),
    # reserved and documentation ranges; multicast is checked on its own.
    return bool(plain.is_global) and not plain.is_multicast
