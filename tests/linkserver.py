"""A scripted local web server for the link-check tests (every linkfarm behaviour, on loopback).

``LinkServer(host="127.0.0.1")`` binds a free port on a loopback address and serves, by path:

    /page/ID              200 HTML: passage(ID) in <p id="passage">, ids top/passage/sec-1..3,
                          <a name="name-anchor">
    /changed/ID           200 HTML like /page/ID but the passage reworded (content check fails)
    /redirect/K/ID        K hops (301/302/307/308 in turn; odd hops path-only Location,
                          even hops absolute) ending at /page/ID
    /loop/ID/J            302 to /loop/ID/(1-J) forever
    /status/CODE/ID       that status with a small HTML body
    /ratelimit/ID         429 + "Retry-After: N" (seconds left, N >= 1) until ``retry_after`` s
                          after the first request for that path, then the page
    /ratelimit-date/ID    same, with Retry-After as an HTTP date
    /always429/ID         429 + Retry-After: 3600 forever
    /cookiegate/ID        302 to itself with Set-Cookie until the request carries the cookie, then the page
    /unavailable/ID       503 + Retry-After (seconds) inside the window, then the page
    /ratelimit-bare/ID    429 without Retry-After inside the window, then the page
    /headlies/ID          404 on HEAD, the page on GET
    /slow/ID              answers after ``slow_s`` seconds
    /delay/ID             answers after ``delay_s`` seconds (to measure concurrency)
    /nohead/ID            405 on HEAD, the page on GET
    /cp1251/ID            the page in windows-1251, declared only in <meta charset>, with a
                          Cyrillic passage (passage_cyr(ID))
    /huge/ID.bin          ``huge_bytes`` of application/octet-stream, chunked (no Content-Length)
    /hugehtml/ID          ``huge_bytes`` of text/html without the anchors, chunked
    /trickle-head/ID      the status line and headers one byte every ``trickle_s`` seconds
    /trickle-body/ID      headers at once, then the body one byte every ``trickle_s`` seconds
                          (both stop after ``trickle_max_s`` or when the client hangs up)
    /cut-headers/ID       "HTTP/1.1 200 OK" and one header, then the connection is closed
    /bad-status/ID        a status line that is not HTTP ("0"), then the connection is closed
    /truncated/ID         Content-Length larger than the body sent, then the connection closed
    /chunk-cut/ID         a chunked HTML body cut off before its last chunk
    /bad-gzip/ID          Content-Encoding: gzip with a body that is not gzip
    /retry-garbage/ID     503 with "Retry-After: soon"
    /hook/NAME            runs ``hooks[NAME]()`` first, then answers like /page/NAME
    /goto/ID?to=URL       302 to URL (any URL: another host, a refused address, ...)

As a forward proxy (``proxy=True``): a request in absolute form (``GET http://host:port/path``)
is counted in ``proxied`` (the absolute URLs) and answered from ``/path`` as above; ``CONNECT
host:port`` (counted as ``"CONNECT host:port"``) opens a tunnel to host:port (resolved in this
process, so through ``FakeDNS``; bounded to 30 s).  With
``tls=(certfile, keyfile)`` it serves HTTPS and records the SNI names it was asked for in
``sni_names``; ``host_headers`` records every ``Host`` header.

Counters: ``requests`` (Counter of "METHOD path"), ``total``, ``peak_inflight``,
``body_bytes_sent`` (bytes of /huge bodies actually written), ``huge_completed``.  ``url(path)`` builds a URL.

Also here, for tests that must not reach any other machine: ``FakeDNS`` (replaces
``socket.getaddrinfo`` in this process with scripted answers; no query leaves the machine) and
``connects`` (every ``socket.connect`` of this process is recorded, and one to an address outside
127.0.0.0/8 and ::1 is blocked before any packet is sent).  And what several test files of the link
check share: ``urls_file`` (a URL list of server paths) and ``linkcheck_cmd`` (the command line of
``sphinx-karabakh linkcheck`` for a subprocess).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import random
import select
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

WORDS = [
    "amber",
    "basalt",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "granite",
    "harbor",
    "island",
    "juniper",
    "kestrel",
    "lagoon",
]
REDIRECT_CODES = [301, 302, 307, 308]
FILLER = "This paragraph is filler so that anchors sit a few kilobytes into the document. " * 12


def passage(pid: str) -> str:
    rng = random.Random(hashlib.sha256(pid.encode()).hexdigest())
    return f"Passage {pid}: " + " ".join(rng.choice(WORDS) for _ in range(16)) + "."


def passage_cyr(pid: str) -> str:
    return f"Отрывок {pid}: миротворцы останутся в Карабахе на пять лет."


def page_html(pid: str, text: str | None = None) -> bytes:
    sec = "\n".join(f'<h2 id="sec-{k}">Section {k}</h2>\n<p>{FILLER}</p>' for k in (1, 2, 3))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Page {pid}</title><style>p {{ color: black }}</style>"
        "<script>var hidden = 'not text';</script></head>\n<body>\n"
        f'<h1 id="top">Page {pid}</h1>\n'
        f'<p id="passage">{text if text is not None else passage(pid)}</p>\n{sec}\n'
        '<p><a name="name-anchor">A named anchor.</a></p>\n</body></html>\n'
    ).encode()


def urls_file(tmp_path: Path, server: LinkServer, paths: list[str]) -> Path:
    """``tmp_path/urls.txt``: one URL of ``server`` per line, one per path."""
    f = tmp_path / "urls.txt"
    f.write_text("".join(server.url(p) + "\n" for p in paths))
    return f


def linkcheck_cmd(*args: str) -> list[str]:
    """``sphinx-karabakh linkcheck ARGS`` as a subprocess runs it (this interpreter)."""
    return [sys.executable, "-m", "sphinx_karabakh", "linkcheck", *args]


# --------------------------------------------------------------------------- no network but loopback


def _loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return ip.is_loopback


class ConnectLog:
    """Every ``socket.connect`` target of this process (``(host, port)``), in order.

    An audit hook (installed once, on import) records each connect; a connect to an address
    outside 127.0.0.0/8 and ::1 is refused with ``PermissionError`` before the system call, so a
    test that goes wrong fails instead of sending a packet anywhere.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.targets: list[tuple[str, int]] = []
        self.blocked: list[tuple[str, int]] = []

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "socket.connect":
            return
        address = args[1]
        if not isinstance(address, tuple) or not address or not isinstance(address[0], str):
            return  # a Unix socket
        target = (address[0], int(address[1]))
        with self._lock:
            self.targets.append(target)
            if not _loopback(target[0]):
                self.blocked.append(target)
                raise PermissionError(f"test guard: connect to {target[0]}:{target[1]} blocked")

    def mark(self) -> int:
        """A position in the log; ``since(mark)`` gives the connects after it."""
        with self._lock:
            return len(self.targets)

    def since(self, mark: int) -> list[tuple[str, int]]:
        with self._lock:
            return list(self.targets[mark:])


connects = ConnectLog()
sys.addaudithook(connects.hook)


class FakeDNS:
    """Replace ``socket.getaddrinfo`` in this process with scripted answers.

    ``FakeDNS({"rebind.test": [["127.0.0.1"], ["169.254.169.254"]]})``: the first look-up of
    ``rebind.test`` answers 127.0.0.1, every later one 169.254.169.254 (the last answer repeats).
    A numeric host (``127.0.0.1``, ``2852039166``, ``::a9fe:a9fe``) goes to the real resolver with
    ``AI_NUMERICHOST``, which never sends a query; any other name fails as unknown.  ``calls``
    counts look-ups per name.  Use as a context manager.
    """

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = {k.lower(): v for k, v in answers.items()}
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._real = socket.getaddrinfo

    def getaddrinfo(
        self,
        host: Any,
        port: Any,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        key = name.lower().rstrip(".")
        with self._lock:
            self.calls[key] += 1
            n = self.calls[key]
        if key not in self.answers:
            return self._real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        script = self.answers[key]
        ips = script[min(n, len(script)) - 1]
        if not ips:
            raise socket.gaierror(socket.EAI_NONAME, f"fake DNS: no answer for {name}")
        portnum = int(port or 0) if not isinstance(port, str) or port.isdigit() else 0
        out = []
        for ip in ips:
            if ":" in ip:
                if family not in (0, socket.AF_INET6):
                    continue
                out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, portnum, 0, 0)))
            else:
                if family not in (0, socket.AF_INET):
                    continue
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, portnum)))
        return out

    def __enter__(self) -> FakeDNS:
        socket.getaddrinfo = self.getaddrinfo  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        socket.getaddrinfo = self._real


# --------------------------------------------------------------------------- the server


class LinkServer:
    """Start with ``start()`` (or as a context manager); ``stop()`` shuts it down."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        slow_s: float = 3.0,
        delay_s: float = 0.15,
        retry_after: float = 1.0,
        huge_bytes: int = 20 * 1024 * 1024,
        trickle_s: float = 0.1,
        trickle_max_s: float = 10.0,
        proxy: bool = False,
        tls: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.slow_s = slow_s
        self.delay_s = delay_s
        self.retry_after = retry_after
        self.huge_bytes = huge_bytes
        self.trickle_s = trickle_s
        self.trickle_max_s = trickle_max_s
        self.proxy = proxy
        self.scheme = "https" if tls else "http"
        self.hooks: dict[str, Callable[[], None]] = {}
        self.lock = threading.Lock()
        self.reset()
        self._stop_event = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_HEAD(self) -> None:
                server._handle(self, head=True)

            def do_GET(self) -> None:
                server._handle(self, head=False)

            def do_CONNECT(self) -> None:
                server._tunnel(self)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)

            def sni(sock: ssl.SSLSocket, name: str | None, _ctx: ssl.SSLContext) -> None:
                with self.lock:
                    self.sni_names.append(name)

            ctx.sni_callback = sni
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def reset(self) -> None:
        with self.lock:
            self.requests: Counter = Counter()
            self.total = 0
            self.inflight = 0
            self.peak_inflight = 0
            self.body_bytes_sent = 0
            self.huge_completed = 0  # huge bodies sent to the end
            self.rl_first: dict[str, float] = {}
            self.proxied: list[str] = []
            self.sni_names: list[str | None] = []
            self.host_headers: list[str] = []

    def url(self, path: str, host: str | None = None) -> str:
        """A URL of this server; ``host`` puts another name (e.g. one of FakeDNS) in it."""
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def start(self) -> LinkServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LinkServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, path: str) -> int:
        """Requests (any method) seen for a path."""
        return sum(n for k, n in self.requests.items() if k.split(" ", 1)[1] == path)

    # ------------------------------------------------------------------ behaviours

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: bytes = b"",
        ctype: str = "text/html; charset=utf-8",
        head: bool = False,
        extra: dict | None = None,
    ) -> None:
        self._answered(h)
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if not head and body:
            h.wfile.write(body)

    def _handle(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        path = h.path.split("?", 1)[0]
        if self.proxy and "://" in path:  # a forward proxy's absolute-form request
            with self.lock:
                self.proxied.append(h.path)
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        with self.lock:
            self.host_headers.append(h.headers.get("Host", ""))
            self.requests[f"{h.command} {path}"] += 1
            self.total += 1
            self.inflight += 1
            self.peak_inflight = max(self.peak_inflight, self.inflight)
        h._inflight = True  # type: ignore[attr-defined]
        try:
            if path.startswith("/goto/"):
                from urllib.parse import parse_qs, urlsplit

                to = parse_qs(urlsplit(h.path).query).get("to", ["/"])[0]
                return self._send(h, 302, b"moved\n", "text/plain", head, {"Location": to})
            self._behave(h, path, head)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True
        finally:
            self._answered(h)

    def _answered(self, h: BaseHTTPRequestHandler) -> None:
        """The request is no longer in flight once its answer starts: a client that has the
        answer must never see the server still counting it (that would overcount the peak)."""
        if getattr(h, "_inflight", False):
            h._inflight = False  # type: ignore[attr-defined]
            with self.lock:
                self.inflight -= 1

    def _behave(self, h: BaseHTTPRequestHandler, path: str, head: bool) -> None:
        parts = [p for p in path.split("/") if p]
        kind = parts[0] if parts else ""
        if kind == "page" and len(parts) == 2:
            return self._send(h, 200, page_html(parts[1]), head=head)
        if kind == "changed" and len(parts) == 2:
            return self._send(
                h,
                200,
                page_html(parts[1], "This page now says something else entirely."),
                head=head,
            )
        if kind == "redirect" and len(parts) == 3 and parts[1].isdigit():
            k, pid = int(parts[1]), parts[2]
            target = f"/redirect/{k - 1}/{pid}" if k > 1 else f"/page/{pid}"
            code = REDIRECT_CODES[(int(hashlib.sha256(pid.encode()).hexdigest(), 16) + k) % 4]
            loc = target if k % 2 else self.url(target)
            return self._send(h, code, b"moved\n", "text/plain", head, {"Location": loc})
        if kind in ("permanent", "temporary") and len(parts) == 2:
            code = 301 if kind == "permanent" else 302
            return self._send(
                h, code, b"moved\n", "text/plain", head, {"Location": f"/page/{parts[1]}"}
            )
        if kind == "loop" and len(parts) == 3:
            nxt = "1" if parts[2] == "0" else "0"
            return self._send(
                h, 302, b"moved\n", "text/plain", head, {"Location": f"/loop/{parts[1]}/{nxt}"}
            )
        if kind == "status" and len(parts) == 3 and parts[1].isdigit():
            code = int(parts[1])
            return self._send(
                h, code, f"<html><body><h1>{code}</h1></body></html>\n".encode(), head=head
            )
        if (
            kind in ("ratelimit", "ratelimit-date", "unavailable", "ratelimit-bare")
            and len(parts) == 2
        ):
            with self.lock:
                first = self.rl_first.setdefault(path, time.monotonic())
            left = first + self.retry_after - time.monotonic()
            if left > 0:
                if kind == "ratelimit-date":
                    ra = formatdate(time.time() + max(1, math.ceil(left)), usegmt=True)
                else:
                    ra = str(max(1, math.ceil(left)))
                code = 503 if kind == "unavailable" else 429
                extra = {} if kind == "ratelimit-bare" else {"Retry-After": ra}
                return self._send(h, code, b"try later\n", "text/plain", head, extra)
            return self._send(h, 200, page_html(parts[1]), head=head)
        if (
            kind == "cookiegate" and len(parts) == 2
        ):  # 302 to itself setting a cookie, then the page
            if f"gate={parts[1]}" in (h.headers.get("Cookie") or ""):
                return self._send(h, 200, page_html(parts[1]), head=head)
            return self._send(
                h,
                302,
                b"moved\n",
                "text/plain",
                head,
                {"Location": path, "Set-Cookie": f"gate={parts[1]}; Path=/"},
            )
        if kind == "always429":
            return self._send(
                h, 429, b"too many requests\n", "text/plain", head, {"Retry-After": "3600"}
            )
        if kind == "slow" and len(parts) == 2:
            self._stop_event.wait(self.slow_s)
            return self._send(h, 200, page_html(parts[1]), head=head)
        if kind == "delay" and len(parts) == 2:
            time.sleep(self.delay_s)
            return self._send(h, 200, page_html(parts[1]), head=head)
        if kind == "cp1251" and len(parts) == 2:
            body = (
                page_html(parts[1], passage_cyr(parts[1]))
                .decode()
                .replace('<meta charset="utf-8">', '<meta charset="windows-1251">')
                .encode("cp1251")
            )
            return self._send(h, 200, body, "text/html", head=head)
        if kind == "headlies" and len(parts) == 2:
            if head:
                return self._send(h, 404, b"", "text/plain", True)
            return self._send(h, 200, page_html(parts[1]))
        if kind == "nohead" and len(parts) == 2:
            if head:
                return self._send(h, 405, b"", "text/plain", True, {"Allow": "GET"})
            return self._send(h, 200, page_html(parts[1]))
        if kind in ("huge", "hugehtml") and len(parts) == 2:
            ctype = "application/octet-stream" if kind == "huge" else "text/html; charset=utf-8"
            h.send_response(200)
            h.send_header("Content-Type", ctype)
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            if head:  # a HEAD answer has no body, not even the last chunk
                return None
            chunk = (b"<p>huge body " + b"x" * 240 + b"</p>\n") * 256  # ~64 KiB
            left = self.huge_bytes
            while left > 0:
                piece = chunk[: min(left, len(chunk))]
                h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                with self.lock:
                    self.body_bytes_sent += len(piece)
                left -= len(piece)
            h.wfile.write(b"0\r\n\r\n")
            with self.lock:
                self.huge_completed += 1
            return None
        if kind in ("trickle-head", "trickle-body") and len(parts) == 2:
            return self._trickle(h, page_html(parts[1]), head, headers_too=kind == "trickle-head")
        if kind == "bad-status" and len(parts) == 2:
            h.wfile.write(b"0\r\n\r\n")
            h.close_connection = True
            return None
        if kind == "cut-headers" and len(parts) == 2:
            h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            h.wfile.flush()
            h.close_connection = True
            return None
        if kind == "truncated" and len(parts) == 2:
            body = page_html(parts[1])
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(body) + 5000))
            h.end_headers()
            if not head:
                h.wfile.write(body[: len(body) // 2])
            h.close_connection = True
            return None
        if kind == "chunk-cut" and len(parts) == 2:
            body = page_html(parts[1])
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            if head:  # a HEAD answer has no body, not even the last chunk
                return None
            half = body[: len(body) // 2]
            h.wfile.write(f"{len(half):x}\r\n".encode() + half + b"\r\n")
            h.wfile.write(b"4000\r\n" + b"x" * 100)  # announces 16 KiB, sends 100 bytes, hangs up
            h.close_connection = True
            return None
        if kind == "bad-gzip" and len(parts) == 2:
            return self._send(
                h,
                200,
                b"this is not gzip at all" * 20,
                head=head,
                extra={"Content-Encoding": "gzip"},
            )
        if kind == "retry-garbage" and len(parts) == 2:
            return self._send(h, 503, b"busy\n", "text/plain", head, {"Retry-After": "soon, maybe"})
        if kind == "hook" and len(parts) == 2:
            self.hooks[parts[1]]()
            return self._send(h, 200, page_html(parts[1]), head=head)
        return self._send(h, 404, b"<html><body>not found</body></html>\n", head=head)

    def _tunnel(self, h: BaseHTTPRequestHandler) -> None:
        """A proxy's CONNECT: relay bytes both ways until one side closes (at most 30 s)."""
        h.close_connection = True
        if not self.proxy:
            return self._send(h, 405, b"not a proxy\n", "text/plain")
        with self.lock:
            self.proxied.append(f"CONNECT {h.path}")
        name, _, port = h.path.rpartition(":")
        try:
            upstream = socket.create_connection((name.strip("[]"), int(port)), timeout=5)
        except (OSError, ValueError):
            return self._send(h, 502, b"cannot connect\n", "text/plain")
        h.send_response(200, "Connection established")
        h.end_headers()
        ends = [h.connection, upstream]
        end = time.monotonic() + 30
        try:
            while time.monotonic() < end and not self._stop_event.is_set():
                ready, _, _ = select.select(ends, [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return None
                    (upstream if sock is h.connection else h.connection).sendall(data)
        except OSError:
            return None
        finally:
            upstream.close()
        return None

    def _trickle(
        self, h: BaseHTTPRequestHandler, body: bytes, head: bool, *, headers_too: bool
    ) -> None:
        """Send an answer a byte at a time (bounded: ``trickle_max_s``, or the client hangs up)."""
        header = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        h.close_connection = True
        end = time.monotonic() + self.trickle_max_s
        if not headers_too:
            h.wfile.write(header)
            h.wfile.flush()
            header = b""
        data = header + (b"" if head else body)
        for i in range(len(data)):
            if self._stop_event.wait(self.trickle_s) or time.monotonic() > end:
                return
            try:
                h.wfile.write(data[i : i + 1])
                h.wfile.flush()
            except OSError:
                return  # the client gave up
