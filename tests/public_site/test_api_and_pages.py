"""The site and API on the real database and Meilisearch, with the bundled sample."""

import pytest
from litestar.testing import TestClient

from public_site.app import create_app
from registry.settings import get_settings
from tests.helpers import sample_rows


@pytest.fixture
def a_sample_row(sample_path):
    rows = [r for r in sample_rows(sample_path) if r[15] == "Còn hiệu lực" and r[1] == "Chứng nhận hợp quy"]
    return rows[5]


def test_search_api_returns_the_model_first(client, a_sample_row):
    model = a_sample_row[4].split(";")[0].strip()
    body = client.get("/api/v1/search", params={"q": model}).json()
    assert body["degraded"] is False
    assert body["hits"][0]["certificate_no"] == a_sample_row[0]
    assert set(body) >= {"query", "total", "page", "per_page", "hits", "facets", "degraded"}


def test_certificate_api_has_record_status_and_history(client, a_sample_row):
    body = client.get(f"/api/v1/certificates/{a_sample_row[0].lower()}").json()
    assert body["certificate_no"] == a_sample_row[0]
    assert body["status"] in ("valid", "expired")
    assert body["history"][0]["action"] == "created"
    missing = client.get("/api/v1/certificates/NOPE")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("query", ["page=0", "per_page=1000", "status=bogus", "year=abc", "q=" + "x" * 300])
def test_bad_parameters_are_400_not_500(client, query):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 400, response.text


def test_verify_page_says_status_and_models(client, a_sample_row):
    response = client.get(f"/v/{a_sample_row[0]}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"  # built by hand: say it exactly
    html = response.text
    assert a_sample_row[4].split(";")[0].strip() in html
    assert ("CÒN HIỆU LỰC" in html) or ("HẾT HIỆU LỰC" in html)
    english = client.get(f"/v/{a_sample_row[0]}?lang=en")
    assert "Compare with the device in your hand" in english.text
    assert client.cookies.get("lang") == "en"
    assert "Compare with the device in your hand" in client.get(f"/v/{a_sample_row[0]}").text


def test_unknown_number_is_a_helpful_404_with_near_matches(client, a_sample_row):
    typo = a_sample_row[0][:-1] + ("X" if a_sample_row[0][-1] != "X" else "Y")
    response = client.get(f"/v/{typo}")
    assert response.status_code == 404
    assert "Không tìm thấy chứng nhận" in response.text
    assert f"/v/{a_sample_row[0]}" in response.text


def test_home_search_page_escapes_user_text(client):
    response = client.get("/", params={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_pages_and_health_survive_a_stopped_meilisearch(sample_registry, dead_index, a_sample_row):
    app = create_app(get_settings(), sample_registry, dead_index, run_worker=False, migrate=False)
    with TestClient(app) as client:
        assert client.get(f"/v/{a_sample_row[0]}").status_code == 200
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True  # search down: still ready
        assert ready.json()["search"] == {"ok": False, "configured": True}
        body = client.get("/api/v1/search", params={"q": a_sample_row[0]}).json()
        assert body["degraded"] is True and body["hits"][0]["certificate_no"] == a_sample_row[0]
        page = client.get("/", params={"q": a_sample_row[0]})
        assert "tạm gián đoạn" in page.text
