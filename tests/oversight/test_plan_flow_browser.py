"""The staff flow in a real headless Chromium on a phone: an admin makes a plan and picks its
targets from the ranked list, an inspector of the team records an inspection against it, the
admin concludes, and the report counts it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from sqlmodel import Session

from public_site.app import create_app
from registry.clock import today
from registry.models import Certificate
from registry.oversight_models import ScanCount
from registry.settings import get_settings
from tests.helpers import served
from tests.oversight.conftest import NUMBERS
from tests.public_site.test_browser import CHROMIUM, FLAGS

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def site(feed_registry, dead_index):
    with Session(feed_registry) as session:  # the third certificate's QR code is being copied in Huế
        cid = session.execute(select(Certificate.id).where(Certificate.certificate_no == NUMBERS[2])).scalar_one()
        session.add_all([ScanCount(certificate_id=cid, day=today(), count=90),
                         ScanCount(certificate_id=cid, day=today(), province="Huế", count=90)])
        session.commit()
    app = create_app(get_settings(), feed_registry, dead_index, run_worker=False, migrate=False)
    with served(app) as url:
        yield url


def logged_in(browser, site: str, secret: str):
    page = browser.new_context(**PHONE).new_page()
    page.goto(site + "/staff/login")
    page.fill("#token", secret)
    page.click("button[type=submit]")
    page.wait_for_url(site + "/staff")
    return page


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_plan_targets_inspection_conclusion_report_on_a_phone(site, tokens, tmp_path: Path):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        admin = logged_in(browser, site, tokens["admin"])
        admin.goto(site + "/staff/plans/new")
        admin.fill("#name", "Kiểm tra quý IV")
        admin.fill("#teams", "hanoi")
        admin.fill("#shops", "Cửa hàng Minh Anh | 12 Phố Huế | Hà Nội | hanoi")
        admin.click("form.stacked button[type=submit]")
        admin.wait_for_url("**/staff/plans/*")
        plan_url = admin.url
        assert "0/1" in admin.locator(".progress").inner_text() and fits_the_screen(admin)

        admin.goto(site + "/staff/targets?province=Huế")  # where to look: the copied QR code ranks first
        assert NUMBERS[2] in admin.locator("table.staff").inner_text()
        admin.check(f"input[value='{NUMBERS[2]}']")
        admin.select_option("#plan", label="Kiểm tra quý IV")
        admin.click("#pick button[type=submit]")
        admin.wait_for_url(plan_url)
        assert NUMBERS[2] in admin.locator(".todo").inner_text()

        inspector = logged_in(browser, site, tokens["inspector"])
        inspector.goto(site + "/staff/plans")
        inspector.click("text=Kiểm tra quý IV")
        inspector.click("text=Cửa hàng Minh Anh")  # the target, with the inspection form filled from it
        assert inspector.input_value("#shop_name") == "Cửa hàng Minh Anh"
        assert inspector.input_value("#province") == "Hà Nội"
        inspector.fill("#codes", NUMBERS[2])
        inspector.select_option("#finding", "mark_misused")
        inspector.click("form.stacked button[type=submit]")
        inspector.wait_for_url(plan_url)
        progress = inspector.locator(".progress").inner_text()
        assert "1/1" in progress and "1/1" in progress.split("·")[1]  # the shop and the certificate: done
        assert fits_the_screen(inspector)

        admin.goto(plan_url)
        admin.click("text=Kết luận / Conclude")
        admin.fill("#organisation_name", "Cửa hàng Minh Anh")
        admin.fill("#province", "Hà Nội")
        admin.fill("#decision_ref", "21/QĐ-XPHC")
        admin.check("input[name=findings][value=mark_misused]")
        admin.fill("#legal_decree", "Nghị định 14/2017/NĐ-CP")
        admin.fill("#legal_article", "Điều 7, khoản 2")
        admin.check("input[name=sanctions][value=fine]")
        admin.fill("#fine_vnd", "7.500.000")
        admin.check("input[name=methods][value=copied_qr]")
        admin.click("form.stacked button[type=submit]")
        admin.wait_for_url(plan_url)
        assert "21/QĐ-XPHC" in admin.content() and "7.500.000 đồng" in admin.content()

        admin.goto(site + "/staff/reports/enforcement")
        summary = admin.locator("table.staff").first.inner_text()
        assert "Số cuộc kiểm tra" in summary and "7.500.000" in summary
        with admin.expect_download() as download:
            admin.click("text=XLSX")
        saved = tmp_path / "report.xlsx"
        download.value.save_as(saved)
        assert saved.read_bytes()[:2] == b"PK"
        public = browser.new_context(**PHONE).new_page()
        public.goto(site + "/violations")
        assert "Sao chép mã QR" in public.content() and fits_the_screen(public)
        public.goto(site + "/statistics")
        assert public.locator("svg.chart").count() >= 3 and fits_the_screen(public)
        public.screenshot(path=str(tmp_path / "statistics.png"), full_page=True)
        browser.close()
