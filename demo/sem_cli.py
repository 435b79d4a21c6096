"""``searchops sem demo``: the synthetic demo account, registered as a ``sem`` sub-command.

It lives here, not in ``sem/``, because the account and its local Google Ads API server are
test doubles (``demo.ads_account``, ``demo.ads_server``) that product code never imports.
"""

from __future__ import annotations

from typing import Any

import click

from demo import ads_account as demo_mod
from demo import ads_server
from demo.site import DEFAULT_URL
from searchops.console import stderr
from searchops.errors import SearchopsError


@click.command("demo")
@click.option("--keywords", default=10_000, show_default=True, help="Number of keywords.")
@click.option("--days", default=90, show_default=True, help="Days of daily history.")
@click.option("--seed", default=0, show_default=True, help="Random seed of the account.")
@click.option("--products", default=2000, show_default=True, help="Demo catalog size.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default yesterday).")
@click.option(
    "--site-url",
    default=DEFAULT_URL,
    show_default=True,
    help="Base URL of the demo site the keywords' final URLs point at (default: where "
    "`searchops demo-site` serves).",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Then serve the account as a local Google Ads API (gRPC, TLS) until Ctrl-C.",
)
@click.option("--port", default=0, help="Port for --serve (default: a free one).")
@click.pass_obj
def sem_demo(
    obj: Any,
    keywords: int,
    days: int,
    seed: int,
    products: int,
    until: Any,
    site_url: str,
    serve: bool,
    port: int,
) -> None:
    """Create the demo retailer account (with its truth) in the workspace.

    Every keyword has known true parameters (click response to bid, conversion rate, order
    value), saved as sem_truth beside the data, so models and bids can be scored.

    \b
    Examples:
      searchops sem demo                                  # 10,000 keywords, 90 days
      searchops sem demo --keywords 100000 --seed 7
      searchops sem demo --serve                          # then pull it back through the API
    """

    if keywords < 1 or days < 7:
        raise SearchopsError("--keywords must be >= 1 and --days >= 7")
    account = demo_mod.generate(
        keywords=keywords,
        days=days,
        seed=seed,
        products=products,
        until=until.date() if until else None,
        site_url=site_url,
    )
    with obj.open_workspace() as ws:
        pull_id = demo_mod.save(ws, account)
    kw = account.frames["sem_keywords"]
    stderr.print(
        f"demo account {account.customer_id}: {len(kw):,} keywords, "
        f"{len(account.frames['sem_keyword_daily']):,} daily rows "
        f"{account.since}..{account.until} -> {obj.workspace} ({pull_id})"
    )
    if serve:
        with ads_server.serve(account, port=port) as server:
            stderr.print(
                f"Google Ads API ({ads_server.API_VERSION}) on {server.endpoint}. Pull it with:\n"
                f"  SEARCHOPS_ADS_ACCESS_TOKEN={server.access_token} "
                f"GOOGLE_ADS_DEVELOPER_TOKEN={server.developer_token} searchops sem pull "
                f"--endpoint {server.endpoint} --ca-file {server.root_cert_path} --customer-id "
                f"{account.customer_id} --since {account.since} --until {account.until}\n"
                "Validate bids against it the same way: searchops bid apply FILE --endpoint "
                f"{server.endpoint} --ca-file {server.root_cert_path} --customer-id "
                f"{account.customer_id}\n"
                "Ctrl-C to stop.",
                soft_wrap=True,
            )
            server.wait()
