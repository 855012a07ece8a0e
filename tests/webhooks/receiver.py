"""A real HTTP receiver on 127.0.0.1 for webhook tests: records requests, answers as scripted."""

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


TRICKLED_BYTES = 100


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops concurrent connections beyond it; each dropped SYN is
    # retried after a second, which would time the receiver, not Handover.
    request_queue_size = 128


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.arrived: list[str] = []  # each request's `webhook-id` as it comes, before its answer
        self.delay_seconds = 0.0  # a slower receiver, so that work is still under way
        self.trickle_seconds = 0.0  # a pause before each byte of a longer answer's body
        self.script: deque[tuple[int, dict[str, str]]] = deque()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_at_once = 0  # the most requests it was answering at one time
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.arrived.append(self.headers.get("webhook-id", ""))
                    receiver.in_flight += 1
                    receiver.most_at_once = max(receiver.most_at_once, receiver.in_flight)
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                with receiver.lock:
                    receiver.in_flight -= 1
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status, headers = receiver.script.popleft() if receiver.script else (200, {})
                answer = b"." * TRICKLED_BYTES if receiver.trickle_seconds else b"ok"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                if not receiver.trickle_seconds:
                    self.wfile.write(answer)
                    return
                try:
                    for index in range(len(answer)):
                        time.sleep(receiver.trickle_seconds)
                        self.wfile.write(answer[index : index + 1])
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender stopped listening, as it should

            def log_message(self, *args: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        """The next requests get these statuses, in order (then 200)."""
        for status in statuses:
            self.script.append((status, headers or {}))


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    # `shutdown()` waits for the serving loop's next look at its flag: every 0.5 s by default,
    # which was half a second of every webhook test's teardown.
    thread = threading.Thread(
        target=receiver.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
