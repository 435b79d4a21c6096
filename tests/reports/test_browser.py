"""The report in a real browser (Playwright + Debian's Chromium): no script, no request, no error.

Screenshots (desktop and mobile) and a PDF print are saved under ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from demo.site import defects
from reports.weekly import write_report
from searchops.settings import load_settings
from searchops.workspace import Workspace
from tests.conftest import ARTIFACTS
from tests.reports import synthetic

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("reports-browser")]

# The same Chromium and flags the crawler renders with ([render] in config/default.toml).
_RENDER = load_settings().settings.render
CHROMIUM = _RENDER.chromium_path
ARGS = _RENDER.chromium_args
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}

# The demo site's xss-payload pages carry these in title, description, headings and JSON-LD;
# they reach the report through findings (messages, evidence, URLs) and coverage names.
PAYLOADS = [
    defects.XSS_NAME_SCRIPT,
    defects.XSS_DESCRIPTION_IMG,
    defects.XSS_JSONLD_NAME,
    defects.XSS_TITLE_CLOSE,
    defects.XSS_SVG,
    '"><img src=x onerror="alert(6);document.body.dataset.pwned=1">',
    "<iframe src=javascript:alert(7)></iframe><style>body{display:none}</style>",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make install)")
    with sync_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def hostile_workspace(path: Path) -> Path:
    synthetic.build(path, pages=80, weeks=2)
    with Workspace(path) as ws:
        run_id = "crawl-w2"
        n = len(PAYLOADS)
        ws.append_df(
            "findings",
            pd.DataFrame(
                {
                    "run_id": run_id,
                    "rule_id": "SEO-META-003",
                    "family": "meta",
                    "severity": "error",
                    "url": [
                        f"https://shop.example.ca/xss/{i}?q={p}" for i, p in enumerate(PAYLOADS)
                    ],
                    "message": [f"Title too long: {p}" for p in PAYLOADS],
                    "evidence": PAYLOADS,
                    "fingerprint": [f"xss-{i}" for i in range(n)],
                    "change": "new",
                }
            ),
        )
        ws.append_df(
            "coverage_opportunities",
            pd.DataFrame(
                {
                    "run_id": "coverage-20261123",
                    "name": PAYLOADS,
                    "url": [defects.XSS_JS_URL] * n,
                    "category": PAYLOADS,
                    "price": 1.0,
                    "profit": [1e6 - i for i in range(n)],  # top of the table
                    "profit_lo": 0.0,
                    "profit_hi": 2e6,
                }
            ),
        )
        ws.register_run("xss", "crawl", week=datetime(2026, 11, 16), label=PAYLOADS[0])
    return path


def open_report(browser, html: Path, viewport: dict[str, int], *, bypass_csp: bool = False):
    """A page on the report with every request other than the file itself refused and recorded."""
    context = browser.new_context(viewport=viewport, bypass_csp=bypass_csp)
    page = context.new_page()
    seen: dict[str, list[str]] = {"requests": [], "console": [], "dialogs": [], "errors": []}
    target = html.resolve().as_uri()

    def route(r) -> None:
        if r.request.url == target:
            r.continue_()
        else:
            seen["requests"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(target)
    page.wait_for_load_state("load")
    return context, page, seen


def test_injected_scripts_never_run(browser, tmp_path: Path) -> None:
    html = write_report(hostile_workspace(tmp_path / "ws.duckdb"), tmp_path / "xss.html")
    # With the CSP, and without it: escaping alone must already keep the payloads inert.
    for bypass in (False, True):
        context, page, seen = open_report(browser, html, DESKTOP, bypass_csp=bypass)
        page.wait_for_timeout(300)  # give onerror/onload handlers the chance they must not get
        assert seen["dialogs"] == []
        assert seen["errors"] == []
        assert page.evaluate("document.body.dataset.pwned") is None
        assert page.locator("script, iframe, img, [onerror], [onload]").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
        text = page.inner_text("body")
        for payload in PAYLOADS:
            assert payload in text  # shown, as text
        assert page.is_visible("h1")
        context.close()


# Every visible element's box, in CSS pixels: none may reach past the viewport's edges,
# not even inside a scrolling table wrapper (a phone reader does not find sideways scroll).
_OVERFLOWING = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > width + 0.5 || r.left < -0.5) {
      const id = el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
        ? '.' + String(el.className).split(' ').join('.') : '');
      out.push(`${id} [${Math.round(r.left)}, ${Math.round(r.right)}] ` +
               (el.textContent || '').trim().slice(0, 40));
    }
  }
  return out;
}
"""


def test_nothing_overflows_at_laptop_and_phone_width(browser, tmp_path: Path) -> None:
    """Both widths, with long keywords, product names and URLs in every table."""
    ws = synthetic.build(tmp_path / "ws.duckdb", pages=400, weeks=4, keywords=40)
    long_word = "supercalifragilistic-ultralight-" * 3
    with Workspace(ws) as workspace:
        con = workspace.con
        con.execute(f"UPDATE bid_recommendations SET keyword = keyword || ' {long_word}'")
        con.execute(
            f"UPDATE coverage_opportunities SET name = name || ' {long_word}', "
            f"url = url || '/{long_word}'"
        )
        con.execute(f"UPDATE coverage_waste SET url = url || '/{long_word}'")
        con.execute(f"UPDATE findings SET url = url || '/{long_word}'")
    html = write_report(ws, tmp_path / "weekly.html")
    ARTIFACTS.mkdir(exist_ok=True)
    for name, viewport in (("laptop-1280", DESKTOP), ("phone-390", MOBILE)):
        context, page, _ = open_report(browser, html, viewport)
        page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= viewport["width"], f"{name}: page is {scroll}px wide"
        assert page.evaluate(_OVERFLOWING) == [], name
        context.close()


def test_no_requests_no_console_errors_and_screenshots(browser, tmp_path: Path) -> None:
    ws = synthetic.build(tmp_path / "ws.duckdb", pages=2000, weeks=8, keywords=200)
    html = write_report(ws, tmp_path / "weekly.html")
    ARTIFACTS.mkdir(exist_ok=True)
    for name, viewport in (("desktop", DESKTOP), ("mobile", MOBILE)):
        context, page, seen = open_report(browser, html, viewport)
        assert seen["requests"] == []
        assert [c for c in seen["console"] if c.startswith(("error", "warning"))] == []
        assert seen["errors"] == []
        # Phone: nothing wider than the screen except inside the scrollable table wrappers.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: page is {overflow}px wider than the viewport"
        page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
        if name == "desktop":
            page.emulate_media(media="print")
            assert not page.is_visible("nav")  # the print stylesheet drops navigation
            page.pdf(path=str(ARTIFACTS / "report-print.pdf"), format="A4")
        context.close()
    assert (ARTIFACTS / "report-desktop.png").stat().st_size > 10_000
    assert (ARTIFACTS / "report-mobile.png").stat().st_size > 10_000
