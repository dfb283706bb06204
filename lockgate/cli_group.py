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


class UsageLine(click.UsageError):
    """A usage error told as lockgate's other exit-2 errors are: one line on stderr,
    `lockgate: error: ...`, pointing to the command's --help (click prints a usage block)."""

    def show(self, file=None) -> None:
        where = f" (see '{self.ctx.command_path} --help')" if self.ctx is not None else ""
        click.echo(f"lockgate: error: {self.format_message()}{where}", err=True)


def _one_line(exc: click.UsageError) -> click.UsageError:
    return exc if isinstance(exc, UsageLine) else UsageLine(exc.format_message(), exc.ctx)


class LockgateGroup(LockgateCommand, click.Group):
    """Lists its commands in the order they were added. With `no_args_is_help`, a call without
    arguments prints the help on stdout and exits 2 (click would print it on stderr). Usage
    errors (a missing argument, a bad choice, an unknown option or command) are one line."""

    command_class = LockgateCommand

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            click.echo(ctx.get_help())
            ctx.exit(2)
        return super().parse_args(ctx, args)
