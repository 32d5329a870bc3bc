"""Which group a command is about: said outright, implied by the channel, or the only one."""

from __future__ import annotations

from app.core import Context, UserError
from domain.model import GroupInfo
from domain.text import fold

GROUP_FLAGS = ("--grupp", "--group", "grupp:", "group:")


def group_named(ctx: Context, word: str) -> GroupInfo | None:
    """The active group a word names: its id, short name or name, in any case and diacritics."""

    wanted = fold(word)
    for group in ctx.store.calendar.groups():
        if wanted in (fold(group.id), fold(group.short_name), fold(group.name)):
            return group
    return None


def channel_group(ctx: Context) -> GroupInfo | None:
    """The group whose channel the command came from, on the door it came through."""

    channel = ctx.command.channel_id
    if not channel:
        return None
    return ctx.store.calendar.group_for_channel(ctx.command.platform, channel)


def take_group(
    ctx: Context, args: list[str], *, required: bool
) -> tuple[GroupInfo | None, list[str]]:
    """The group and the remaining words.

    In order: `--grupp <id>` anywhere; a first word naming a group; the group whose channel the
    command came from; the person's only group. If still unknown and `required`, the person is
    asked to choose among their groups; otherwise None means "all my groups".
    """

    group, rest = _flagged(ctx, args)
    if group is not None:
        return group, rest
    if rest:
        group = group_named(ctx, rest[0])
        if group is not None:
            return group, rest[1:]
    group = channel_group(ctx)
    if group is not None:
        return group, rest
    own = my_groups(ctx)
    if len(own) == 1:
        return own[0], rest
    if required:
        raise UserError("group.choose", choices=group_choices(ctx))
    return None, rest


def _flagged(ctx: Context, args: list[str]) -> tuple[GroupInfo | None, list[str]]:
    """`--grupp <id>` anywhere: the group (an unknown one is refused) and the other words."""

    rest = list(args)
    for index, word in enumerate(rest):
        if fold(word) in GROUP_FLAGS and index + 1 < len(rest):
            group = group_named(ctx, rest[index + 1])
            if group is None:
                raise UserError("group.unknown", group=rest[index + 1], choices=group_choices(ctx))
            del rest[index : index + 2]
            return group, rest
    return None, rest


def take_named_group(ctx: Context, args: list[str]) -> tuple[GroupInfo | None, list[str]]:
    """A group the words name anywhere, in any order: `--grupp <id>`, or a word that is a
    group's id or short name. None: no group named (the channel and memberships are not
    asked: see `take_group`)."""

    group, rest = _flagged(ctx, args)
    if group is not None:
        return group, rest
    for index, word in enumerate(rest):
        group = group_named(ctx, word)
        if group is not None:
            return group, rest[:index] + rest[index + 1:]
    return None, rest


def my_groups(ctx: Context) -> list[GroupInfo]:
    """The person's active groups, by id: the same order in every answer that lists them."""

    groups = []
    for membership in ctx.store.people.memberships(ctx.actor.id):
        group = ctx.store.calendar.group(membership.group_id)
        if group is not None:
            groups.append(group)
    return sorted(groups, key=lambda group: group.id)


def group_choices(ctx: Context, *, all_groups: bool = False) -> str:
    """The groups to choose from: the person's own (every group if none, or `all_groups`:
    an administrator changing the schedule may change any group's)."""

    groups = ctx.store.calendar.groups() if all_groups else my_groups(ctx)
    return ", ".join(f"{g.id} ({g.short_name})" for g in groups or ctx.store.calendar.groups())
