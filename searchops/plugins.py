"""Commands contributed by other distributions or packages through entry points.

The demo (``searchops demo``, ``demo-site``, ``sem demo``) is such a contribution: its
package (``demo/``) is a test bed and test doubles, which the product packages never import.
Anyone can add commands the same way, from their own package::

    [project.entry-points."searchops.commands"]      # searchops NAME
    my-check = "my_package.cli:my_check"
    [project.entry-points."searchops.sem_commands"]  # searchops sem NAME
    my-source = "my_package.cli:my_source"
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

import click

TOP_LEVEL = "searchops.commands"
SEM = "searchops.sem_commands"


def plugins(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


def load(entry: EntryPoint) -> click.Command:
    command = entry.load()
    if not isinstance(command, click.Command):
        raise TypeError(f"entry point {entry.value} is not a click command")
    return command


class PluginGroup(click.Group):
    """A click group that also offers the commands registered under ``plugin_group``."""

    def __init__(self, *args: object, plugin_group: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.plugin_group = plugin_group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *plugins(self.plugin_group)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in (found := plugins(self.plugin_group)):
            command = load(found[cmd_name])
        return command
