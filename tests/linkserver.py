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

Counters: ``requests`` (Counter of "METHOD path"), ``total``, ``peak_inflight``,
``body_bytes_sent`` (bytes of /huge bodies actually written), ``huge_completed``.  ``url(path)`` builds a URL.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
    ) -> None:
        self.host = host
        self.slow_s = slow_s
        self.delay_s = delay_s
        self.retry_after = retry_after
        self.huge_bytes = huge_bytes
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

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
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

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

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
        with self.lock:
            self.requests[f"{h.command} {path}"] += 1
            self.total += 1
            self.inflight += 1
            self.peak_inflight = max(self.peak_inflight, self.inflight)
        try:
            self._behave(h, path, head)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True
        finally:
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
            if head:
                h.wfile.write(b"0\r\n\r\n")
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
        return self._send(h, 404, b"<html><body>not found</body></html>\n", head=head)
