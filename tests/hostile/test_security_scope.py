"""Scope honours ports: another port on the same host is another origin, never fetched.

Two hostile servers on 127.0.0.1: the crawled one links and redirects to the other's port,
as 127.0.0.1 and as localhost; the other must see no request at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests.hostile.server import HostileServer, Reply, cli


def test_another_port_is_another_origin(tmp_path: Path) -> None:
    other = HostileServer()
    other.route("/", Reply.html("<h1>other</h1>"))
    with other.running() as elsewhere:
        port = elsewhere.rsplit(":", 1)[1]
        site = HostileServer()
        site.route(
            "/",
            Reply.html(
                f"<h1>home</h1><a href='{elsewhere}/'>ip</a>"
                f"<a href='http://localhost:{port}/'>name</a><a href='/go'>go</a><a href='/same'>same</a>"
            ),
        )
        site.route("/go", Reply(status=302, headers={"Location": f"http://localhost:{port}/"}))
        site.route("/same", Reply.html("<h1>same</h1>"))
        with site.running() as base:
            done = cli(
                "crawl",
                base + "/",
                "--render",
                "never",
                "--out",
                str(tmp_path / "run"),
                cwd=tmp_path,
            )
    assert done.returncode == 0, done.stderr
    assert other.requests == [], other.paths()
    pages = pd.read_parquet(tmp_path / "run" / "pages.parquet")
    assert {base + "/", base + "/same"} <= set(pages["url"])
    assert not pages["url"].str.contains(f":{port}/").any()
    go = pages.set_index("url").loc[base + "/go"]
    assert go["fetch_state"] == "redirect_out_of_scope"
    links = pd.read_parquet(tmp_path / "run" / "links.parquet")
    to_other = links[links["target"].str.contains(f":{port}/")]
    assert len(to_other) >= 2 and not to_other["internal"].any()
    assert json.loads((tmp_path / "run" / "crawl.json").read_text())
