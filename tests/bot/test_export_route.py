"""`GET /export/<token>` and `GET /extract/<token>` on a real aiohttp server at 127.0.0.1
(ephemeral port).

The links come from the chat (`export …`, `mina-data` through the dispatcher); each report
format is downloaded and opened with its own library. A tampered link is 403, an expired one
410, and one whose person is no longer active 403; a link of one kind is 403 at the other's
address.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from docx import Document as open_docx
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.messages import Command
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web import create_app
from domain.config import Config
from storage import models as m
from storage.sync import sync_config
from tests.conftest import FixedClock

LOOPBACK = "127.0.0.1"
NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, example_config: Config,
            clock: FixedClock) -> Iterator[Runtime]:
    settings = Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                        public_base_url="https://bot.example.org/")
    runtime = build_runtime(settings, clock=clock)
    with Session(runtime.engine) as session:
        sync_config(session, example_config)
        session.commit()
    for at, text in ((datetime(2026, 6, 20, 8, tzinfo=UTC),
                      "rapportera VIP-1 pågår =HYPERLINK(\"http://x.invalid\") två planer"),
                     (datetime(2026, 8, 24, 8, tzinfo=UTC),
                      "rapportera SP-1 risk Samordnare saknas")):
        clock.now = at
        reply = runtime.dispatcher.handle(Command("console", "linnea.ek", text))
        assert not reply.is_error, reply.plain_text()
    clock.now = NOW
    yield runtime
    runtime.close()


def link(runtime: Runtime, words: str, person: str = "linnea.ek", kind: str = "export") -> str:
    reply = runtime.dispatcher.handle(Command("console", person, words))
    found = re.search(rf"https://bot\.example\.org/{kind}/(\S+)", reply.plain_text())
    assert found is not None, reply.plain_text()
    return f"/{kind}/" + found.group(1)


def fetch(runtime: Runtime, *paths: str) -> list[tuple[int, dict[str, str], bytes]]:
    async def scenario() -> list[tuple[int, dict[str, str], bytes]]:
        server = TestServer(create_app(runtime, with_scheduler=False), host=LOOPBACK, port=0)
        async with TestClient(server) as client:
            assert server.host == LOOPBACK and server.port
            out = []
            for path in paths:
                response = await client.get(path)
                out.append((response.status, dict(response.headers), await response.read()))
            return out

    return asyncio.run(scenario())


def test_every_format_downloads_through_its_signed_link(runtime: Runtime) -> None:
    paths = [
        link(runtime, "export status docx"),
        link(runtime, "export status xlsx"),
        link(runtime, "export uppdateringar csv"),
        link(runtime, "export status png"),
        link(runtime, "export sammanfattning md arbetsgrupp"),
        link(runtime, "export uppdateringar json"),
    ]
    docx, xlsx, csv_file, png, md, json_file = fetch(runtime, *paths)

    status, headers, body = docx
    assert status == 200
    assert headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument."
                                              "wordprocessingml.document")
    assert headers["Content-Disposition"] == (
        'attachment; filename="status-handlingsplan-2026-09-01.docx"')
    assert headers["Cache-Control"] == "private, no-store"
    document = open_docx(io.BytesIO(body))
    assert document.paragraphs[0].text == "Handlingsplanens status"
    assert any("VIP-1" in c.text for row in document.tables[1].rows for c in row.cells)

    status, headers, body = xlsx
    assert status == 200 and "filename=\"status-handlingsplan-2026-09-01.xlsx\"" in headers[
        "Content-Disposition"]
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames[0] == "Alla" and "Suicidprevention" in book.sheetnames

    status, headers, body = csv_file
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3
    assert any(cell.startswith("'=HYPERLINK") for cell in rows[1])

    status, headers, body = png
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(body)).size == (1200, 380)

    status, headers, body = md
    assert status == 200 and headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert body.decode("utf-8").startswith("# Inför mötet tis 8 sep 2026")

    status, headers, body = json_file
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert b'"rows"' in body
    # Each download is in the audit log, committed with the request's unit of work.
    with Session(runtime.engine) as session:
        downloads = session.scalars(
            select(m.AuditLog.detail).where(m.AuditLog.action == "reports.download",
                                            m.AuditLog.actor_id == "linnea.ek",
                                            m.AuditLog.outcome == "ok")
            .order_by(m.AuditLog.id)
        ).all()
    assert downloads == ["status docx", "status xlsx", "updates csv", "status png",
                         "summary md arbetsgrupp", "updates json"]


def test_a_tampered_link_is_403_and_an_expired_one_410(runtime: Runtime,
                                                       clock: FixedClock) -> None:
    good = link(runtime, "export status md")
    payload, signature = good.removeprefix("/export/").split(".")
    flipped = ("A" if payload[5] != "A" else "B")
    tampered = f"/export/{payload[:5]}{flipped}{payload[6:]}.{signature}"
    forged = f"/export/{payload}.{'A' * len(signature)}"
    results = fetch(runtime, good, tampered, forged, "/export/" + "x" * 40)
    assert [status for status, _, _ in results] == [200, 403, 403, 403]
    assert "Länken är ogiltig" in results[1][2].decode("utf-8")
    clock.now = NOW + timedelta(hours=24, seconds=1)
    [(status, _, body)] = fetch(runtime, good)
    assert status == 410 and "gått ut" in body.decode("utf-8")


def test_the_link_lives_as_long_as_the_setting_says(runtime: Runtime,
                                                    clock: FixedClock) -> None:
    path = link(runtime, "export status md")
    clock.now = NOW + timedelta(hours=23, minutes=59)
    assert fetch(runtime, path)[0][0] == 200


def test_a_person_no_longer_active_gets_nothing(runtime: Runtime) -> None:
    path = link(runtime, "export status csv")
    with Session(runtime.engine) as session:
        session.execute(update(m.Person).where(m.Person.id == "linnea.ek").values(active=False))
        session.commit()
    [(status, _, body)] = fetch(runtime, path)
    assert status == 403 and b"Samordnare" not in body


def test_an_extract_link_gives_the_extract_until_it_expires(runtime: Runtime,
                                                           clock: FixedClock) -> None:
    good = link(runtime, "mina-data", kind="extract")
    report = link(runtime, "export status md")
    payload, signature = good.removeprefix("/extract/").split(".")
    forged = f"/extract/{payload}.{'A' * len(signature)}"
    as_report = "/extract/" + report.removeprefix("/export/")
    as_extract = "/export/" + good.removeprefix("/extract/")
    results = fetch(runtime, good, forged, as_report, as_extract)
    assert [status for status, _, _ in results] == [200, 403, 403, 403]
    status, headers, body = results[0]
    assert headers["Content-Disposition"].startswith('attachment; filename="')
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["Content-Type"].startswith("text/markdown; charset=utf-8")
    assert "registerutdraget är ogiltig" in results[1][2].decode("utf-8")
    assert "Länken är ogiltig" in results[3][2].decode("utf-8")
    clock.now = NOW + timedelta(hours=1, seconds=1)
    [(status, _, body)] = fetch(runtime, good)
    assert status == 410 and "registerutdraget har gått ut" in body.decode("utf-8")
