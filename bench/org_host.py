"""The emulated organization (rootkeys_dev.org_emulator) on a moto server in a child process.

The child builds the organization over HTTP with `build_organization`, gives every member the
root state its kind calls for, denies AssumeRoot for the chosen members, and then adds a fixed
latency to every AWS request in a WSGI wrapper in front of moto (real AWS answers in tens of
milliseconds; the local server in well under one, which would leave concurrency nothing to
overlap). The benchmark process's CPU is then the client's alone. Over a pipe the parent can
start a run (request log cleared, sessions counted from here), collect the run's requests and
sessions, and ask whether any issued credential appears in some text: the secrets never leave
the child.
"""

import logging
import multiprocessing
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from .org_audit_checks import IssuedSession, ServedRequest, leaked_credentials
from .org_audit_fleet import Kind, MemberPlan


class Latency:
    """WSGI middleware: every AWS request waits `seconds` before moto answers it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.seconds = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.seconds and not str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
            time.sleep(self.seconds)
        return self.app(environ, start_response)


@dataclass(frozen=True)
class BuiltOrganization:
    endpoint: str
    management_account_id: str
    members: dict[str, MemberPlan]  # account id -> plan
    key_ids: dict[str, list[str]]  # account id -> its root's access key ids


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Server:
    """Runs in the child: the model, the server and the answers to the parent's commands."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - child process only

        from rootkeys_dev.org_emulator import OrgRootModel  # noqa: PLC0415 - child process only

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        wsgi = self.server._server
        assert wsgi is not None
        self.latency = Latency(wsgi.app)
        wsgi.app = self.latency
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.model = OrgRootModel()
        self._before: set[str] = set()
        self._cpu_at_begin = 0.0

    def build(self, plans: list[MemberPlan]) -> BuiltOrganization:
        from rootkeys_dev.org_setup import MemberSpec, build_organization  # noqa: PLC0415

        from .org_audit_fleet import management_state, root_state  # noqa: PLC0415

        specs = [
            MemberSpec(plan.name, state="SUSPENDED" if plan.kind is Kind.SUSPENDED else "ACTIVE")
            for plan in plans
        ]
        org = build_organization(self.endpoint, self.model, specs)
        members = {account: plan for account, plan in zip(org.member_ids, plans, strict=True)}
        key_ids = {}
        for account, plan in members.items():
            state = self.model.set_root(account, root_state(plan.kind))
            key_ids[account] = [str(key.access_key_id) for key in state.keys]
            if plan.kind is Kind.ASSUME_ROOT_DENIED:
                self.model.deny_assume_root(account)
        self.model.set_root(org.management_account_id, management_state())
        self.model.clear_requests()
        return BuiltOrganization(self.endpoint, org.management_account_id, members, key_ids)

    def begin(self) -> None:
        self.model.clear_requests()
        self._before = {session.access_key_id for session in self.model.sessions()}
        self._cpu_at_begin = _cpu_seconds()

    def collect(self) -> tuple[list[ServedRequest], list[IssuedSession], float]:
        """The run's requests, the root sessions issued in it, and the server's CPU seconds."""
        requests = [
            ServedRequest(entry.service, entry.action, entry.access_key, entry.account, entry.status)
            for entry in self.model.requests()
        ]
        sessions = [
            IssuedSession(session.access_key_id, session.account_id)
            for session in self.model.sessions()
            if session.access_key_id not in self._before
        ]
        return requests, sessions, _cpu_seconds() - self._cpu_at_begin

    def leaks(self, texts: list[str]) -> list[str]:
        """Every credential any root session was issued (this run or earlier), searched for."""
        secrets = {}
        for session in self.model.sessions():
            for field in ("access_key_id", "secret_access_key", "session_token"):
                secrets[f"{field} of a root session for {session.account_id}"] = getattr(session, field)
        return leaked_credentials(texts, secrets)

    def answer(self, command: str, argument: Any) -> Any:
        if command == "build":
            return self.build(argument)
        if command == "latency":
            self.latency.seconds = float(argument)
            return None
        if command == "begin":
            return self.begin()
        if command == "collect":
            return self.collect()
        if command == "leaks":
            return self.leaks(argument)
        return ValueError(f"unknown command {command!r}")


def _serve(conn: Connection) -> None:
    server = _Server()
    with server.model.install():
        conn.send(server.endpoint)
        while True:
            command, argument = conn.recv()
            if command == "stop":
                break
            try:
                conn.send(server.answer(command, argument))
            except Exception as error:  # the parent raises it; the server keeps running
                conn.send(RuntimeError(f"{command}: {type(error).__name__}: {error}"))
    server.server.stop()
    conn.send(None)


class OrgHost:
    """Handle on the child process serving the emulated organization."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.endpoint: str = self._receive()

    def _receive(self) -> Any:
        # A child that died (import error, crash) would otherwise leave the parent waiting forever.
        while not self._conn.poll(1.0):
            if not self._process.is_alive():
                raise RuntimeError(f"the organization server exited with code {self._process.exitcode}")
        return self._conn.recv()

    def _ask(self, command: str, argument: object = None) -> Any:
        self._conn.send((command, argument))
        answer = self._receive()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def build(self, plans: list[MemberPlan]) -> BuiltOrganization:
        return self._ask("build", plans)

    def set_latency(self, seconds: float) -> None:
        self._ask("latency", seconds)

    def begin_run(self) -> None:
        self._ask("begin")

    def collect_run(self) -> tuple[list[ServedRequest], list[IssuedSession], float]:
        return self._ask("collect")

    def leaks(self, texts: list[str]) -> list[str]:
        return self._ask("leaks", texts)

    def close(self) -> None:
        if self._process.is_alive():
            self._ask("stop")
        self._process.join(timeout=10)
