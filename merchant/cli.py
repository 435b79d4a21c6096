"""``searchops merchant``: Merchant Center feeds (the catalog Shopping ads and free listings show)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from searchops.console import safe_text, stderr
from searchops.errors import SearchopsError


@click.group()
def merchant() -> None:
    """Merchant Center product data: the feed Shopping ads and free listings are built from.

    \b
    Examples:
      searchops merchant import products_en.txt --language en
      searchops merchant import products_fr.xml --source shop-fr
    """


@merchant.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--source", help="Feed name for the items (default: the file name without extension)."
)
@click.option(
    "--language",
    help="Content language of the items, e.g. en or fr (default: what an XML feed declares, "
    "or each item's content_language).",
)
@click.option(
    "--allow-duplicates",
    is_flag=True,
    help="Keep the first of items sharing an id instead of refusing the file.",
)
@click.pass_obj
def import_(
    obj: Any, files: tuple[Path, ...], source: str | None, language: str | None,
    allow_duplicates: bool,
) -> None:  # fmt: skip
    """Import primary feeds as Merchant Center accepts them.

    Tab-separated text (a header row of attribute names: id, title, description, link,
    image_link, price, availability, brand, gtin, mpn ...; UTF-8 or UTF-16) or XML (RSS 2.0
    or Atom with the g: namespace). Prices read as Merchant Center writes them ("12.99 CAD",
    "12,99 CAD"). Each file replaces the items of its --source and language: the feed is a
    snapshot of the catalog. A file is all or nothing: one that is not a feed, has malformed
    or forbidden XML (DTDs, entities) or repeats an id changes nothing. Items whose price or
    availability Merchant Center would reject are kept with the problem named (issues column).

    \b
    Examples:
      searchops merchant import products_en.txt --language en
      searchops merchant import products.xml products_fr.xml
    """
    from merchant.feed import FeedError
    from merchant.imports import import_feed

    with obj.open_workspace() as ws:
        for path in files:
            try:
                done = import_feed(
                    ws, path, source=source, language=language, allow_duplicates=allow_duplicates
                )
            except FeedError as exc:
                raise SearchopsError(f"{exc}; nothing was imported from it") from None
            issues = ", ".join(f"{kind} {n:,}" for kind, n in done.issues.most_common())
            stderr.print(
                f"{safe_text(path)}: {done.items:,} items -> {TABLE_NAME} (source "
                f"{safe_text(done.source)}, language {done.language or 'not stated'})"
                + (f"; {done.items_with_issues:,} with issues: {issues}" if issues else "")
            )


TABLE_NAME = "merchant_items"


@merchant.command("check")
@click.option(
    "--crawl",
    "run",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Run folder of a crawl that reached the product pages.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option(
    "--supplemental",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a supplemental feed (tab-separated: id, price, availability) that corrects the "
    "feed from what the site's pages say, for Merchant Center to upload.",
)
@click.option(
    "--fix-list",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the site team's list (CSV): pages to repair, markup to complete, products to add.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default="never",
    show_default=True,
    help="Exit 1 when a finding of this severity or worse is found.",
)
@click.pass_obj
def check(
    obj: Any, run: Path, fmt: str, out: Path | None, supplemental: Path | None,
    fix_list: Path | None, fail_on: str,
) -> None:  # fmt: skip
    """Join the imported feed with a crawl: what Google would disapprove, and what it costs.

    One row per finding: kind, offer_id, url, language, page_value, markup_value,
    feed_value, spend_at_risk (the item's Shopping cost over the last [merchant]
    spend_window_days, 28, in the workspace). Kinds: landing_page_error / _redirects / _noindex / _blocked,
    page_not_crawled, price_mismatch (sale and member prices understood),
    availability_mismatch, gtin_missing, gtin_mismatch, title_differs, image_differs,
    languages_disagree, not_in_feed.
    The findings are also kept in the workspace (merchant_findings).

    \b
    Examples:
      searchops merchant import products_en.txt --language en
      searchops merchant check --crawl runs/crawl-20261116T050000Z
      searchops merchant check --crawl runs/latest --format csv --out feed-fixes.csv
    """
    from merchant.check import at_risk, save
    from merchant.check import check as join
    from searchops.escaping import json_dumps, terminal_document, write_csv

    if not (run / "pages.parquet").is_file():
        raise SearchopsError(f"{safe_text(run)}: not a finished crawl (no pages.parquet)")
    with obj.open_workspace() as ws:
        if not ws.has_table(TABLE_NAME):
            raise SearchopsError("no feed in the workspace: run `searchops merchant import FEED`")
        cfg = obj.settings().settings.merchant
        window = cfg.spend_window_days
        findings = join(ws, run, spend_window_days=window, memory_limit=cfg.join_memory_limit)
        save(ws, findings, run)
    if fmt == "csv":
        text = write_csv(findings)
    elif fmt == "json":
        records = findings.astype(object).where(findings.notna(), None).to_dict("records")
        text = json_dumps(records, indent=1, default=str) + "\n"  # null, never NaN
    else:
        shown = findings.drop(columns=["message"]).head(200)
        text = terminal_document(shown.to_string(index=False)) + "\n" if len(shown) else ""
    if supplemental:
        from merchant.outputs import supplemental_feed

        supplemental.write_text(supplemental_feed(findings), encoding="utf-8")
    if fix_list:
        from merchant.outputs import site_fixes

        write_csv(site_fixes(findings), fix_list)
    if out:
        out.write_text(text or "", encoding="utf-8")
    elif text:
        click.echo(text, nl=False)
    counts = findings["kind"].value_counts()
    summary = ", ".join(f"{kind} {n:,}" for kind, n in counts.items()) or "no findings"
    items, spend, _revenue = at_risk(findings)
    stderr.print(
        f"{len(findings):,} findings ({summary}); {items:,} items Google may disapprove, "
        f"Shopping spend at risk {spend:,.2f} over {window} days"
    )
    worst = {"error": ["error"], "warning": ["error", "warning"], "never": []}[fail_on]
    if findings["severity"].isin(worst).any():
        raise SystemExit(1)


@merchant.command("pull")
@click.option("--account", required=True, help="Merchant Center account id (accounts/ID).")
@click.option("--endpoint", help="API host:port (default Google's merchantapi.googleapis.com).")
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM CA bundle to trust for the API's TLS (a corporate proxy, a local server).",
)
@click.pass_obj
def pull(obj: Any, account: str, endpoint: str | None, ca_file: Path | None) -> None:
    """Read every product, its status and item-level issues through the Merchant API.

    Products land in merchant_items (source merchant:ACCOUNT, beside imported feeds) and
    their issues in merchant_issues; a pull that fails halfway changes nothing. Credentials:
    SEARCHOPS_MERCHANT_ACCESS_TOKEN (an access token), else Application Default Credentials
    (GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`) with the
    content scope. Read only: nothing is written to the Merchant Center account.

    \b
    Examples:
      searchops merchant pull --account 123456789
      searchops merchant check --crawl runs/latest
    """
    from merchant.api import client, pull_products
    from searchops.tls import trust_ca_file

    account = account.removeprefix("accounts/").strip()
    if not account.isdigit():
        raise SearchopsError(
            f"--account {safe_text(account)}: a Merchant Center account id is a number"
        )
    if ca_file is not None:
        trust_ca_file(ca_file)
    products = client(endpoint)
    with obj.open_workspace() as ws:
        count, issues = pull_products(ws, products, account)
    stderr.print(
        f"accounts/{account}: {count:,} products, {issues:,} item-level issues -> {TABLE_NAME}"
    )
