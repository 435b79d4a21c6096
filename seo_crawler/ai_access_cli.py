"""``searchops ai-access``: robots.txt, server answers and policy per search and AI crawler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from searchops.console import stderr, stdout
from searchops.escaping import json_dumps, terminal_text, write_csv

_RANK = {"error": 3, "warning": 2, "notice": 1}
_FAIL_ON = {"error": 3, "warning": 2, "never": 99}
_VERDICT_STYLE = {"fail": "bold red", "notice": "yellow", "ok": "green", "info": "dim"}


@click.command("ai-access")
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file with [policy] (search/user/training = allow|block|any) and "
    '[crawler_policy] (e.g. GPTBot = "block"). Default: [ai_access] in the settings.',
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default="warning",
    show_default=True,
    help="Exit 1 when a crawler is treated against the policy at or above this severity.",
)
@click.pass_obj
def ai_access(
    obj: Any, urls: tuple[str, ...], policy_file: Path | None, fmt: str, fail_on: str
) -> int:
    """Check what each search and AI crawler may fetch and what the server really answers it.

    For every site of URLS and every crawler of [ai_access.crawlers] (Googlebot, Bingbot,
    Google-Extended, GPTBot, OAI-SearchBot, ChatGPT-User, ClaudeBot, Claude-SearchBot,
    Claude-User, PerplexityBot, Perplexity-User, Applebot-Extended, CCBot), with its purpose
    (search, user-triggered fetch, training): whether robots.txt allows the URLs, what the
    server answers each URL fetched with the crawler's documented User-Agent (beside a
    browser's answer: a WAF or CDN refusing an allowed bot is the common failure), and the
    verdict against the policy. The default policy allows search and user-triggered
    fetches and leaves training to you (no finding either way). Give a few URLs per site,
    one per template ([ai_access] sample_urls are fetched per site). /llms.txt is reported
    as information only. Results also go to the workspace (table ai_access) for the weekly
    report.

    Exit codes: 0 ok, 1 a crawler treated against the policy (at or above --fail-on),
    2 usage or runtime error.

    \b
    Examples:
      searchops ai-access https://www.example.ca/ https://www.example.ca/p/tent-123
      searchops ai-access https://www.example.ca/ --policy ai-policy.toml --format json
      searchops ai-access https://www.example.ca/ --format csv > ai-access.csv
    \b
    A policy file:
      [policy]
      training = "block"
      [crawler_policy]
      CCBot = "block"
    """
    from seo_crawler.ai_access import check_access, load_policy

    config = obj.settings().settings.ai_access
    policy = load_policy(config, policy_file)
    frame = check_access(list(urls), config=config, policy=policy)
    with obj.open_workspace() as workspace:
        workspace.append_df("ai_access", frame)
    if fmt == "json":
        records = frame.astype({"checked_at": str}).to_dict(orient="records")
        click.echo(json_dumps(records, indent=2))
    elif fmt == "csv":
        click.echo(write_csv(frame), nl=False)
    else:
        stdout.print(_table(frame))
    failed = frame[frame["severity"].map(lambda s: _RANK.get(s, 0)) >= _FAIL_ON[fail_on]]
    if fmt == "table" or not failed.empty:
        stderr.print(
            f"{len(frame[frame.verdict == 'fail'])} crawler(s) against the policy, "
            f"{len(frame[frame.verdict == 'notice'])} notice(s); "
            f"sites: {len(frame.site.unique())}",
            markup=False,
        )
    return 1 if not failed.empty else 0


def _table(frame: Any) -> Table:
    table = Table(title="Search and AI crawler access", title_justify="left")
    for column in ("site", "crawler", "purpose", "robots.txt", "server", "policy", "verdict"):
        table.add_column(column, overflow="fold")
    for row in frame.itertuples(index=False):
        cells = [row.site, row.crawler, row.purpose, row.robots, row.server, row.policy]
        text = [Text(terminal_text("" if c is None else c)) for c in cells]
        verdict = Text(str(row.verdict), style=_VERDICT_STYLE.get(row.verdict, ""))
        table.add_row(*text, verdict)
    messages = [m for m in frame["message"] if m and not m.endswith("choice")]
    if messages:
        table.caption = terminal_text(" | ".join(messages[:20]))
        table.caption_justify = "left"
    return table
