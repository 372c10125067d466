"""The photo lookup on a phone, in a real headless Chromium: the search page's file input,
then the answer page with the certificate."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from registry.models import Certificate
from tests.public_site.test_browser import CHROMIUM, browser, site  # noqa: F401  the browser tests' fixtures
from tests.public_site.test_photo_lookup import photo_of

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
