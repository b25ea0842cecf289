"""A moto server in a child process, with the root-user model and a request log at the HTTP layer.

The server runs in its own interpreter so that the CPU time a benchmark measures in the client
process is the client's alone. The parent talks to it over a multiprocessing pipe: set a RootState
per account, read and reset the request log. Every request is logged as the server saw it:
service, action (form `Action` or `X-Amz-Target`), the access key id from the SigV4
Authorization header, and the account moto served it for (resolved from that key).
"""

import io
import logging
import multiprocessing
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qs

CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/[^/]+/([^/]+)/aws4_request")


@dataclass(frozen=True)
class LoggedRequest:
    service: str
    action: str
    access_key: str
    account: str


def _action(environ: dict[str, Any], body: bytes) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    fields = parse_qs(body.decode("utf-8", "replace")) if body else {}
    if not fields:
        fields = parse_qs(str(environ.get("QUERY_STRING", "")))
    return fields.get("Action", ["?"])[0]


class RequestLog:
    """WSGI middleware: records each AWS request before moto handles it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        match = CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        access_key, service = (match.group(1), match.group(2)) if match else ("", "?")
        result = self.app(environ, start_response)
        # Resolved after the call: an AssumeRole response creates the key it returns.
        from moto.iam.models import get_account_id_from  # noqa: PLC0415 - server process only

        entry = LoggedRequest(service, _action(environ, body), access_key, get_account_id_from(access_key))
        with self._lock:
            self.entries.append(entry)
        return result

    def drain(self) -> list[LoggedRequest]:
        with self._lock:
            entries, self.entries = self.entries, []
        return entries


def _serve(conn: Connection) -> None:
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - server process only

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request

    from rootkeys_dev.emulator import RootUserModel  # noqa: PLC0415 - server process only

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    wsgi = server._server
    assert wsgi is not None
    log = RequestLog(wsgi.app)
    wsgi.app = log
    model = RootUserModel()
    with model.install():
        host, port = server.get_host_and_port()
        conn.send(f"http://{host}:{port}")
        while True:
            command, argument = conn.recv()
            if command == "stop":
                break
            if command == "set":
                for account, state in argument.items():
                    model.set(account, state)
                conn.send(None)
            elif command == "drain":
                conn.send(log.drain())
            elif command == "calls":
                conn.send({account: list(model.state(account).calls) for account in argument})
            else:
                conn.send(ValueError(f"unknown command {command!r}"))
    server.stop()
    conn.send(None)


class MotoHost:
    """Handle on the server child process."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.endpoint: str = self._conn.recv()

    def _ask(self, command: str, argument: object = None) -> Any:
        self._conn.send((command, argument))
        answer = self._conn.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def set_states(self, states: dict[str, Any]) -> None:
        self._ask("set", states)

    def drain(self) -> list[LoggedRequest]:
        return self._ask("drain")

    def root_calls(self, accounts: list[str]) -> dict[str, list[str]]:
        return self._ask("calls", accounts)

    def close(self) -> None:
        if self._process.is_alive():
            self._ask("stop")
        self._process.join(timeout=10)
