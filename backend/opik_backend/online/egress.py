"""Where LLM-judge rules may send requests, and with which key.

The server's judge key is the operator's: it is only ever sent to an endpoint the operator
configured (``judge_base_url`` or one of ``judge_allowed_base_urls``). A rule may name one
of those in ``model.base_url``; a rule naming any other endpoint is called without the key,
and only if that endpoint's addresses are public: loopback, private, link-local (cloud
metadata), shared, multicast and reserved addresses are refused unless the operator allows
them (``judge_allow_private_network``), so a rule cannot make the backend reach the
machine's or the network's internal services. Redirects are never followed (they would
carry the request, and its key, elsewhere).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ..errors import ValidationFailed


class EgressRefused(Exception):
    """An outbound request this server will not make; the message says why."""


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """Where one judge request goes, and whether the server's key goes with it."""

    base_url: str
    with_key: bool


@dataclasses.dataclass(frozen=True)
class JudgeEndpoints:
    """The operator's judge settings."""

    default: str = ""
    allowed: tuple[str, ...] = ()
    allow_private: bool = False

    @classmethod
    def from_settings(cls, default: str, allowed: str, allow_private: bool) -> JudgeEndpoints:
        names = tuple(_normal(u) for u in allowed.split(",") if u.strip())
        return cls(_normal(default) if default else "", names, allow_private)

    def endpoint(self, rule_base_url: str | None) -> Endpoint:
        """Where a rule's judge request goes (raises :class:`EgressRefused`)."""
        if not rule_base_url:
            if not self.default:
                raise EgressRefused(
                    "no judge endpoint: the operator sets judge_base_url to an "
                    "OpenAI-compatible API"
                )
            return Endpoint(self.default, with_key=True)
        url = _normal(rule_base_url)
        if url == self.default or url in self.allowed:
            return Endpoint(url, with_key=True)
        self._check_public(url)
        return Endpoint(url, with_key=False)

    def vet(self, rule_base_url: str | None) -> None:
        """422 naming ``code.model.base_url`` if a rule's endpoint would be refused."""
        if not rule_base_url:
            return
        try:
            self.endpoint(rule_base_url)
        except EgressRefused as exc:
            raise ValidationFailed(f"code.model.base_url: {exc}") from None

    def _check_public(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EgressRefused(f"{url!r} is not an http(s) URL")
        if self.allow_private:
            return
        for address in _addresses(parts.hostname, parts.port):
            if not address.is_global:
                raise EgressRefused(
                    f"{parts.hostname} is {address}, an internal address: judges are only "
                    "called on public addresses unless the operator configures the endpoint "
                    "(judge_allowed_base_urls) or allows judge_allow_private_network"
                )


def _normal(url: str) -> str:
    return url.strip().rstrip("/")


def _addresses(host: str, port: int | None) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise EgressRefused(f"cannot resolve {host}: {exc}") from None
    found = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).partition("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        found.append(address)
    return found


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:  # noqa: ARG002
        return None  # the 3xx surfaces as an HTTPError


_opener = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float) -> bytes:
    """POST ``body`` to ``url`` (no redirects); the answer's body, or an OSError."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        raise OSError(f"HTTP {exc.code} {exc.reason}") from None
