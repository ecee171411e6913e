"""Who is asking, from where: the client IP (proxy-aware), user agent and request id."""

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request

from app.core.dependencies import SettingsDep
from app.core.middleware import get_request_id

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class RequestContext:
    ip_address: str | None
    user_agent: str | None
    request_id: str
    # The URL the client called the service at, e.g. `http://127.0.0.1:8000`.
    base_url: str


@lru_cache(maxsize=8)
def _networks(trusted_proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in trusted_proxies)


def _parse_ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _is_trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    ip = _parse_ip(address)
    return ip is not None and any(ip in network for network in networks)


def is_within(address: str, networks: list[str]) -> bool:
    """Is `address` inside one of `networks` (IPs or CIDRs)?"""
    return _is_trusted(address, _networks(tuple(networks)))


def client_ip(request: Request, trusted_proxies: list[str]) -> str | None:
    """The socket's peer, or, behind trusted proxies, the first untrusted `X-Forwarded-For` hop.

    Walking from the right means a client cannot spoof its address by sending
    its own `X-Forwarded-For`: only what trusted proxies appended is believed.
    """
    peer = request.client.host if request.client else None
    networks = _networks(tuple(trusted_proxies))
    if peer is None or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _is_trusted(hop, networks):
            return hop if _parse_ip(hop) is not None else peer
    return peer


async def get_request_context(request: Request, settings: SettingsDep) -> RequestContext:
    user_agent = request.headers.get("user-agent")
    return RequestContext(
        ip_address=client_ip(request, settings.trusted_proxies),
        user_agent=user_agent[:255] if user_agent else None,
        request_id=get_request_id(request.scope),
        base_url=str(request.base_url).rstrip("/"),
    )


RequestContextDep = Annotated[RequestContext, Depends(get_request_context)]
