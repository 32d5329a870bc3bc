from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from domain.config import Config
from storage import models as m
from storage.db import is_current
from storage.repositories import StoreFactory
from storage.schema import Base
from storage.sync import sync_config


def _sync(engine: Engine, config: Config, *, commit: bool = True):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        report = sync_config(session, config)
        if commit:
            session.commit()
        else:
            session.rollback()
    return report


def test_migrations_are_current_and_match_the_models(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    assert is_current(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_first_sync_creates_everything_and_second_changes_nothing(
    engine: Engine, example_config: Config
) -> None:
    first = _sync(engine, example_config)
    assert len(first.changes["organisations"].created) == 5
    assert len(first.changes["people"].created) == len(example_config.people)
    assert sorted(first.changes["groups"].created) == [
        "arbetsgrupp", "chefsgrupp", "kf-arbetsgrupp", "vgr-arbetsgrupp",
    ]
    assert "VIP-1" in first.changes["activities"].created
    second = _sync(engine, example_config)
    assert not second.changed, second.as_dict()


def test_removed_person_and_group_are_deactivated_not_deleted(
    engine: Engine, example_config: Config
) -> None:
    _sync(engine, example_config)
    with StoreFactory(engine)() as store:
        store.audit.record("johan.wikstrom", "test.kept", "ok", "a row that refers to a person")
    removed_person = example_config.people[-1].id
    groups = tuple(
        g.model_copy(update={"members": tuple(x for x in g.members if x.person != removed_person)})
        for g in example_config.groups
        if g.id != "vgr-arbetsgrupp"
    )
    activities = tuple(a for a in example_config.plan.activities if a.group != "vgr-arbetsgrupp")
    smaller = example_config.model_copy(
        update={
            "people": tuple(p for p in example_config.people if p.id != removed_person),
            "groups": groups,
            "plan": example_config.plan.model_copy(update={"activities": activities}),
            "administrators": tuple(
                a for a in example_config.administrators if a != removed_person
            ),
        }
    )
    report = _sync(engine, smaller)
    assert report.changes["people"].deactivated == [removed_person]
    assert report.changes["groups"].deactivated == ["vgr-arbetsgrupp"]
    with Session(engine) as session:
        person = session.get(m.Person, removed_person)
        assert person is not None and person.active is False
        group = session.get(m.Group, "vgr-arbetsgrupp")
        assert group is not None and group.active is False
        assert session.scalar(select(m.AuditLog.detail)) == "a row that refers to a person"
    # Putting them back reactivates, it does not duplicate.
    back = _sync(engine, example_config)
    assert removed_person in back.changes["people"].updated
    assert "vgr-arbetsgrupp" in back.changes["groups"].updated


def test_dry_run_writes_nothing(engine: Engine, example_config: Config) -> None:
    report = _sync(engine, example_config, commit=False)
    assert report.changed
    with Session(engine) as session:
        assert session.scalars(select(m.Organisation)).all() == []


def test_changed_name_is_an_update(engine: Engine, example_config: Config) -> None:
    _sync(engine, example_config)
    renamed = example_config.model_copy(
        update={
            "organisations": tuple(
                o.model_copy(update={"short_name": "GR!"}) if o.id == "gr" else o
                for o in example_config.organisations
            )
        }
    )
    report = _sync(engine, renamed)
    assert report.changes["organisations"].updated == ["gr"]
    assert not any(v for k, v in report.changes.items() if k != "organisations")


def test_person_found_by_platform_and_email_link_is_remembered(
    synced_engine: Engine, example_config: Config
) -> None:
    person = next(p for p in example_config.people if p.slack_user_id)
    learner = next(p for p in example_config.people if not p.slack_user_id)  # Teams only
    stores = StoreFactory(synced_engine, lambda: datetime(2026, 9, 1, tzinfo=UTC))
    with stores() as store:
        found = store.people.find_by_platform("slack", person.slack_user_id or "")
        assert found is not None and found.id == person.id
        assert store.people.find_by_platform("slack", "UNOBODY") is None
        by_mail = store.people.find_by_email(person.email.upper())
        assert by_mail is not None and by_mail.id == person.id
        store.people.link_platform(learner.id, "slack", "U0LEARNED1")
    with stores() as store:
        again = store.people.find_by_platform("slack", "U0LEARNED1")
        assert again is not None and again.id == learner.id
    # A later sync keeps the learned identity while the file gives the person none on Slack.
    _sync(synced_engine, example_config)
    with stores() as store:
        assert store.people.find_by_platform("slack", "U0LEARNED1") is not None
        assert [(i.platform, i.source) for i in store.people.identities(learner.id)] == [
            ("slack", "learned"), ("teams", "config")]


def test_a_configured_id_replaces_a_learned_one_of_the_same_person_and_platform(
    synced_engine: Engine, example_config: Config
) -> None:
    learner = next(p for p in example_config.people if not p.slack_user_id)
    stores = StoreFactory(synced_engine, lambda: datetime(2026, 9, 1, tzinfo=UTC))
    with stores() as store:
        store.people.link_platform(learner.id, "slack", "U0LEARNED1")
        store.people.link_platform(learner.id, "slack", "U0LEARNED2")
    configured = example_config.model_copy(update={"people": tuple(
        p.model_copy(update={"slack_user_id": "U0SKA0099"}) if p.id == learner.id else p
        for p in example_config.people
    )})
    _sync(synced_engine, configured)
    with stores() as store:
        assert store.people.find_by_platform("slack", "U0LEARNED1") is None
        assert store.people.find_by_platform("slack", "U0LEARNED2") is None
        slack = [i for i in store.people.identities(learner.id) if i.platform == "slack"]
        assert [(i.user_id, i.source) for i in slack] == [("U0SKA0099", "config")]
    # The file naming an id that was learned for someone makes it the file's, and configured.
    with stores() as store:
        store.people.link_platform(learner.id, "slack", "U0FYR0009")
    moved = configured.model_copy(update={"people": tuple(
        p.model_copy(update={"slack_user_id": "U0FYR0009"}) if p.slack_user_id == "U0FYR0002"
        else p for p in configured.people
    )})
    _sync(synced_engine, moved)
    with stores() as store:
        owner = store.people.find_by_platform("slack", "U0FYR0009")
        assert owner is not None and owner.id == "linnea.ek"
        assert {(i.user_id, i.source) for i in store.people.identities("linnea.ek")
                if i.platform == "slack"} == {("U0FYR0009", "config")}


def test_a_failed_command_rolls_back(synced_engine: Engine) -> None:
    stores = StoreFactory(synced_engine)
    try:
        with stores() as store:
            store.audit.record(None, "test.rolled_back", "ok")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with Session(synced_engine) as session:
        assert session.scalars(select(m.AuditLog)).all() == []


def test_delivery_ids_are_first_time_only_once(synced_engine: Engine) -> None:
    stores = StoreFactory(synced_engine)
    with stores() as store:
        assert store.deliveries.first_time("slack", "Ev123") is True
    with stores() as store:
        assert store.deliveries.first_time("slack", "Ev123") is False
        assert store.deliveries.first_time("teams", "Ev123") is True
