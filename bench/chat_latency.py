"""Chat latency and memory: the real server under signed Slack and Teams load, next to a floor.

    python bench/chat_latency.py [--requests 1000] [--teams-requests 300] [--concurrency 20]
        [--platform slack|teams|both] [--warmup 100] [--logs DIR]

Drives the bot's server over loopback HTTP, `concurrency` requests in flight at a time (a
closed loop: each of `concurrency` workers sends its next request when its last one is
acknowledged), and reports p50/p90/p99/max in milliseconds from sending a request to reading
the whole acknowledgement, overall and by command; requests per second; the server process's
CPU time per request (until its last answer is out); and its resident memory (VmRSS, MiB):
idle after start-up, the peak of samples every 50 ms from the warm-up to the last answer, and
after. The same load goes to a floor, and the ratios real/floor are printed. Aims (the
issue): p99 under 100 ms, p50 within 1.5 times the floor, RSS under 150 MB.

Each platform gets fresh server processes (floor, then real), Teams first: so matplotlib
loaded, a backlog of Slack answers or garbage left by one load weighs on no other figure. The
warm-up requests go first and their answers are awaited; then the measured requests; then the
bench waits for every answer. The defaults keep a run under two minutes on two cores: a Slack
acknowledgement is cheap, but each command's answer is worked on after it (the measured 1000
keep the server busy for about 45 s more), and a Teams request is a whole turn. A run that
found an error or a missing answer exits with 1.

What is real and what is not:
- real, the server under test: `samverkan serve` in a process of its own (its own GIL, its
  RSS read from /proc/<pid>/status), bound to an ephemeral loopback port, with a fresh SQLite
  database in a temporary folder, migrated and synced from the example configuration
  (examples/vastra-gotaland.toml). The scheduler ticks as in production. With `--platform
  slack` it is the `samverkan` console script unchanged, configured through the environment
  only (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, DATABASE_URL, HOST, PORT ...).
- Slack: form-encoded `/samverkan` slash commands, signed as Slack signs them (HMAC-SHA256 of
  `v0:<timestamp>:<body>` with the signing secret, as slack_sdk's `SignatureVerifier`
  checks), a mix of `status`, `möten`, `hjälp` and `mina` (there is no `nästa`; `möten` is
  "the next meetings") from the people of the example configuration who have a Slack id, in
  the Arbetsgruppen channel. The acknowledgement is
  Bolt's empty 200; the answer then goes to the request's `response_url`, which is the fake
  Slack (tests/fakes/slack_api.py); the bench checks every request got its answer there.
- Teams: message Activities (the same mix) in personal chats to `/api/messages`, each with a
  Bot Framework token signed by a local RSA key that the fake Bot Framework
  (tests/fakes/bf_connector.py) publishes as OpenID metadata and JWKS; botbuilder's own
  validation checks them. The acknowledgement comes after the turn, that is after the answer
  was posted to the fake connector. The people: the 14 of the example configuration and
  invented ones added to it (no group, Teams id only), so that no personal chat gets more
  messages than Teams allows one conversation (the server's pacer would otherwise make the
  measure one of Teams' rate limits: 8 messages in 2 s, 60 in 30 s).
- not real, for Teams only: `samverkan serve` has no setting for the Bot Framework's OpenID
  metadata address nor for the bot's own sign-in endpoint, so with Teams the server is started
  as `python bench/chat_latency.py --serve-real`, which sets the two the way the tests do
  (`ChannelValidation.open_id_metadata_endpoint`, and `tests.fakes.bf_connector.FakeSignIn` in
  place of MSAL) and then runs `bot.cli.main(["serve"])`: the same code path otherwise.
- the fakes (Slack Web API and Bot Framework) run in a third process, so their work shares
  neither the server's GIL nor the load generator's.
- the floor: the same stack with nothing behind it, in its own process (`--serve-floor`): an
  aiohttp `web.Application` under `web.run_app`, with a bare slack_bolt `AsyncApp` (same
  signing secret, same adapter functions `to_bolt_request`/`to_aiohttp_response`, same
  `process_before_response=False`, its Web API client at the same fake) whose `/samverkan`
  listener only calls `ack()`; and for Teams botbuilder's stock `CloudAdapter.process` with
  the same authentication, and a bot that answers every message with one short text.

The machine has what it has: the load generator, the server and the fakes share its cores, so
absolute figures vary from run to run (a few tens of percent); the ratios vary less. Output
holds figures only: no names, ids, tokens or message text.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.chat_servers import (  # noqa: E402
    BOT_ACCOUNT,
    BOT_TOKEN,
    COMMANDS,
    FORM,
    LEGACY_TOKEN,
    LOOPBACK,
    MS_APP_ID,
    MS_PASSWORD,
    MS_TENANT,
    SECRET_KEY,
    SETTLE,
    SIGNING_SECRET,
    SLACK_APP,
    SLACK_CHANNEL,
    SLACK_TEAM,
    Server,
    base_env,
    bench_config_text,
    cpu_seconds,
    fakes,
    hwm_mb,
    prepare_database,
    rss_mb,
    serve_floor,
    serve_real,
)

AIM_P99_MS = 100.0
AIM_P50_RATIO = 1.5
AIM_RSS_MB = 150.0
RSS_EVERY = 0.05
# Seconds to wait for every answer to arrive after the last acknowledgement.
DRAIN_LIMIT = 90.0


# --- the load --------------------------------------------------------------------------------


def command_of(number: int) -> str:
    return COMMANDS[number % len(COMMANDS)]


@dataclass
class Run:
    """One platform's load on one server: the measured requests (not the warm-up)."""

    timings: list[tuple[int, float]] = field(default_factory=list)  # (number, seconds)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    cpu_start: float = 0.0

    def quantile(self, q: float, command: str | None = None) -> float:
        """Nearest rank, in milliseconds."""

        ordered = sorted(s for n, s in self.timings if command in (None, command_of(n)))
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000

    @property
    def rate(self) -> float:
        return len(self.timings) / self.seconds if self.seconds else 0.0

    def errors(self, ok: tuple[int, ...]) -> int:
        return sum(n for s, n in self.statuses.items() if s not in ok) + sum(
            self.failures.values())


Send = Callable[[Any, int], Awaitable[int]]


async def drive(send: Send, warmup: int, requests: int, concurrency: int, pid: int,
                settle: Callable[[], object]) -> Run:
    """Warm-up, `settle()` (its answers in), then `requests` measured, `concurrency` in flight."""

    import aiohttp

    run = Run()
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def phase(first: int, count: int, measured: bool) -> None:
            numbers = iter(range(first, first + count))

            async def worker() -> None:
                for number in numbers:
                    start = time.perf_counter()
                    try:
                        status = await send(session, number)
                    except (aiohttp.ClientError, TimeoutError) as error:
                        if measured:
                            run.failures[type(error).__name__] += 1
                        continue
                    elapsed = time.perf_counter() - start
                    if measured:
                        run.statuses[status] += 1
                        run.timings.append((number, elapsed))

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        await phase(0, warmup, measured=False)
        await asyncio.to_thread(settle)
        run.cpu_start = cpu_seconds(pid)
        started = time.perf_counter()
        await phase(warmup, requests, measured=True)
        run.seconds = time.perf_counter() - started
    return run


def slack_sender(port: int, slack_api_port: int, people: list[str], prefix: str) -> Send:
    import hashlib
    import hmac

    url = f"http://{LOOPBACK}:{port}/slack/events"

    async def send(session: Any, number: int) -> int:
        body = urlencode({
            "token": LEGACY_TOKEN, "team_id": SLACK_TEAM, "team_domain": "samverkan-bench",
            "channel_id": SLACK_CHANNEL, "channel_name": "arbetsgruppen",
            "user_id": people[number % len(people)], "user_name": "bench",
            "command": "/samverkan", "text": command_of(number),
            "api_app_id": SLACK_APP, "is_enterprise_install": "false",
            "response_url": f"http://{LOOPBACK}:{slack_api_port}/respond/{prefix}{number}",
            "trigger_id": f"{number}.bench",
        })
        # Slack's signature, as slack_sdk.signature.SignatureVerifier checks it.
        timestamp = str(int(time.time()))
        digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:{body}".encode(),
                          hashlib.sha256).hexdigest()
        headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": f"v0={digest}"}
        async with session.post(url, data=body.encode(), headers=headers) as response:
            await response.read()
            return int(response.status)

    return send


def teams_sender(port: int, token: str, service_url: str, people: list[str],
                 prefix: str) -> Send:
    url = f"http://{LOOPBACK}:{port}/api/messages"
    # One token for the whole run, as Teams reuses its token until it expires.
    headers = {"Authorization": f"Bearer {token}"}

    async def send(session: Any, number: int) -> int:
        person = number % len(people)
        member = f"29:1bench-member-{person}"
        activity = {
            "type": "message", "id": f"{prefix}{number}",
            "timestamp": "2026-09-01T07:00:00.000Z", "serviceUrl": service_url,
            "channelId": "msteams",
            "from": {"id": member, "name": "Invented Person", "aadObjectId": people[person]},
            "recipient": {"id": BOT_ACCOUNT, "name": "Samverkan"}, "locale": "sv-SE",
            "conversation": {"conversationType": "personal", "tenantId": MS_TENANT,
                             "id": f"a:1personal-{member}"},
            "channelData": {"tenant": {"id": MS_TENANT}},
            "text": command_of(number), "textFormat": "plain",
        }
        async with session.post(url, json=activity, headers=headers) as response:
            await response.read()
            return int(response.status)

    return send


def ask(conn: Connection, question: tuple[str, str]) -> int:
    """A tally from the fakes' process (which must answer within 10 s)."""

    conn.send(question)
    if not conn.poll(10):
        raise SystemExit("the fakes' process does not answer")
    return int(conn.recv())


def wait_for(tally: Callable[[], int], expected: int, limit: float) -> tuple[int, float]:
    """Polls a tally until it reaches `expected` or `limit` seconds pass; (tally, seconds)."""

    start = time.monotonic()
    got = tally()
    while got < expected and time.monotonic() - start < limit:
        time.sleep(0.1)
        got = tally()
    return got, time.monotonic() - start


# --- the benchmark ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    platform: str
    requests: int
    warmup: int

    @property
    def total(self) -> int:
        return self.requests + self.warmup


@dataclass
class Memory:
    server: str
    idle: float
    peak: float
    after: float
    hwm: float


@dataclass
class Measured:
    server: str  # "floor" or "real"
    load: Load
    run: Run
    delivered: int = 0
    drain: float = 0.0
    cpu: float = 0.0  # server CPU seconds from the first measured request to the last answer
    memory: Memory | None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000,
                        help="Slack slash commands measured (default 1000)")
    parser.add_argument("--teams-requests", type=int, default=300,
                        help="Teams messages measured (default 300: each is a whole turn)")
    parser.add_argument("--concurrency", type=int, default=20, help="in flight (default 20)")
    parser.add_argument("--warmup", type=int, default=100,
                        help="Slack warm-up requests, not counted (default 100; Teams: "
                             "the same share of --teams-requests, at least --concurrency)")
    parser.add_argument("--platform", choices=("slack", "teams", "both"), default="both")
    parser.add_argument("--logs", metavar="DIR",
                        help="copy the servers' logs here (ids and counts, no message text)")
    parser.add_argument("--serve-real", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_real:
        return serve_real()
    if args.serve_floor:
        return serve_floor()
    if min(args.requests, args.teams_requests, args.concurrency) < 1 or args.warmup < 0:
        parser.error("--requests, --teams-requests and --concurrency must be positive, "
                     "--warmup not negative")
    loads = []
    # Teams first: Slack's answers are worked on after their acknowledgements, and must not
    # be still running while Teams is measured.
    if args.platform in ("teams", "both"):
        teams_warmup = max(args.concurrency, args.warmup * args.teams_requests // args.requests)
        loads.append(Load("teams", args.teams_requests, teams_warmup))
    if args.platform in ("slack", "both"):
        loads.append(Load("slack", args.requests, args.warmup))
    return bench(loads, args.concurrency, args.logs)


def bench(loads: list[Load], concurrency: int, logs_to: str | None) -> int:
    import multiprocessing

    from cryptography.hazmat.primitives import serialization

    from tests.fakes.bf_connector import FakeBotFramework, new_key

    platforms = {load.platform for load in loads}
    teams_total = sum(load.total for load in loads if load.platform == "teams")
    # At most 6 messages a personal chat in the whole run (Teams allows a bot 8 in 2 s, 60 in
    # 30 s in one conversation; the server's pacer would wait, and measure that).
    extra_people = max(0, math.ceil(teams_total / 6) - 14)
    key = new_key()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    helper = context.Process(target=fakes, args=(child, key_pem), daemon=True)
    helper.start()
    if not parent.poll(60):
        raise SystemExit("the fakes' process did not start")
    slack_api_port, bf_port = parent.recv()
    # Not started here: only its token signing (the key of the fake's JWKS) and its addresses.
    bf = FakeBotFramework(app_id=MS_APP_ID, password=MS_PASSWORD, tenant_id=MS_TENANT, key=key,
                          port=bf_port)
    measured: list[Measured] = []
    logs: dict[str, tuple[int, Counter[str]]] = {}
    runs = itertools.count()
    try:
        with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
            folder = Path(tmp)
            database_url = f"sqlite:///{folder / 'bench.db'}"
            slack_people, teams_people = prepare_database(
                database_url, bench_config_text(extra_people))
            env = base_env()
            env.update(HOST=LOOPBACK, LOG_LEVEL="INFO", DATABASE_URL=database_url,
                       PUBLIC_BASE_URL="https://samverkan.example.org", SECRET_KEY=SECRET_KEY)
            if "slack" in platforms:
                env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                           SLACK_API_URL=f"http://{LOOPBACK}:{slack_api_port}/api/")
            if "teams" in platforms:
                env.update(MICROSOFT_APP_ID=MS_APP_ID, MICROSOFT_APP_PASSWORD=MS_PASSWORD,
                           MICROSOFT_APP_TYPE="SingleTenant", MICROSOFT_APP_TENANT_ID=MS_TENANT,
                           BENCH_BF_OPENID_URL=bf.openid_url, BENCH_BF_TOKEN_URL=bf.token_url)
            script = str(Path(__file__).resolve())
            if "teams" in platforms:
                real_command = [sys.executable, script, "--serve-real"]
            else:
                real_command = [str(Path(sys.executable).parent / "samverkan"), "serve"]
            commands = {"floor": [sys.executable, script, "--serve-floor"],
                         "real": real_command}
            for load in loads:
                for label in ("floor", "real"):
                    # A fresh server for each platform: nothing one left behind (matplotlib
                    # loaded, threads busy, garbage) weighs on the other's figures.
                    floor_env = {k: v for k, v in env.items() if not (
                        (load.platform == "teams" and k.startswith("SLACK_"))
                        or (load.platform == "slack" and (k.startswith("MICROSOFT_")
                                                          or k.startswith("BENCH_BF_"))))}
                    server = Server.start(label, commands[label],
                                          env if label == "real" else floor_env, folder)
                    try:
                        measured.append(measure(server, load, concurrency, parent, bf,
                                                slack_api_port, slack_people, teams_people,
                                                f"r{next(runs)}x"))
                    finally:
                        logs[f"{label} ({load.platform})"] = server.stop()
                        if logs_to:
                            Path(logs_to).mkdir(parents=True, exist_ok=True)
                            shutil.copy(server.log_path, Path(logs_to) / (
                                f"{label}-{load.platform}.log"))
    finally:
        parent.send("stop")
        helper.join(timeout=10)
    return report(measured, logs, concurrency, extra_people)


def measure(server: Server, load: Load, concurrency: int, fakes_conn: Connection, bf: Any,
            slack_api_port: int, slack_people: list[str], teams_people: list[str],
            prefix: str) -> Measured:
    """One platform's load on one server, its answers counted, its memory read."""

    pid = server.process.pid
    if load.platform == "slack":
        send = slack_sender(server.port, slack_api_port, slack_people, prefix)
    else:
        token = bf.channel_token(service_url=bf.service_url)
        send = teams_sender(server.port, token, bf.service_url, teams_people, prefix)
    # Slack's answers go to response_url after the acknowledgement, Teams' before it; the
    # floor's Bolt answers nothing after its ack.
    counted = load.platform == "teams" or server.label == "real"

    def tally() -> int:
        return ask(fakes_conn, (load.platform, prefix)) if counted else 0

    def settle() -> None:
        if counted:
            wait_for(tally, load.warmup, DRAIN_LIMIT)

    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        # In a thread of its own, so that it samples the drain of the answers too.
        while not done.wait(RSS_EVERY):
            peak[0] = max(peak[0], rss_mb(pid) or 0.0)

    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    sampler.start()
    try:
        run = asyncio.run(drive(send, load.warmup, load.requests, concurrency, pid, settle))
        result = Measured(server.label, load, run)
        if counted:
            result.delivered, result.drain = wait_for(tally, load.total, DRAIN_LIMIT)
        result.cpu = cpu_seconds(pid) - run.cpu_start
    finally:
        done.set()
        sampler.join()
    time.sleep(SETTLE)
    result.memory = Memory(server.label, server.idle_mb, peak[0], rss_mb(pid) or 0.0,
                           hwm_mb(pid) or 0.0)
    return result


def report(measured: list[Measured], logs: dict[str, tuple[int, Counter[str]]],
           concurrency: int, extra_people: int) -> int:
    ok_status = {"slack": (200,), "teams": (200, 201)}
    labels = {("real", "slack"): "samverkan serve",
              ("floor", "slack"): "floor: aiohttp + bare Bolt, ack() only",
              ("real", "teams"): "samverkan serve",
              ("floor", "teams"): "floor: bare botbuilder, one short text"}
    by = {(m.server, m.load.platform): m for m in measured}
    platforms = [p for p in ("slack", "teams") if ("real", p) in by]
    print(f"chat latency: {concurrency} requests in flight over loopback HTTP; ms from "
          "sending a request to reading its acknowledgement")
    print("  real server: samverkan serve, SQLite, the example configuration"
          + (f" + {extra_people} invented Teams-only people" if extra_people else "")
          + f"; {os.cpu_count()} CPUs shared by server, load generator and fakes;"
          " a fresh server process for each row")
    for platform in platforms:
        real = by[("real", platform)]
        what = ("acknowledgement = Bolt's empty 200; the answer follows at response_url"
                if platform == "slack" else
                "acknowledgement = end of the turn, the answer already posted")
        print(f"  {platform}: {real.load.requests} measured after {real.load.warmup} warm-up "
              f"(and their answers); {what}")
    print(f"  command mix, in turn: {', '.join(COMMANDS)}; CPU: the server process's, per "
          "measured request, until its last answer")
    print()
    header = (f"  {'platform':<8} {'server':<40} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7} "
              f"{'req/s':>6} {'CPU ms':>6} {'errors':>6}")
    print(header)
    print("  " + "-" * (len(header) - 2))
    all_ok = True
    for platform in platforms:
        real, floor = by[("real", platform)], by.get(("floor", platform))
        for result in (real, floor):
            if result is None:
                continue
            run = result.run
            errors = run.errors(ok_status[platform])
            all_ok = all_ok and errors == 0 and len(run.timings) == result.load.requests
            slowest = max((s for _, s in run.timings), default=math.nan) * 1000
            print(f"  {platform:<8} {labels[(result.server, platform)]:<40} "
                  f"{run.quantile(0.5):7.1f} {run.quantile(0.9):7.1f} {run.quantile(0.99):7.1f} "
                  f"{slowest:7.1f} {run.rate:6.0f} "
                  f"{result.cpu * 1000 / result.load.requests:6.1f} {errors:6d}")
            if errors:
                detail = [f"HTTP {s}: {n}" for s, n in sorted(run.statuses.items())
                          if s not in ok_status[platform]]
                detail += [f"{k}: {n}" for k, n in run.failures.items()]
                print(f"  {'':<8} {'':<40} errors: {', '.join(detail)}")
        if floor is not None:
            p50 = real.run.quantile(0.5) / floor.run.quantile(0.5)
            p99 = real.run.quantile(0.99) / floor.run.quantile(0.99)
            print(f"  {platform:<8} {'ratio real / floor':<40} {p50:7.2f} {'':>7} {p99:7.2f}")
        parts = [f"{c} {real.run.quantile(0.5, c):.0f}/{real.run.quantile(0.99, c):.0f}"
                 for c in COMMANDS]
        print(f"  {platform:<8} {'samverkan serve, p50/p99 by command:':<40} "
              + ", ".join(parts))
    print()
    print(f"  {'memory (RSS, MiB)':<49} {'idle':>7} {'peak':>7} {'after':>7} {'HWM':>7}")
    for platform in platforms:
        for server in ("real", "floor"):
            result = by.get((server, platform))
            if result is None or result.memory is None:
                continue
            entry = result.memory
            print(f"  {platform:<8} {labels[(server, platform)]:<40} {entry.idle:7.1f} "
                  f"{entry.peak:7.1f} {entry.after:7.1f} {entry.hwm:7.1f}")
    print(f"  (idle: after start-up and a {SETTLE:.0f} s settle; peak: sampled every "
          f"{RSS_EVERY * 1000:.0f} ms from the warm-up to the last answer; after: "
          f"{SETTLE:.0f} s after the last answer; HWM: VmHWM)")
    print()
    for (server, platform), result in sorted(by.items()):
        if platform == "slack" and server == "floor":
            continue
        expected = result.load.total
        if platform == "slack":
            rate = result.load.requests / (result.run.seconds + result.drain)
            print(f"  slack, {server}: answers at response_url {result.delivered}/{expected}, "
                  f"the last {result.drain:.1f} s after the last acknowledgement "
                  f"({rate:.0f} answers/s)")
        else:
            print(f"  teams, {server}: turns answered at the connector "
                  f"{result.delivered}/{expected}")
        all_ok = all_ok and result.delivered == expected
    for label, (code, tally) in logs.items():
        print(f"  {label} server log: exit {code}, {tally['ERROR']} errors, "
              f"{tally['WARNING']} warnings, {tally['Traceback']} tracebacks")
        for line, count in tally.most_common():
            if " " in line:
                print(f"    {count:5d} x {line}")
    print()
    for platform in platforms:
        real, floor = by[("real", platform)], by.get(("floor", platform))
        p99 = real.run.quantile(0.99)
        line = f"  aims, {platform}: p99 {p99:.1f} ms < {AIM_P99_MS:.0f}: " + (
            "yes" if p99 < AIM_P99_MS else "NO")
        if floor is not None:
            ratio = real.run.quantile(0.5) / floor.run.quantile(0.5)
            line += f"; p50 {ratio:.2f} x the floor's <= {AIM_P50_RATIO}: " + (
                "yes" if ratio <= AIM_P50_RATIO else "NO")
        if real.memory is not None:
            line += (f"; RSS idle {real.memory.idle:.0f} MiB, peak {real.memory.peak:.0f} "
                     f"< {AIM_RSS_MB:.0f}: " + ("yes" if real.memory.peak < AIM_RSS_MB
                                                 else "NO"))
        print(line)
    print("  every request acknowledged without error and answered: "
          + ("yes" if all_ok else "NO"))
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
