"""The database stops answering: how soon each door says so, and /readyz.

    python bench/database_down.py [--repeat 5] [--burst 20] [--postgres URL | --no-postgres]

The real server, `samverkan serve` in a process of its own (as `bench/chat_latency.py` starts
it: `--serve-real`, Slack and Teams both configured, the scheduler ticking, the example
configuration), on an ephemeral loopback port; the fakes of Slack's Web API and of the Bot
Framework (tests/fakes/) in this process. One request at a time, `--repeat` times each:

- Slack: a signed `/samverkan rapportera VIP-1 pågår …` slash command from Linnéa Ek: seconds
  from sending it until the answer arrived at its response_url;
- Teams: the same words in her 1:1 chat: seconds until the answer reached the connector, and
  until the turn ended (the HTTP response to the Activity);
- `GET /readyz`: seconds until its answer, and the status.

Then `--burst` Slack commands sent at once: the slowest answer (chat during an outage).
Each answer's text is checked: the catalog's "the database is not answering, nothing was
saved" during an outage, a stored report before it; and no update may be stored during one.

Outages, each held throughout its measurements:
- sqlite locked: another connection holds the SQLite file's write lock (`BEGIN IMMEDIATE`);
- postgresql locked: another connection holds `LOCK TABLE people, update_versions,
  conversation_references IN ACCESS EXCLUSIVE MODE` (the server reaches the database,
  but cannot read who is writing nor write);
- postgresql down: the server reaches PostgreSQL through a TCP relay in this process; the relay
  stops listening and resets every connection (as when the server goes down: refused). A host
  that drops packets instead is not measured here: each unit of work then waits libpq's
  connect_timeout (2 s, `storage.db.SERVING`).

PostgreSQL: `--postgres` (default postgresql://postgres@127.0.0.1:5432/test), in a schema
`bench_down` made afresh. Figures are seconds; the aims (issue 15): an answer within 5 s,
/readyz within 2 s. Output holds figures only: no names, ids or message text.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.chat_servers import (  # noqa: E402
    BOT_ACCOUNT,
    BOT_TOKEN,
    EXAMPLE,
    FORM,
    LEGACY_TOKEN,
    LOOPBACK,
    MS_APP_ID,
    MS_PASSWORD,
    MS_TENANT,
    SECRET_KEY,
    SIGNING_SECRET,
    SLACK_APP,
    SLACK_CHANNEL,
    SLACK_TEAM,
    Server,
    base_env,
    free_port,
    prepare_database,
)

LINNEA_SLACK = "U0FYR0002"
LINNEA_TEAMS = "00000000-0000-4000-8000-000000000202"
LINNEA_MEMBER = "29:1linnea-ek"
REPORT = "rapportera VIP-1 pågår Utbildningsdag genomförd"
LOCKED_TABLES = "people, update_versions, conversation_references"
SCHEMA = "bench_down"
AIM_ANSWER = 5.0
AIM_READY = 2.0
WAIT = 60.0  # seconds any one answer is waited for


# --- a TCP relay that can be cut ---------------------------------------------------------------


class Relay:
    """Forwards a loopback port to PostgreSQL; `cut()` closes it and every connection through
    it, as a database server that went down; `resume()` listens again on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def resume(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._open = self._open, set()
        # shutdown before close: a thread blocked in accept() or recv() on a socket keeps it
        # open through a close() alone (and the relay would go on listening and relaying).
        for sock in ([listener] if listener is not None else []) + list(connections):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            try:
                end.close()
            except OSError:
                pass


# --- one request of each kind ---------------------------------------------------------------


@dataclass
class Figures:
    slack: list[float] = field(default_factory=list)
    teams_answer: list[float] = field(default_factory=list)
    teams_turn: list[float] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)
    ready_status: set[int] = field(default_factory=set)
    burst: float = 0.0
    wrong: int = 0  # answers missing or not the expected text


class Driver:
    def __init__(self, port: int, slack: Any, bf: Any) -> None:
        self.base = f"http://{LOOPBACK}:{port}"
        self.slack = slack
        self.bf = bf
        self.token = bf.channel_token(service_url=bf.service_url)
        self._n = 0

    def next_id(self) -> str:
        self._n += 1
        return f"{int(time.time())}{self._n:04d}"

    async def slack_command(self, session: Any, text: str) -> tuple[float, str]:
        name = f"down-{self.next_id()}"
        body = urlencode({
            "token": LEGACY_TOKEN, "team_id": SLACK_TEAM, "team_domain": "samverkan-bench",
            "channel_id": SLACK_CHANNEL, "channel_name": "arbetsgruppen",
            "user_id": LINNEA_SLACK, "user_name": "bench", "command": "/samverkan",
            "text": text, "api_app_id": SLACK_APP, "is_enterprise_install": "false",
            "response_url": self.slack.response_url(name), "trigger_id": f"{name}.trigger",
        })
        timestamp = str(int(time.time()))
        digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:{body}".encode(),
                          hashlib.sha256).hexdigest()
        headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": f"v0={digest}"}
        start = time.monotonic()
        async with session.post(f"{self.base}/slack/events", data=body.encode(),
                                headers=headers) as response:
            await response.read()
        while not self.slack.responses(name):
            if time.monotonic() - start > WAIT:
                return float("inf"), ""
            await asyncio.sleep(0.005)
        seconds = time.monotonic() - start
        answer = self.slack.responses(name)[0].body
        return seconds, str(answer.get("text", "")) + _texts(answer.get("blocks"))

    async def teams_message(self, session: Any, text: str) -> tuple[float, float, str]:
        activity_id = self.next_id()
        activity = {
            "type": "message", "id": activity_id, "timestamp": "2026-09-01T07:00:00.000Z",
            "serviceUrl": self.bf.service_url, "channelId": "msteams",
            "from": {"id": LINNEA_MEMBER, "name": "Invented Person",
                     "aadObjectId": LINNEA_TEAMS},
            "recipient": {"id": BOT_ACCOUNT, "name": "Samverkan"}, "locale": "sv-SE",
            "conversation": {"conversationType": "personal", "tenantId": MS_TENANT,
                             "id": f"a:1personal-{LINNEA_MEMBER}"},
            "channelData": {"tenant": {"id": MS_TENANT}}, "text": text, "textFormat": "plain",
        }
        start = time.monotonic()
        async with session.post(f"{self.base}/api/messages", json=activity,
                                headers={"Authorization": f"Bearer {self.token}"}) as response:
            await response.read()
        turn = time.monotonic() - start
        replies = [c for c in self.bf.calls_of("reply", ok=True) if c.activity_id == activity_id]
        if not replies:
            return float("inf"), turn, ""
        return replies[0].at - start, turn, replies[0].text

    async def readyz(self, session: Any) -> tuple[float, int]:
        start = time.monotonic()
        async with session.get(f"{self.base}/readyz") as response:
            await response.read()
            return time.monotonic() - start, response.status


def _texts(blocks: Any) -> str:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(found)


async def measure(driver: Driver, repeat: int, burst: int, expect: Callable[[str], bool]
                  ) -> Figures:
    import aiohttp

    figures = Figures()
    timeout = aiohttp.ClientTimeout(total=WAIT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for _ in range(repeat):
            seconds, text = await driver.slack_command(session, REPORT)
            figures.slack.append(seconds)
            figures.wrong += not expect(text)
            answer, turn, text = await driver.teams_message(session, REPORT)
            figures.teams_answer.append(answer)
            figures.teams_turn.append(turn)
            figures.wrong += not expect(text)
            seconds, status = await driver.readyz(session)
            figures.ready.append(seconds)
            figures.ready_status.add(status)
        if burst:
            answers = await asyncio.gather(*(driver.slack_command(session, REPORT)
                                             for _ in range(burst)))
            figures.burst = max(seconds for seconds, _ in answers)
            figures.wrong += sum(not expect(text) for _, text in answers)
    return figures


# --- the outages ------------------------------------------------------------------------------


@contextmanager
def sqlite_locked(path: Path) -> Iterator[None]:
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def postgres_locked(url: str) -> Iterator[None]:
    from sqlalchemy import create_engine, text

    from storage.db import normalise_url

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            connection.execute(text(f"LOCK TABLE {LOCKED_TABLES} IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                connection.rollback()
    finally:
        engine.dispose()


@contextmanager
def relay_cut(relay: Relay) -> Iterator[None]:
    relay.cut()
    try:
        yield
    finally:
        relay.resume()


def updates_stored(url: str) -> int:
    from sqlalchemy import create_engine, text

    from storage.db import normalise_url

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT count(*) FROM updates")) or 0)
    finally:
        engine.dispose()


@dataclass
class Row:
    label: str
    figures: Figures
    stored_during: int


def run_server(label: str, env: dict[str, str], folder: Path, driver_of: Callable[[int], Driver],
               outages: list[tuple[str, Callable[[], Any]]], direct_url: str, repeat: int,
               burst: int, unavailable: str) -> list[Row]:
    command = [sys.executable, str(ROOT / "bench" / "chat_latency.py"), "--serve-real"]
    server = Server.start(label, command, env, folder)
    rows = []
    try:
        driver = driver_of(server.port)
        figures = asyncio.run(measure(driver, repeat, 0, lambda text: "sparad" in text))
        rows.append(Row(f"{label}, answering", figures, 0))
        for name, outage in outages:
            before = updates_stored(direct_url)
            with outage():
                figures = asyncio.run(measure(driver, repeat, burst,
                                              lambda text: unavailable in text))
            rows.append(Row(f"{label}, {name}", figures, updates_stored(direct_url) - before))
    finally:
        code, tally = server.stop()
    print(f"  {label} server log: exit {code}, {tally['ERROR']} errors, {tally['WARNING']} "
          f"warnings, {tally['Traceback']} tracebacks", file=sys.stderr)
    for line, count in tally.most_common():
        if " " in line:
            print(f"    {count:5d} x {line}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="requests of each kind (5)")
    parser.add_argument("--burst", type=int, default=20,
                        help="Slack commands sent at once during each outage (20; 0: none)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.i18n import translator
    from storage.db import normalise_url
    from tests.fakes.bf_connector import FakeBotFramework
    from tests.fakes.slack_api import FakeSlackApi

    unavailable = translator("sv")("error.store_unavailable")
    slack = FakeSlackApi(bot_token=BOT_TOKEN).start()
    bf = FakeBotFramework(app_id=MS_APP_ID, password=MS_PASSWORD, tenant_id=MS_TENANT).start()
    config_text = EXAMPLE.read_text("utf-8")
    env = base_env()
    env.update(HOST=LOOPBACK, LOG_LEVEL="WARNING", PUBLIC_BASE_URL="https://samverkan.example.org",
               SECRET_KEY=SECRET_KEY, SLACK_BOT_TOKEN=BOT_TOKEN,
               SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.base_url,
               MICROSOFT_APP_ID=MS_APP_ID, MICROSOFT_APP_PASSWORD=MS_PASSWORD,
               MICROSOFT_APP_TYPE="SingleTenant", MICROSOFT_APP_TENANT_ID=MS_TENANT,
               BENCH_BF_OPENID_URL=bf.openid_url, BENCH_BF_TOKEN_URL=bf.token_url)
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="samverkan-down-") as tmp:
            folder = Path(tmp)
            database = folder / "bench.db"
            url = f"sqlite:///{database}"
            prepare_database(url, config_text)
            rows += run_server(
                "sqlite", {**env, "DATABASE_URL": url}, folder,
                lambda port: Driver(port, slack, bf),
                [("locked", lambda: sqlite_locked(database))], url, args.repeat, args.burst,
                unavailable)
            if not args.no_postgres:
                admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                    connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
                try:
                    direct = make_url(normalise_url(args.postgres)).update_query_dict(
                        {"options": f"-csearch_path={SCHEMA}"})
                    prepare_database(direct.render_as_string(hide_password=False), config_text)
                    relay = Relay((direct.host or LOOPBACK, direct.port or 5432))
                    relay.resume()
                    through = direct.set(host=LOOPBACK, port=relay.port)
                    rows += run_server(
                        "postgresql",
                        {**env, "DATABASE_URL": through.render_as_string(hide_password=False)},
                        folder, lambda port: Driver(port, slack, bf),
                        [("locked", lambda: postgres_locked(
                            direct.render_as_string(hide_password=False))),
                         ("down", lambda: relay_cut(relay))],
                        direct.render_as_string(hide_password=False), args.repeat, args.burst,
                        unavailable)
                    relay.cut()
                finally:
                    with admin.connect() as connection:
                        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                    admin.dispose()
    finally:
        slack.stop()
        bf.stop()
    return report(rows, args.repeat, args.burst)


def report(rows: list[Row], repeat: int, burst: int) -> int:
    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):5.2f} {max(values):5.2f}"

    print(f"database outages: seconds, median and max of {repeat} requests one at a time; "
          f"burst: the slowest of {burst} Slack commands sent at once")
    header = (f"  {'server, database':<24} {'slack answer':>12} {'teams answer':>12} "
              f"{'teams turn':>12} {'readyz':>12} {'status':>7} {'burst':>6} {'wrong':>5} "
              f"{'stored':>6}")
    print(header)
    print("  " + "-" * (len(header) - 2))
    ok = True
    for row in rows:
        f = row.figures
        statuses = "/".join(str(s) for s in sorted(f.ready_status))
        burst_text = f"{f.burst:6.2f}" if f.burst else f"{'-':>6}"
        print(f"  {row.label:<24} {spread(f.slack):>12} {spread(f.teams_answer):>12} "
              f"{spread(f.teams_turn):>12} {spread(f.ready):>12} {statuses:>7} {burst_text} "
              f"{f.wrong:5d} {row.stored_during:6d}")
        outage = not row.label.endswith("answering")
        ok = ok and f.wrong == 0 and (not outage or row.stored_during == 0)
        if outage:
            ok = ok and max(f.slack + f.teams_answer) <= AIM_ANSWER
            ok = ok and (("locked" in row.label and "postgresql" in row.label)
                         or max(f.ready) <= AIM_READY)
    print(f"  aims: every answer the expected text, nothing stored during an outage, one at a "
          f"time each answer within {AIM_ANSWER:.0f} s and /readyz within {AIM_READY:.0f} s "
          "(a PostgreSQL table lock is no outage for /readyz): " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
