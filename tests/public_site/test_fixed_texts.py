"""Templates with their fixed texts translated at compile time render exactly as plain ones."""

from __future__ import annotations

import pytest
from jinja2 import Environment
from litestar import Litestar, Request

from importer.run import ImportOptions, import_file
from public_site.i18n import translator
from public_site.pages import PROVINCE_OPTIONS
from public_site.rendering import BY_LANGUAGE, TEMPLATES, page_context
from registry.queries import certificate_row, certificate_view
from registry.status import effective_status
from tests.helpers import row, write_feed

SOURCE = ("<p title=\"{{ t('tagline') }}\">{{ t('tagline') }}</p>"  # an apostrophe in English
          "{{ t('status_' ~ code) }}|{{ t('no_such_key') }}|{{ box.t('x') }}|{{ t('search') ~ '!' }}"
          "{% if t('search') %}{{ t(\"results\") }}{% endif %}")


class Box:
    @staticmethod
    def t(key: str) -> str:
        return f"box:{key}"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_fixed_texts_render_as_the_calls_would(lang):
    fixed = BY_LANGUAGE[lang].from_string(SOURCE)
    plain = Environment(autoescape=True).from_string(SOURCE)
    context = {"t": translator(lang), "code": "revoked", "box": Box()}
    assert fixed.render(context) == plain.render(context)
    if lang == "en":
        assert "Vietnam&#39;s" in fixed.render(context)  # escaped at compile time as at run time
    # the literal keys are gone from the compiled code; the computed one still calls t
    code = BY_LANGUAGE[lang].compile(SOURCE, raw=True)
    assert "'tagline'" not in code and "'status_'" in code


def test_every_template_compiles_in_both_languages():
    for environment in BY_LANGUAGE.values():
        names = environment.list_templates(extensions=["html"])
        assert len(names) > 10
        for name in names:
            environment.get_template(name)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_scan_page_is_byte_for_byte_the_plain_templates_page(engine, tmp_path, lang):
    feed = write_feed(tmp_path / "feed.csv", [row(brand="<b>O'Brien</b> & Co")])
    import_file(engine, feed, ImportOptions(source="qc1"))
    with engine.connect() as connection:
        cert = certificate_row(connection, "A0412150324AE01A2")
        view = certificate_view(connection, cert, effective_status(cert.admin_status, cert.expires_on))
    request = Request({"type": "http", "method": "GET", "path": f"/v/{cert.certificate_no}", "raw_path": b"",
                       "query_string": f"lang={lang}".encode(), "headers": [], "app": Litestar([]), "state": {},
                       "root_path": "", "scheme": "http", "server": ("test", 80)})
    pages = []
    for environment in (TEMPLATES.engine, BY_LANGUAGE[lang]):
        context = page_context(request, {"view": view, "rec": view.record, "province_options": PROVINCE_OPTIONS,
                                         "shared": False})
        pages.append(environment.get_template("pages/verify.html").render(**context))
    assert pages[0] == pages[1]
    assert "&lt;b&gt;O&#39;Brien&lt;/b&gt; &amp; Co" in pages[1] and f'<html lang="{lang}">' in pages[1]
