"""Templates compiled once per language, with their fixed texts already translated.

Every ``{{ t('key') }}`` in a template is a function call on every render, and the scan page
has about twenty of them: a third of its rendering time, for words that never change. Here
each language gets its own Jinja environment whose templates see ``t('key')`` replaced by the
translated string while they compile; Jinja then folds it (escaped, as at run time) into the
page's static text. Calls with a computed key, such as ``t('status_' ~ code)``, stay calls.
The rendered pages are byte for byte what the plain templates give.
"""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import Environment
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from public_site.i18n import LANGS, translator

_CALL = ("name", "lparen", "string", "rparen")  # t ( 'key' )


class FixedTexts(Extension):
    """Turns ``t('key')`` into the string it gives in the environment's ``text_language``."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        t = translator(self.environment.text_language)  # type: ignore[attr-defined]
        window: list[Token] = []
        before: Token | None = None  # the token ahead of the window: ``x.t('key')`` is not ours
        for token in stream:
            window.append(token)
            if len(window) > len(_CALL):
                before = window.pop(0)
                yield before
            if (len(window) == len(_CALL) and tuple(w.type for w in window) == _CALL
                    and window[0].value == "t" and (before is None or before.type != "dot")):
                yield Token(window[0].lineno, "string", t(window[2].value))
                window, before = [], None
        yield from window


def environments(base: Environment) -> dict[str, Environment]:
    """One overlay of ``base`` per language: the same loader, filters and settings, each with
    its own cache of compiled templates. Make them once ``base`` is set up."""
    out = {}
    for lang in LANGS:
        overlay = base.overlay(extensions=[FixedTexts])
        overlay.extend(text_language=lang)
        out[lang] = overlay
    return out
