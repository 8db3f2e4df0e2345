"""The outcome catalog: what each cause means for the agent (a YAML file operators edit).

```yaml
outcomes:
  network.site_outage:
    resolution: frontline          # frontline | dispatch
    department: null               # required for dispatch: a department code
    actions: ["Attach the complaint to incident {{ outage_cell }}"]
    script: network.site_outage    # defaults to the cause code
    refund: {amount: refund_amount, any_amount: false}   # optional
    explanation:                   # optional: the agent's plain sentences (Jinja, per locale)
      en: "The cell that serves this address is down{% if eta %}; repair is expected by …"
      zh-CN: "…"
    also_found: {en: "The line is also barred for arrears.", zh-CN: "…"}   # optional
```

A finer cause (``network.site_outage.power``) uses its own entry when there is one, else the
entry of the nearest cause above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from diagtree._check import schema as _schema
from diagtree._errors import Problem, did_you_mean
from diagtree._load.fields import Fields
from diagtree._load.yaml import Positions
from diagtree._vocab.taxonomy import CAUSES, DEPARTMENTS, LOCALES, RESOLUTIONS, base_cause

__all__ = ["Catalog", "CatalogEntry", "Refund", "read_catalog"]


@dataclass(frozen=True)
class Refund:
    """Which outcome value holds the refund, and whether it ignores the authority limits."""

    amount: str
    any_amount: bool = False


@dataclass(frozen=True)
class CatalogEntry:
    cause: str
    resolution: str
    department: str | None
    actions: tuple[str, ...]
    script: str
    refund: Refund | None
    file: str
    line: int
    # the agent's explanation of this finding, and the sentence saying it was also found
    # (locale -> Jinja text; empty: the generic sentences of `_conclude.explain`)
    explanation: tuple[tuple[str, str], ...] = ()
    also_found: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Catalog:
    entries: dict[str, CatalogEntry]

    def entry(self, cause: str) -> CatalogEntry | None:
        parts = cause.split(".")
        for n in range(len(parts), 0, -1):
            hit = self.entries.get(".".join(parts[:n]))
            if hit is not None:
                return hit
        return None


def read_catalog(data: Any, pos: Positions, problems: list[Problem]) -> Catalog:
    top = Fields(data, (), pos, problems, "an outcome catalog")
    top.only(_schema.CATALOG_FILE.keys)
    outs = top.child("outcomes", "`outcomes`")
    entries: dict[str, CatalogEntry] = {}
    for key in outs.data:
        cause = str(key)
        f = outs.child(cause, f"outcome {cause!r}")
        if base_cause(cause) is None:
            f.error(f.path, "unknown_cause", f"{cause!r} is not a cause of the taxonomy",
                    did_you_mean(cause, CAUSES), at_key=True)
            continue
        if not f.ok:
            continue
        f.only(_schema.CATALOG_ENTRY.keys)
        resolution = f.string("resolution", required=True, choices=RESOLUTIONS) or "dispatch"
        department = f.string("department", choices=DEPARTMENTS)
        if resolution == "dispatch" and department is None and f.has("resolution"):
            f.error(f.path, "missing_key", f"{cause!r} is dispatched: say to which `department`",
                    "one of " + ", ".join(DEPARTMENTS))
        refund = None
        if f.has("refund"):
            rf = f.child("refund", "`refund`")
            rf.only(_schema.REFUND.keys)
            amount = rf.string("amount", required=True)
            if amount is not None:
                refund = Refund(amount, bool(rf.boolean("any_amount", False)))
        entries[cause] = CatalogEntry(
            cause=cause, resolution=resolution, department=department,
            actions=tuple(f.strings("actions")), script=f.string("script") or cause,
            refund=refund, file=pos.file, line=outs.key_loc(cause).line,
            explanation=_localized(f, "explanation"), also_found=_localized(f, "also_found"))
    return Catalog(entries)


def _localized(f: Fields, key: str) -> tuple[tuple[str, str], ...]:
    """An optional text per locale (every locale required when the key is there)."""
    if not f.has(key):
        return ()
    sub = f.child(key, f"`{key}`")
    if not sub.ok:
        return ()
    sub.only(_schema.LOCALIZED.keys)
    texts = [(loc, sub.string(loc, required=True)) for loc in LOCALES]
    return tuple((loc, text) for loc, text in texts if text is not None)
