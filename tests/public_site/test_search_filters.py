"""The search page's facet filters, its page links and the language switch, on the sample."""

import re
from collections import Counter
from html import unescape
from urllib.parse import parse_qs, urlsplit

from public_site.filters import MOST_CHOICES, search_filters, search_url
from public_site.i18n import translator
from registry.codes import model_key
from search.categories import category_of
from search.request import SearchParams
from tests.helpers import sample_rows


def links(html: str, rel: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<a rel="{rel}" href="([^"]+)"', html)]


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S).group(1)
    return [unescape(o).strip() for o in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def test_search_url_keeps_every_filter_and_leaves_out_defaults():
    params = SearchParams(q="điện thoại", brand="TP-LINK", year=2024, page=3)
    url = search_url(params, page=4)
    assert parse_qs(urlsplit(url).query) == {"q": ["điện thoại"], "brand": ["TP-LINK"], "year": ["2024"], "page": ["4"]}
    assert search_url(params, q="", brand=None, year=None, page=1) == "/"


def test_brands_come_most_certificates_first_and_the_chosen_one_stays():
    brands = {f"B{i:03d}": i for i in range(100)}
    filters = {f.name: f for f in search_filters(SearchParams(brand="Gone"), {"brand": brands}, translator("en"))}
    values = [c.value for c in filters["brand"].choices]
    assert values[:3] == ["B099", "B098", "B097"]
    assert len(values) == MOST_CHOICES + 1 and values[-1] == "Gone"
    assert filters["brand"].selected.value == "Gone" and filters["brand"].selected.count is None
    assert [c.value for c in filters["status"].choices][0] == "valid"


def devices(rows: list[list[str]]) -> list[list[str]]:
    """The first row of each device (its brand, and its first model without a regional suffix)
    of each kind: what a grouped page lists."""
    first = {}
    for r in rows:
        base = re.split(r"[/(]", r[4].split(";")[0].strip(), maxsplit=1)[0]
        first.setdefault((r[1], " ".join(r[3].lower().split()), model_key(base)), r)
    return list(first.values())


def test_facet_filters_narrow_the_results_and_links_keep_them(client, sample_path):
    rows = devices(sample_rows(sample_path))  # a page lists devices: one per device, counted once
    certified = Counter(r[3] for r in rows if r[1] == "Chứng nhận hợp quy")
    (brand, expected), (second, second_count) = certified.most_common(2)
    page = client.get("/", params={"kind": "certificate"}).text
    assert options(page, "brand")[1:3] == [f"{brand} ({expected})", f"{second} ({second_count})"]
    types = Counter(category_of(r[2]) for r in rows if r[1] == "Chứng nhận hợp quy")
    assert f"Bộ phát Wi-Fi ({types['wifi']})" in options(page, "category")

    narrowed = client.get("/", params={"kind": "certificate", "brand": brand, "per_page": 2})
    assert narrowed.status_code == 200
    html = narrowed.text
    assert f"{expected} kết quả" in html
    assert f'<option value="{brand}" selected>' in html
    following = links(html, "next")[0]
    assert parse_qs(urlsplit(following).query) == {
        "kind": ["certificate"], "brand": [brand], "per_page": ["2"], "page": ["2"]}
    second_page = client.get(following).text
    assert links(second_page, "prev") and f"Trang 2/{(expected + 1) // 2}" in second_page

    removal = re.search(r'<ul class="chosen".*?<a href="([^"]+)"', html, re.S).group(1)
    assert parse_qs(urlsplit(unescape(removal)).query) == {"brand": [brand], "per_page": ["2"]}


def test_a_filter_alone_browses_the_registry(client, sample_path):
    rows = devices(sample_rows(sample_path))
    declarations = sum(r[1] == "Công bố hợp quy" for r in rows)
    html = client.get("/", params={"kind": "declaration"}).text
    assert f"{declarations} kết quả" in html
    assert "Công bố hợp quy" in options(html, "kind")[1]


def test_switching_language_keeps_the_search(client):
    html = client.get("/", params={"q": "router", "brand": "D-Link"}).text
    switch = unescape(re.search(r'<a class="lang" href="([^"]+)"', html).group(1))
    assert parse_qs(urlsplit(switch).query) == {"q": ["router"], "brand": ["D-Link"], "lang": ["en"]}
    english = client.get(switch).text
    assert "Filter the results" in english
    back = unescape(re.search(r'<a class="lang" href="([^"]+)"', english).group(1))
    assert parse_qs(urlsplit(back).query) == {"q": ["router"], "brand": ["D-Link"], "lang": ["vi"]}


def test_the_empty_choices_a_form_sends_are_dropped_by_a_redirect(client):
    response = client.get("/?q=router&status=&kind=declaration&brand=&year=", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/?q=router&kind=declaration"
    assert client.get("/?q=&status=", follow_redirects=False).headers["location"] == "/"
    assert client.get("/?q=router&year=abc").status_code == 400  # a bad value is still refused
