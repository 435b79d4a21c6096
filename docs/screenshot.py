"""Screenshot a weekly report for the README: ``python docs/screenshot.py REPORT [OUT]``.

Opens the report in Debian's Chromium (Playwright), refusing every request other than the
file itself, and saves the top of the page at laptop width (default ``docs/report.png``).
Regenerate after changing the report: ``make demo && python docs/screenshot.py
demo-output/weekly-report.html``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Route, sync_playwright

from searchops.settings import load_settings

# The same Chromium and flags the crawler renders with ([render] in config/default.toml).
_RENDER = load_settings().settings.render


def screenshot(report: Path, out: Path, width: int = 1100, height: int = 1500) -> Path:
    target = report.resolve().as_uri()

    def only_the_report(route: Route) -> None:
        if route.request.url == target:
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=_RENDER.chromium_path, args=_RENDER.chromium_args
        )
        page = browser.new_page(viewport={"width": width, "height": height})
        page.route("**/*", only_the_report)
        page.goto(target)
        page.screenshot(path=str(out))
        browser.close()
    return out


if __name__ == "__main__":
    report = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).with_name("report.png")
    print(screenshot(report, out))
