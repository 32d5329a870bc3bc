"""The person's register extract (GDPR art. 15), behind a signed link.

`mina-data` (`my-data`, handlers/gdpr.py) answers, privately, with links, valid
`EXTRACT_LINK_HOURS`, to everything stored about the person who asks, as a readable document
(Markdown, Word) and as JSON. A link names that person and nobody else: whoever opens it gets
that person's extract or nothing, and only while the person is active. Every link given and
every extract fetched is in the audit log (`gdpr.extract.link`, `gdpr.extract`), without
personal data in the detail.

`samverkan gdpr export PERSON` (bot/gdpr_cli.py) builds the same files for an administrator.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

from app.core import Options
from app.i18n import Translator, translator
from app.messages import Attachment
from app.ports import Store
from domain.calendar import STOCKHOLM
from domain.document import Block, Divider, Document, Fields, Heading, Paragraph
from domain.extract_link import FORMATS, ExtractFormat, ExtractRequest, extract_key, sign, verify
from domain.report_words import local_date, slug
from domain.signed_link import LinkError, PurposeKey, Refused
from domain.updates import format_value
from reports import MEDIA_TYPES, render_document

EXTRACT_LINK_HOURS: Final = 1
EXTRACT_PATH_PREFIX: Final = "/extract/"
# The sections of an extract, in the order shown; each has a title in the catalogs.
SECTIONS: Final = (
    "chat_identities", "memberships", "representatives", "absences", "updates",
    "changes_to_other_updates",
    "decisions", "next_steps", "schedule_changes", "calendar_links", "reminders",
    "conversation_references", "audit_entries",
)


def _secret(store: Store, options: Options) -> PurposeKey:
    return extract_key(options.secret_key or store.reports.signing_key())


def extract_url(store: Store, options: Options, request: ExtractRequest) -> str:
    token = sign(request, _secret(store, options))
    return f"{options.public_base_url.rstrip('/')}{EXTRACT_PATH_PREFIX}{token}"


def open_extract(store: Store, token: str, options: Options, now: datetime
                 ) -> Attachment | Refused:
    """What `/extract/<token>` serves: the person's extract, or why not; audited."""

    try:
        request = verify(token, _secret(store, options), now)
    except LinkError as error:
        return Refused(error.problem)
    person = store.people.get(request.person_id)
    if person is None or not person.active:
        if person is not None:
            store.audit.record(person.id, "gdpr.extract", "denied", "inactive")
        return Refused("inactive")
    file = build_extract(store, translator(request.language), request.person_id,
                         request.format, now)
    if file is None:
        return Refused("inactive")
    store.audit.record(person.id, "gdpr.extract", "ok", f"{request.format} link")
    return file


def build_extract(store: Store, t: Translator, person_id: str, fmt: ExtractFormat,
                  now: datetime) -> Attachment | None:
    """The extract of one person in one format; None when there is no such person."""

    if fmt not in FORMATS:
        raise ValueError(f"no extract format {fmt!r}")
    data = store.register.extract(person_id)
    if data is None:
        return None
    name = f"{slug(t('gdpr.file'))}-{slug(person_id)}-{local_date(now).isoformat()}"
    if fmt == "json":
        body = {"generated_at": now.isoformat(), "person_id": person_id, **data}
        content = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
        return Attachment(f"{name}.json", MEDIA_TYPES[fmt], content)
    document = extract_document(t, data, now, filename=name, names=_names(store))
    return Attachment(f"{name}.{fmt}", MEDIA_TYPES[fmt], render_document(document, fmt))


def _label(t: Translator, field: str) -> str:
    key = f"gdpr.field.{field}"
    return t(key) if t.has(key) else field


# Stored codes shown in words: (section, field) → the catalog prefix of their labels. A code
# the catalog has no words for is shown as it is (never hidden).
_VALUE_LABELS: Final[dict[tuple[str, str], str]] = {
    ("person", "language"): "gdpr.value.language",
    ("chat_identities", "platform"): "gdpr.value.platform",
    ("chat_identities", "source"): "gdpr.value.source",
    ("memberships", "role"): "gdpr.value.role",
    ("representatives", "as"): "gdpr.value.as",
    ("updates", "status"): "updates.status",
    ("history", "status"): "updates.status",
    ("history", "by"): "gdpr.value.by",
    ("next_steps", "status"): "gdpr.value.step_status",
    ("schedule_changes", "kind"): "gdpr.value.change",
    ("reminders", "rule"): "gdpr.value.rule",
    ("reminders", "platform"): "gdpr.value.platform",
    ("reminders", "status"): "gdpr.value.delivery",
    ("conversation_references", "kind"): "gdpr.value.conversation",
    ("audit_entries", "action"): "gdpr.value.action",
    ("audit_entries", "outcome"): "gdpr.value.outcome",
}
# Fields holding a moment (ISO 8601 in UTC as stored): shown in Swedish local time, to the
# minute.
_MOMENTS: Final = frozenset({
    "at", "created_at", "updated_at", "recorded_at", "closed_at", "new_start", "revoked_at",
    "due_at", "finished_at", "meeting_start", "ended_at",
})


def _words(t: Translator, section: str, field: str, value: Any) -> str | None:
    """The value of a stored code or moment in words; None: shown as it is."""

    if not isinstance(value, str) or not value:
        return None
    prefix = _VALUE_LABELS.get((section, field))
    if prefix is not None:
        key = f"{prefix}.{value.replace(' ', '_')}"
        return t(key) if t.has(key) else value
    if field in _MOMENTS:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(STOCKHOLM)
        return t("gdpr.moment", date=local.date().isoformat(), time=f"{local:%H:%M}")
    return None


# Fields holding an id of something with a name (the names come from the store).
_NAMED: Final[dict[str, str]] = {
    "group": "group", "group_id": "group", "organisation": "organisation",
    "organisation_id": "organisation", "responsible_org_id": "organisation",
}
Names = dict[str, dict[str, str]]


def _value(t: Translator, value: Any, section: str = "", field: str = "",
           names: Names | None = None) -> str:
    words = _words(t, section, field, value)
    if words is not None:
        return words
    names = names or {}
    if field in _NAMED and isinstance(value, str) and value in names.get(_NAMED[field], {}):
        return names[_NAMED[field]][value]
    if field == "indicator_values" and isinstance(value, dict) and value:
        indicators = names.get("indicator", {})
        return "; ".join(f"{indicators.get(key, key)}: {_value(t, item)}"
                         for key, item in value.items())
    if value is None or value == "" or value == {} or value == []:
        return "–"
    if isinstance(value, bool):
        return t("gdpr.yes") if value else t("gdpr.no")
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_value(t, item)}" for key, item in value.items())
    if isinstance(value, list):
        return "; ".join(_value(t, item) for item in value)
    if isinstance(value, float):
        return format_value(value, t.language)
    return str(value)


def _fields(t: Translator, section: str, item: dict[str, Any], names: Names,
            skip: tuple[str, ...] = ()) -> Fields:
    return Fields(tuple(
        (_label(t, key), _value(t, value, section, key, names))
        for key, value in item.items() if key not in skip
    ))


def _names(store: Store) -> Names:
    """What the ids in an extract are called: groups, organisations, indicators."""

    activities = store.plan.activities()
    return {
        "group": {g.id: g.name for g in store.plan.groups()},
        "organisation": {o.id: o.name for o in store.plan.organisations()},
        "indicator": {i.id: i.name for a in activities for i in a.indicators},
    }


def extract_document(t: Translator, data: dict[str, Any], now: datetime, *,
                     filename: str = "registerutdrag", names: Names | None = None) -> Document:
    """The extract as a document that reads as prose: labels and values in the reader's
    language (no stored codes), times in Swedish local time to the minute."""

    names = names or {}
    person = data["person"]
    blocks: list[Block] = [
        Paragraph(t("gdpr.doc.intro")),
        Heading(t("gdpr.section.person"), 2),
        _fields(t, "person", {**{k: v for k, v in person.items() if k != "organisation"},
                              "organisation": person["organisation"]["name"]}, names),
    ]
    for section in SECTIONS:
        items: list[dict[str, Any]] = data.get(section, [])
        blocks.append(Heading(t(f"gdpr.section.{section}"), 2))
        if not items:
            blocks.append(Paragraph(t("gdpr.doc.none")))
            continue
        for item in items:
            if section == "updates":
                blocks.append(Heading(t("gdpr.doc.update", number=item["id"],
                                        activity=item["activity_code"]), 3))
                blocks.append(_fields(t, section, item, names, skip=("history",)))
                for version in item["history"]:
                    blocks.append(Heading(t("gdpr.doc.version", version=version["version"]), 4))
                    blocks.append(_fields(t, "history", version, names, skip=("version",)))
            else:
                # A group named by its name needs no second line with the same name.
                named = item.get("group") in names.get("group", {})
                blocks.append(_fields(t, section, item, names,
                                      skip=("group_name",) if named else ()))
                blocks.append(Divider())
    local = now.astimezone(STOCKHOLM)
    return Document(
        title=t("gdpr.doc.title", name=person["name"]),
        subtitle=t("gdpr.doc.subtitle", date=local.date().isoformat()),
        blocks=tuple(blocks), language=t.language, filename=filename, generated_at=now,
        subject=t("gdpr.doc.subject"),
    )
