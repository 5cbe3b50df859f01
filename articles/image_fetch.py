"""Fetching one remote image without letting a feed point the server at itself.

A feed names image URLs, so a feed can name `http://169.254.169.254/` or `http://localhost:6379/`.
Before every connection (the first and each redirect hop) the host is resolved and every address
it resolves to is checked: private, loopback, link-local, multicast, reserved and unspecified
addresses are refused (`check_address`). The connection then goes to the checked address itself
(`_PinnedHTTPConnection`), never to the name again, so a second DNS answer cannot swap it
(DNS rebinding); HTTPS still verifies the certificate against the name.

Limits: connect and read time-outs and a deadline for the whole fetch, a few redirects, an image
Content-Type, and a byte budget read in chunks (the download stops as soon as it is exceeded,
whatever Content-Length said). Whether the bytes are a picture is Pillow's to say (articles/images.py).

Pure standard library and no database: `fetch(url)` returns bytes or raises `Refused` (this URL will
not give an image as it stands: do not retry) or `Failed` (it may work later: back off and retry).
`NEWSROOM_FETCH_ALLOW_HOSTS` lets listed addresses through the check: the tests' local server
on 127.0.0.1, never a production setting.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from .links import HTTP_SCHEMES

CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
USER_AGENT = "Newsroom image fetcher (+https://github.com/newsroom)"


class Refused(Exception):
    """This URL will not give an image as it stands (address, status, type, size): not retried."""


class Failed(Exception):
    """The fetch failed in a way that may pass (time-out, connection, server error): retried later."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    connect_timeout: float
    read_timeout: float
    total_timeout: float
    allowed: frozenset = frozenset()

    @classmethod
    def from_settings(cls):
        return cls(
            max_bytes=settings.NEWSROOM_FETCH_MAX_BYTES,
            connect_timeout=settings.NEWSROOM_FETCH_CONNECT_TIMEOUT,
            read_timeout=settings.NEWSROOM_FETCH_READ_TIMEOUT,
            total_timeout=settings.NEWSROOM_FETCH_TOTAL_TIMEOUT,
            allowed=frozenset(settings.NEWSROOM_FETCH_ALLOW_HOSTS),
        )


def check_address(address, allowed=frozenset()):
    """The address as an ip_address, or Refused unless it is a public unicast address (or listed in
    `allowed`). An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 one."""
    try:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])  # an IPv6 zone ("%eth0") names no host
    except ValueError:
        raise Refused(f"not an IP address: {address}") from None
    if str(ip) in allowed:
        return ip
    judged = getattr(ip, "ipv4_mapped", None) or ip
    if (
        not judged.is_global or judged.is_private or judged.is_loopback or judged.is_link_local
        or judged.is_multicast or judged.is_reserved or judged.is_unspecified
    ):
        raise Refused(f"refused address {ip} (private, loopback, link-local, multicast or reserved)")
    return ip


def resolve(host, port, allowed=frozenset()):
    """Every address `host` resolves to, each checked; Refused if any one is not public (a name that
    answers with both a public and a private address is not fetched)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Failed(f"cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise Failed(f"cannot resolve {host}")
    return [str(check_address(address, allowed)) for address in addresses]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to `address` (already checked), naming `host` in the request."""

    def __init__(self, host, port, *, address, limits):
        super().__init__(host, port, timeout=limits.connect_timeout)
        self.address, self.read_timeout = address, limits.read_timeout

    def _open(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        sock.settimeout(self.read_timeout)
        return sock

    def connect(self):
        self.sock = self._open()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `address` (already checked); the certificate is checked against `host`."""

    def __init__(self, host, port, *, address, limits):
        super().__init__(host, port, timeout=limits.connect_timeout, context=ssl.create_default_context())
        self.address, self.read_timeout = address, limits.read_timeout

    _open = _PinnedHTTPConnection._open

    def connect(self):
        self.sock = self._context.wrap_socket(self._open(), server_hostname=self.host)


def _target(url):
    """(scheme, host, port, path with query) of an http(s) URL, or Refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(f"not a valid URL: {url[:200]}") from None
    scheme = parts.scheme.lower()
    if scheme not in HTTP_SCHEMES or not parts.hostname:
        raise Refused(f"not an http(s) URL: {url[:200]}")
    if parts.username or parts.password:
        raise Refused("URL with credentials")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def _read(response, limits, deadline):
    """The body, read in chunks: Refused beyond max_bytes, Failed past the deadline."""
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise Failed(f"took longer than {limits.total_timeout:g} s")
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limits.max_bytes:
            raise Refused(f"larger than {limits.max_bytes:,} bytes")
        chunks.append(chunk)


def fetch(url, limits=None):
    """The bytes of the image at `url` (redirects followed up to MAX_REDIRECTS, each hop checked)."""
    limits = limits or Limits.from_settings()
    deadline = time.monotonic() + limits.total_timeout
    for _ in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = _target(url)
        address = resolve(host, port, limits.allowed)[0]
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        conn = connection_class(host, port, address=address, limits=limits)
        try:
            conn.request("GET", path, headers={
                "User-Agent": USER_AGENT, "Accept": ", ".join(sorted(CONTENT_TYPES)), "Accept-Encoding": "identity",
            })
            response = conn.getresponse()
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise Refused(f"HTTP {response.status} without a Location")
                url = urljoin(url, location.strip())
                continue
            if response.status == 429 or response.status >= 500:
                raise Failed(f"HTTP {response.status}")
            if response.status != 200:
                raise Refused(f"HTTP {response.status}")
            content_type = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
            if content_type not in CONTENT_TYPES:
                raise Refused(f"not an image type: {content_type[:60] or 'no Content-Type'}")
            length = response.getheader("Content-Length")
            if length and length.strip().isdigit() and int(length) > limits.max_bytes:
                raise Refused(f"larger than {limits.max_bytes:,} bytes (Content-Length {int(length):,})")
            return _read(response, limits, deadline)
        except TimeoutError:
            raise Failed("timed out") from None
        except ssl.SSLError as exc:
            raise Failed(f"TLS: {exc.reason or exc}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise Failed(f"{type(exc).__name__}: {exc}"[:200]) from None
        finally:
            conn.close()
    raise Refused(f"more than {MAX_REDIRECTS} redirects")
