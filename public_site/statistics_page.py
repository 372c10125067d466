"""Public enforcement statistics: ``/statistics`` (SVG charts, no JavaScript), its JSON twin
``/api/v1/statistics`` and the same figures as open data (``/open-data/statistics.csv``)."""

from __future__ import annotations

import csv
import io
from datetime import date

import msgspec
from litestar import Controller, Request, Response, get
from litestar.response import Template

from public_site.charts import bars, stacked_columns
from public_site.i18n import language, translator
from public_site.plugin import Db
from public_site.rendering import STATUS_CODES, render
from public_site.schemas import MethodCount, problems, typed
from registry.enforcement_terms import METHODS, SANCTIONS, money
from registry.statistics import UNKNOWN_PROVINCE, Statistics, statistics

CACHE = "public, max-age=300"


class YearCount(msgspec.Struct):
    year: int
    by_status: dict[str, int]


class MonthCount(msgspec.Struct):
    month: str  # YYYY-MM of the decision
    notices: int


class ProvinceCount(msgspec.Struct):
    province: str  # "" for notices that name none
    notices: int


class MonthSanctions(msgspec.Struct):
    month: str
    sanctions: dict[str, int]  # sanction -> published conclusions that imposed it


class StatisticsOut(msgspec.Struct):
    on: date  # the day the statuses are of
    certificates_by_status: dict[str, int]
    certificates_by_year: list[YearCount]  # by the year issued
    notices_by_month: list[MonthCount]
    notices_by_province: list[ProvinceCount]
    sanctions_by_month: list[MonthSanctions]
    fines_vnd: int  # fines of published conclusions, in total
    methods: list[MethodCount]


def as_json(figures: Statistics) -> StatisticsOut:
    return typed({
        "on": figures.on, "certificates_by_status": figures.by_status,
        "certificates_by_year": [{"year": y, "by_status": s} for y, s in figures.by_year],
        "notices_by_month": [{"month": m, "notices": n} for m, n in figures.notices_by_month],
        "notices_by_province": [{"province": p, "notices": n} for p, n in figures.notices_by_province],
        "sanctions_by_month": [{"month": m, "sanctions": s} for m, s in figures.sanctions_by_month],
        "fines_vnd": figures.fines_vnd,
        "methods": [{"method": m, "label": list(METHODS[m]), "conclusions": n} for m, n in figures.methods],
    }, StatisticsOut)


def as_csv(figures: Statistics) -> str:
    """One long table (figure, key, part, value): every aggregate of the page, easy to pivot."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "key", "part", "value"])
    writer.writerows(["certificates_by_status", s, "", n] for s, n in figures.by_status.items())
    writer.writerows(["certificates_by_year", y, s, n] for y, parts in figures.by_year for s, n in parts.items())
    writer.writerows(["notices_by_month", m, "", n] for m, n in figures.notices_by_month)
    writer.writerows(["notices_by_province", p, "", n] for p, n in figures.notices_by_province)
    writer.writerows(["sanctions_by_month", m, s, n] for m, parts in figures.sanctions_by_month
                     for s, n in parts.items())
    writer.writerow(["fines_vnd", "", "", figures.fines_vnd])
    writer.writerows(["methods", m, "", n] for m, n in figures.methods)
    return out.getvalue()


def charts(figures: Statistics, lang: str) -> dict:
    t, en = translator(lang), int(lang == "en")
    status_names = {code: t(f"status_{code}") for code in STATUS_CODES}
    sanction_keys = [code for code in SANCTIONS if any(code in parts for _, parts in figures.sanctions_by_month)]
    return {
        "status": bars(t("stats_by_status"), [(c, status_names.get(c, c), n) for c, n in figures.by_status.items()]),
        "years": stacked_columns(t("stats_by_year"), [(str(y), s) for y, s in figures.by_year],
                                 [c for c in STATUS_CODES if c in figures.by_status], status_names),
        "months": bars(t("stats_notices_by_month"), [("", m, n) for m, n in figures.notices_by_month[-24:]]),
        "provinces": bars(t("stats_notices_by_province"),
                          [("", p or t("stats_no_province"), n) for p, n in figures.notices_by_province[:15]]),
        "sanctions": stacked_columns(t("stats_sanctions_by_month"), figures.sanctions_by_month[-24:], sanction_keys,
                                     {code: SANCTIONS[code][en] for code in sanction_keys}),
        "methods": bars(t("methods_seen"), [("", METHODS[m][en], n) for m, n in figures.methods]),
    }


class StatisticsController(Controller):
    @get("/statistics", sync_to_thread=True, include_in_schema=False, cache_control=None)
    def page(self, request: Request, db: Db) -> Template:
        figures = statistics(db)
        return render(request, "pages/statistics.html", figures=figures, money=money, methods=METHODS,
                      sanctions=SANCTIONS, unknown_province=UNKNOWN_PROVINCE,
                      charts=charts(figures, language(request)))

    @get("/api/v1/statistics", sync_to_thread=True, operation_id="enforcementStatistics", tags=["registry"],
         responses=problems())
    def api(self, db: Db) -> Response[StatisticsOut]:
        """Certificates by status and by year issued, violation notices by month and province,
        sanctions by month, fines in total and the methods seen (the page ``/statistics``)."""
        return Response(as_json(statistics(db)), headers={"Cache-Control": CACHE})

    @get("/open-data/statistics.csv", sync_to_thread=True, operation_id="statisticsCsv", tags=["open data"],
         media_type="text/csv", responses=problems())
    def open_data(self, db: Db) -> Response[str]:
        """The figures of ``/statistics`` as one long CSV table: figure, key, part, value."""
        return Response(as_csv(statistics(db)), media_type="text/csv; charset=utf-8", headers={
            "Cache-Control": CACHE, "Content-Disposition": 'attachment; filename="hopquy-statistics.csv"'})
