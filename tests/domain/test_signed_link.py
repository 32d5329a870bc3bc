"""The signed links (`domain.signed_link`) as both kinds use them: reports and extracts.

The report link's own cases (tampering, expiry, malformed tokens) are in test_report.py; here,
what the shared mechanism promises across purposes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import export_link, extract_link
from domain.signed_link import LinkError, purpose_key, sign, verify

SECRET = "one installation secret"
NOW = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(hours=1)
REPORT = export_link.ExportRequest("status", "json", "linnea.ek", "sv", EXPIRES)
EXTRACT = extract_link.ExtractRequest("linnea.ek", "json", "sv", EXPIRES)


def test_each_kind_verifies_to_what_was_signed() -> None:
    report_key = export_link.link_key(SECRET)
    extract_key = extract_link.extract_key(SECRET)
    assert export_link.verify(export_link.sign(REPORT, report_key), report_key, NOW) == REPORT
    assert extract_link.verify(
        extract_link.sign(EXTRACT, extract_key), extract_key, NOW) == EXTRACT


def test_a_link_of_one_purpose_is_refused_as_the_other() -> None:
    # Same secret, same person: only the purpose differs, and that is enough.
    report_token = export_link.sign(REPORT, export_link.link_key(SECRET))
    extract_token = extract_link.sign(EXTRACT, extract_link.extract_key(SECRET))
    with pytest.raises(LinkError) as caught:
        extract_link.verify(report_token, extract_link.extract_key(SECRET), NOW)
    assert caught.value.problem == "signature"
    with pytest.raises(LinkError) as caught:
        export_link.verify(extract_token, export_link.link_key(SECRET), NOW)
    assert caught.value.problem == "signature"


def test_an_extract_link_expires() -> None:
    key = extract_link.extract_key(SECRET)
    token = extract_link.sign(EXTRACT, key)
    assert extract_link.verify(token, key, EXPIRES - timedelta(seconds=1)) == EXTRACT
    with pytest.raises(LinkError) as caught:
        extract_link.verify(token, key, EXPIRES)
    assert caught.value.problem == "expired"


def test_fields_the_reader_refuses_are_malformed_even_when_expired() -> None:
    # The payload is judged before the expiry, as the module's docstring says.
    key = purpose_key(SECRET, b"a test purpose")
    token = sign({"k": "something else"}, NOW - timedelta(hours=1), key)

    def refuse(_fields: object, _expires: datetime) -> None:
        raise ValueError("not ours")

    with pytest.raises(LinkError) as caught:
        verify(token, key, NOW, refuse)
    assert caught.value.problem == "malformed"
