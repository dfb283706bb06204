"""The click classes of the `lockgate` command and its groups (registry, quarantine)."""

from __future__ import annotations

import inspect

import click


class LockgateCommand(click.Command):
    def get_short_help_str(self, limit: int = 45) -> str:
        """A group's command list shows the first paragraph of the help whole (click would cut it
        at the first sentence or `limit` characters)."""
        if self.short_help or not self.help:
            return super().get_short_help_str(limit)
        return inspect.cleandoc(self.help).split("\n\n")[0]


class LockgateGroup(LockgateCommand, click.Group):
    """Lists its commands in the order they were added. With `no_args_is_help`, a call without
    arguments prints the help on stdout and exits 2 (click would print it on stderr)."""

    command_class = LockgateCommand

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            click.echo(ctx.get_help())
            ctx.exit(2)
        return super().parse_args(ctx, args)
