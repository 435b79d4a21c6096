"""``searchops demo-site``: serve the bundled demo catalog site in the foreground."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import click

from demo.site import DEFAULT_PORT, HOST
from demo.site.defects import KINDS, MIN_PRODUCTS, manifest

_HELP = (
    "Serve the bundled demo catalog site on 127.0.0.1.\n\n"
    "A bilingual (en-CA / fr-CA) outdoor retailer with seeded SEO defects of every kind the "
    "audits look for, listed at /__defects.json (and by --list-defects) as "
    '{"url", "kind", "detail", ...} entries. Kinds: ' + ", ".join(KINDS) + "."
)


@click.command("demo-site", help=_HELP)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)  # fmt: skip
@click.option(
    "--products", type=click.IntRange(MIN_PRODUCTS, 10_000_000), default=2000, show_default=True,
    help="Catalog size; pages are computed on request, so 200,000 starts instantly.",
)  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the catalog and defects.")  # fmt: skip
@click.option(
    "--week", type=click.IntRange(1, 2), default=1, show_default=True,
    help="Week 2 fixes some week-1 defects and adds new ones.",
)  # fmt: skip
@click.option(
    "--slow-template", type=click.Choice(["home", "category", "product"]), default=None,
    help="Delay the hero image (the LCP element) of this template's pages.",
)  # fmt: skip
@click.option("--slowdown-ms", type=click.IntRange(0, 60_000), default=500, show_default=True,
              help="The delay for --slow-template, in milliseconds.")  # fmt: skip
@click.option(
    "--stop-on-stdin-eof", is_flag=True, hidden=True,
    help="Stop when standard input closes (serve(process=True): the parent went away).",
)  # fmt: skip
@click.option(
    "--list-defects", is_flag=True,
    help="Print the seeded-defect manifest (JSON) for these settings and exit.",
)  # fmt: skip
def demo_site(
    port: int,
    products: int,
    seed: int,
    week: int,
    slow_template: str | None,
    slowdown_ms: int,
    stop_on_stdin_eof: bool,
    list_defects: bool,
) -> None:
    if list_defects:
        entries = manifest(products, seed, week, f"http://{HOST}:{port}")
        click.echo(json.dumps(entries, indent=1, ensure_ascii=False))
        return
    asyncio.run(
        _serve_forever(port, products, seed, week, slow_template, slowdown_ms, stop_on_stdin_eof)
    )


async def _serve_forever(
    port: int,
    products: int,
    seed: int,
    week: int,
    slow_template: str | None,
    slowdown_ms: int,
    stop_on_stdin_eof: bool = False,
) -> None:
    from aiohttp import web

    from demo.site.app import make_app

    app = make_app(
        products=products,
        seed=seed,
        week=week,
        slow_template=slow_template,
        slowdown_ms=slowdown_ms,
    )
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, HOST, port, backlog=1024)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise click.ClickException(f"cannot listen on {HOST}:{port}: {exc.strerror}") from None
    bound = runner.addresses[0][1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if stop_on_stdin_eof:

        def on_stdin() -> None:
            if not os.read(sys.stdin.fileno(), 4096):  # EOF: the parent process is gone
                loop.remove_reader(sys.stdin.fileno())
                stop.set()

        loop.add_reader(sys.stdin.fileno(), on_stdin)
    slow = f", {slow_template} hero +{slowdown_ms} ms" if slow_template else ""
    print(
        f"Demo catalog site ({products:,} products, seed {seed}, week {week}{slow}) at "
        f"http://{HOST}:{bound}/  (defects: /__defects.json; Ctrl-C to stop)",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        print("Demo catalog site stopped.", file=sys.stderr, flush=True)
