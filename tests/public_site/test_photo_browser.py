"""The photo lookup on a phone, in a real headless Chromium: the search page's file input,
then the answer page with the certificate."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from registry.models import Certificate
from tests.public_site.test_browser import CHROMIUM, browser, site  # noqa: F401  the browser tests' fixtures
from tests.public_site.test_photo_lookup import label_photo, model_with_a_dash, photo_of

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")]


def test_a_phone_sends_a_photo_of_the_label_and_sees_the_certificate(site, browser, sample_registry, tmp_path):  # noqa: F811
    with Session(sample_registry) as session:
        number = session.execute(select(Certificate.certificate_no).order_by(Certificate.id).limit(1)).scalar_one()
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    qr = page.request.get(f"{site}/qr/{number}.png").body()
    photo = tmp_path / "label.jpg"
    photo.write_bytes(photo_of(qr))
    page.goto(site + "/")
    page.locator("#photo").set_input_files(str(photo))
    page.locator("form.photo button[type=submit]").click()
    page.wait_for_url(site + "/photo")
    link = page.locator(f'ol.hits a[href="/c/{number}"]')
    link.wait_for(timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    link.click()
    page.wait_for_url(f"{site}/c/{number}")
    assert number in page.locator("h1, main").first.inner_text() or number in page.content()
    page.close()


def test_an_inspector_compares_the_label_with_the_certificate_scanned(site, browser, sample_registry, tmp_path):  # noqa: F811
    """From the scan page: the label's photo, then a page that says the model is this
    certificate's, with where it was read in the photo."""
    number, model = model_with_a_dash(sample_registry)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    photo = tmp_path / "label.jpg"
    photo.write_bytes(label_photo(["Điện thoại di động", f"Kiểu/Model: {model}", "Sản xuất tại Việt Nam"]))
    page.goto(f"{site}/v/{number}")
    page.locator("#photo").set_input_files(str(photo))
    page.locator("form.photo button[type=submit]").click()
    page.wait_for_url(site + "/photo")
    page.locator(".compared.banner-valid").wait_for(timeout=10_000)
    crop = page.locator("img.read-here").first
    assert crop.evaluate("image => image.complete && image.naturalWidth > 0")  # the crop shows (the CSP allows it)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
