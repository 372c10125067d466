"""Index settings: what is searched, in which order, and what can be filtered and sorted."""

from __future__ import annotations

MAX_TOTAL_HITS = 10_000  # the deepest result a search can page to

SETTINGS = {
    "searchableAttributes": [
        "models",
        "model_keys",
        # Numbers are found on purpose (search.pins). Here a number is one compacted word, for
        # a number typed as far as it goes: split at its slashes, a declaration's parts would
        # outrank a model's last part ("2312" would be an exact word at the start of
        # 2312/2026/CBHQ-B70, and a million rows hold a 2312 for every centre and year).
        "number_key",
        "mark_code",
        "brand",
        # the name sold under (search.trade_names): one equal to the query ranks before the
        # names it begins, by exactness; product_name still holds it for the other rules
        "trade_name",
        "product_name",
        "holder_name",
        "holder_tax_code",
        "technologies",
        "bands",
        # not regulations: "18" in XT311-18 would match every certificate under QCVN 18,
        # and reading that list made such a search slow; regulations are a filter instead
    ],
    "filterableAttributes": [
        "admin_status", "expires_day",
        "status",  # as on the day the document was built (search.lapsed)
        "kind", "category", "brand", "regulations", "issued_year",
        "holder_tax_code", "certificate_no", "source", "technologies",
        "device_key",  # a search groups its hits by device (``distinct``), or lists one device's
    ],
    "sortableAttributes": ["issued_day", "expires_day"],
    "rankingRules": ["words", "typo", "proximity", "exactness", "attribute", "sort",
                     "issued_day:desc"],
    "typoTolerance": {
        # A typo in a code finds a different device: codes get no typo tolerance here.
        "disableOnAttributes": ["number_key", "mark_code", "model_keys", "holder_tax_code"],
    },
    "synonyms": {
        "điện thoại": ["phone", "smartphone", "dien thoai"],
        "phone": ["điện thoại", "smartphone"],
        "smartphone": ["điện thoại", "phone"],
        "máy tính bảng": ["tablet", "may tinh bang"],
        "tablet": ["máy tính bảng"],
        "bộ phát wifi": ["router", "wlan", "wi-fi"],
        "router": ["bộ phát wifi", "wlan"],
        "đồng hồ thông minh": ["smartwatch", "smart watch"],
        "smartwatch": ["đồng hồ thông minh"],
        "modem": ["modem quang", "ont"],
        "đầu thu": ["tv receiver", "set-top box", "dvb-t2"],
    },
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    # brands by count: the filter offers the brands with most results, not the first 50 of
    # the alphabet (this costs a few ms only when a search matches thousands of brands)
    "faceting": {"maxValuesPerFacet": 50, "sortFacetValuesBy": {"*": "alpha", "brand": "count"}},
    # No searchCutoffMs: it stops only the ranking, while the slow searches are slow in finding
    # and faceting their matches (docs/benchmarks.md: it shortened no tail, and reordered answers).
}
