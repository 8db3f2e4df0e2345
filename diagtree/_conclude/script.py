"""The script and the actions of a diagnosis, rendered from its outcome's catalog entry.

The catalog's templated action texts compile once, when the engine loads; each outcome's
script and actions compile on first use into one template (a bundle: one render for all of
them). A bundle that fails renders the parts one by one instead, which notes each failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jinja2

from diagtree._check.catalog import CatalogEntry
from diagtree._check.scripts import ScriptBook
from diagtree._privacy import describe, mask_text
from diagtree._templates.render import compile_bundle, compile_template, render_template

__all__ = ["ScriptRenderer"]

_ACTION_SEPARATOR = "\x1e"  # ASCII record separator: never in an action's text
_MISSING: Any = object()  # "not there" where None is a value


class ScriptRenderer:
    """Renders an outcome's script (in a locale) and its actions, compiled once each."""

    def __init__(self, book: ScriptBook, entries: Iterable[CatalogEntry]) -> None:
        self.book = book
        # the catalog's action texts compile once, here, like the scripts (compile once, use
        # many)
        env = book.env("en")
        self._action_templates: dict[str, jinja2.Template] = {
            text: compile_template(env, text)
            for entry in entries for text in entry.actions if "{" in text}
        # per (cause, locale), its script and actions as one template (None: one by one)
        self._bundles: dict[tuple[str, str], jinja2.Template | None] = {}
        # per cause: whether any of its actions is a template
        self._templated: dict[str, bool] = {}

    def render(self, entry: CatalogEntry | None, locale: str, variables: dict[str, Any],
               notes: list[str]) -> tuple[str, tuple[str, ...]]:
        """The script and the actions of `entry` (none: no script, noted, and no actions);
        whatever fails to render is noted and left empty (a script) or as written (an
        action)."""
        rendered = self.render_bundle(entry, locale, variables)
        if rendered is not None:
            return rendered
        script = self.render_script(entry.script if entry else None, locale, variables, notes)
        return script, self.render_actions(entry, variables, notes)

    def templated(self, entry: CatalogEntry | None) -> bool:
        """Whether any of the outcome's actions is a template (else they are as written)."""
        if entry is None:
            return False
        found = self._templated.get(entry.cause)
        if found is None:
            found = self._templated[entry.cause] = any("{" in a for a in entry.actions)
        return found

    def render_bundle(self, entry: CatalogEntry | None, locale: str,
                      variables: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
        """The script and the actions in one render, when the outcome has both and they
        render without error; None: render them one by one (which notes any failure)."""
        if entry is None:
            return None
        key = (entry.cause, locale)
        bundle = self._bundles.get(key, _MISSING)
        if bundle is _MISSING:
            bundle = self._bundles[key] = self._compile_bundle(entry, locale)
        if bundle is None:
            return None
        try:
            parts = render_template(bundle, variables).split(_ACTION_SEPARATOR)
        except Exception:  # whatever it is, rendering the parts one by one notes it
            return None
        if len(parts) != len(entry.actions) + 1:
            return None
        return parts[0].strip(), tuple(parts[1:])

    def bundles(self) -> dict[tuple[str, str], jinja2.Template | None]:
        """The bundles compiled so far, by (cause, locale) (None: rendered one by one)."""
        return self._bundles

    def _compile_bundle(self, entry: CatalogEntry, locale: str) -> jinja2.Template | None:
        book = self.book
        script = book.scripts.get(entry.script) if entry.script else None
        if script is None or not entry.actions:
            return None
        used = script.locale_for(locale)
        return compile_bundle(book.env(used), script.sources[used], entry.actions,
                              _ACTION_SEPARATOR)

    def render_script(self, script_id: str | None, locale: str, variables: dict[str, Any],
                      notes: list[str]) -> str:
        book = self.book
        if script_id is None or script_id not in book.scripts:
            notes.append(f"no script {script_id!r}")
            return ""
        script = book.scripts[script_id]
        template = script.templates[script.locale_for(locale)]
        try:
            return render_template(template, variables).strip()
        except Exception as exc:  # anything an author's template can raise ends here, noted
            notes.append(f"script {script_id!r} failed to render: {_error_text(exc)}")
            return ""

    def render_actions(self, entry: CatalogEntry | None, variables: dict[str, Any],
                       notes: list[str]) -> tuple[str, ...]:
        if entry is None:
            return ()
        return tuple(self._render_text(a, variables, notes) for a in entry.actions)

    def _render_text(self, text: str, variables: dict[str, Any], notes: list[str]) -> str:
        if "{" not in text:
            return text
        try:  # every templated action was compiled when the engine loaded
            return render_template(self._action_templates[text], variables)
        except Exception as exc:  # anything an author's template can raise ends here, noted
            notes.append(f"action {text!r} failed to render: {_error_text(exc)}")
            return text


def _error_text(exc: BaseException) -> str:
    """What a render's exception says, for a note: a template error's message, or else its
    class and message (`describe`: bounded, never raising); subscriber numbers masked."""
    if isinstance(exc, jinja2.TemplateError):
        text = describe(exc)
        return mask_text(text.partition(": ")[2] or text)
    return mask_text(describe(exc))
