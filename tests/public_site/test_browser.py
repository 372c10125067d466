"""The pages in a real headless Chromium: search as you type, the scan page on a phone,
the filters without JavaScript, the language switch, and the SVG QR code as a browser draws it (decoded by zbar)."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import expect, sync_playwright

from public_site.app import create_app
from registry.settings import get_settings
from search.process import free_port
from tests.helpers import sample_rows

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")]


@pytest.fixture
def site(sample_registry, sample_index):
    """The app served by uvicorn on a free port, as a browser reaches it."""
    app = create_app(get_settings(), sample_registry, sample_index, run_worker=False, migrate=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


def test_search_as_you_type_shows_matches_without_submitting(site, browser, sample_path):
    row = next(r for r in sample_rows(sample_path) if r[15] == "Còn hiệu lực")
    model = row[4].split(";")[0].strip()
    page = browser.new_page()
    page.goto(site + "/")
    page.locator("#q").press_sequentially(model, delay=40)
    first = page.locator("#suggestions li").first
    first.wait_for(timeout=10_000)
    assert model in first.inner_text() and row[0] in page.locator("#suggestions").inner_text()
    assert page.url == site + "/"  # nothing was submitted
    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("x", delay=10)
    expect(page.locator("#suggestions li")).to_have_count(0, timeout=5000)
    page.close()


def test_scan_page_on_a_phone(site, browser, sample_path):
    number = sample_rows(sample_path)[0][0]
    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    page.goto(f"{site}/v/{number}")
    banner = page.locator(".banner")
    box = banner.bounding_box()
    assert box["y"] + box["height"] <= 640  # the answer is on the first screen
    status = page.locator(".banner .status")
    assert float(status.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 24
    assert status.inner_text().strip()  # in words, not colour alone
    assert number in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert sum(sizes) < 60_000, sizes  # loads on a weak connection
    context.close()


def test_language_switch_is_remembered(site, browser, sample_path):
    number = sample_rows(sample_path)[0][0]
    page = browser.new_context().new_page()
    page.goto(site + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.locator("a.lang").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{site}/v/{number}")  # another page, no ?lang=
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("a.lang").click()
    page.wait_for_load_state()
    page.goto(site + "/")
    assert page.locator("html").get_attribute("lang") == "vi"


def test_filters_work_on_a_phone_without_javascript(site, browser, sample_path):
    rows = sample_rows(sample_path)
    declared = [r for r in rows if r[1] == "Công bố hợp quy"]
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/?q=" + declared[0][3])
    page.locator(".filters summary").click()
    page.locator("select[name=kind]").select_option("declaration")
    page.locator(".filters button").click()
    page.wait_for_load_state()
    assert "kind=declaration" in page.url
    expected = sum(r[3] == declared[0][3] for r in declared)
    assert page.locator(".count").inner_text().startswith(str(expected))
    assert page.locator(".chosen li").count() == 1
    page.locator(".chosen a").click()  # remove the filter
    page.wait_for_load_state()
    assert "kind=" not in page.url and page.locator(".chosen").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def test_svg_qr_drawn_by_the_browser_decodes(site, browser, sample_path, tmp_path):
    number = sample_rows(sample_path)[2][0]
    page = browser.new_page(viewport={"width": 600, "height": 600})
    page.set_content(f'<body style="margin:0;background:#fff"><img src="{site}/qr/{number}.svg" width="500"></body>')
    page.wait_for_load_state("networkidle")
    shot = tmp_path / "qr.png"
    page.screenshot(path=str(shot))
    done = subprocess.run(["zbarimg", "--quiet", "--raw", str(shot)], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == f"http://127.0.0.1:8000/v/{number}"


def test_the_api_viewer_renders_offline_from_our_own_files(site, browser):
    page = browser.new_page()
    outside = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(site) else None)
    page.goto(site + "/schema")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/verify/{code}").first).to_be_visible(timeout=15_000)
    assert outside == []  # no CDN: the viewer works where the network stops at the site
    page.close()
