"""The ``searchops`` command line.

Commands live beside the code they drive (``seo_crawler/cli.py``,
``audits/cli.py``, ...) and are imported only when used, so ``searchops --help``
is instant and one stage's missing optional dependency never breaks another.

Exit codes (DESIGN.md): 0 ok; 1 findings at or above ``--fail-on`` or a failed
check; 2 usage or runtime error, one line on stderr (a traceback only with
``--debug``).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from searchops import __version__, plugins
from searchops.console import configure_logging, set_quiet
from searchops.errors import USAGE_OR_RUNTIME_ERROR, SearchopsError, exit_status
from searchops.settings import LoadedSettings, load_settings

# The workspace (DuckDB + pandas, ~100 MB) is imported when a command opens it: `searchops
# crawl` is the parent of the crawler process, and its RSS counts in the crawl's budget.
if TYPE_CHECKING:
    from searchops.workspace import Workspace

DEFAULT_WORKSPACE = Path("searchops.duckdb")  # searchops.workspace.DEFAULT_WORKSPACE

# name -> "module:attribute" of a click command or group.
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("seo_crawler.cli:crawl", "Crawl a catalog site into a run folder."),
    "vitals": ("seo_crawler.vitals.cli:vitals", "Measure lab Core Web Vitals in Chromium."),
    "audit": ("audits.cli:audit", "Audit a run folder; compare with a baseline."),
    "rules": ("audits.cli:rules", "List the audit rules."),
    "sem": ("sem.cli:sem", "Pull, import and model SEM campaign data."),
    "bid": ("bidding.cli:bid", "Recommend and apply keyword bids."),
    "coverage": ("bidding.cli:coverage", "Find catalog products worth adding to paid search."),
    "report": ("reports.cli:report", "Write the weekly HTML report."),
    "merchant": ("merchant.cli:merchant", "Import Merchant Center product feeds."),
    "products": (
        "merchant.completeness:products",
        "Products customers cannot judge, the most valuable first.",
    ),
    "ai-access": (
        "seo_crawler.ai_access_cli:ai_access",
        "What each search and AI crawler may fetch, and what it gets.",
    ),
}


@dataclass
class AppContext:
    """What every command gets through ``click.pass_obj``."""

    workspace: Path
    config_file: Path | None
    debug: bool
    _base: LoadedSettings | None = field(default=None, repr=False)

    def settings(self, overrides: dict[str, Any] | None = None) -> LoadedSettings:
        """Defaults < project file < ``overrides`` (the command's flags), validated."""
        if overrides:
            return load_settings(config_file=self.config_file, overrides=overrides)
        if self._base is None:
            self._base = load_settings(config_file=self.config_file)
        return self._base

    def open_workspace(self, read_only: bool = False) -> Workspace:
        from searchops.workspace import Workspace

        return Workspace(
            self.workspace, read_only=read_only, lock=self.settings().settings.workspace
        )


class LazyGroup(click.Group):
    """The stages' commands, imported on use, plus those other packages register (the demo)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *sorted(set(plugins.plugins(plugins.TOP_LEVEL)) - set(COMMANDS))]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            found = plugins.plugins(plugins.TOP_LEVEL)
            return plugins.load(found[cmd_name]) if cmd_name in found else None
        target, _ = COMMANDS[cmd_name]
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            raise SearchopsError(f"'{cmd_name}' is not available: {exc}") from None
        command: click.Command = getattr(module, attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help without importing every stage: the short help is kept in COMMANDS.
        rows = [(name, help_text) for name, (_, help_text) in COMMANDS.items()]
        for name in self.list_commands(ctx)[len(COMMANDS) :]:
            command = self.get_command(ctx, name)
            rows.append((name, command.get_short_help_str(80) if command else ""))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="searchops")
@click.option(
    "--workspace",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SEARCHOPS_WORKSPACE",
    help="DuckDB workspace file (default ./searchops.duckdb; env SEARCHOPS_WORKSPACE).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Settings file (default: ./searchops.toml or [tool.searchops] in ./pyproject.toml).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and library debug logs.")
@click.option("-v", "--verbose", is_flag=True, help="Log progress messages.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.pass_context
def cli(
    ctx: click.Context,
    workspace: Path | None,
    config_file: Path | None,
    debug: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """SEO/SEM audit and bid optimization for large catalog sites.

    \b
    Typical week:
      searchops crawl https://www.example.ca/ --sitemap https://www.example.ca/sitemap.xml
      searchops vitals --from runs/crawl-...
      searchops audit runs/crawl-... --baseline last --fail-on error
      searchops sem pull --customer-id 1234567890 --since 2026-01-01 --until 2026-03-31
      searchops bid recommend --budget 5000 --target-roas 4
      searchops report weekly --out weekly.html

    Try it all on the bundled demo site: searchops demo
    """
    configure_logging(debug=debug, verbose=verbose)
    set_quiet(quiet)
    ctx.obj = AppContext(
        workspace=workspace or DEFAULT_WORKSPACE, config_file=config_file, debug=debug
    )
    # Validate the configuration before any work starts, so a typo in searchops.toml fails
    # fast with file and key, whatever the command -- but never stand in the way of --help.
    remaining = [*getattr(ctx, "protected_args", []), *ctx.args]
    if not {"-h", "--help"} & set(remaining):
        ctx.obj.settings()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every way it can fail ends in one line on stderr and exit 2
    (:func:`searchops.errors.exit_status`, shared with the crawler process)."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        rv = cli.main(args=argv, prog_name="searchops", standalone_mode=False)
    except click.exceptions.Abort:
        print("searchops: aborted", file=sys.stderr)
        sys.exit(USAGE_OR_RUNTIME_ERROR)
    except click.ClickException as exc:
        exc.show()
        sys.exit(USAGE_OR_RUNTIME_ERROR)
    except (Exception, KeyboardInterrupt) as exc:
        sys.exit(exit_status(exc, debug=debug))
    sys.exit(rv if isinstance(rv, int) else 0)
