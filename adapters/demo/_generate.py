"""`generate`: the deterministic demo city and its planted complaints.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so the same seed and size
give the same city byte for byte. The order: the network (`_network`), the population
(`_subscribers`), then each entry of `_plan.PLAN` takes the next subscriber, resets it to the
healthy baseline and plants the evidence of its cause (``_plant_*``). The cause is chosen first
and the records made to match it; no tree or engine is ever run. Cases are finally numbered
``D-0001``… in the order they were reported.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Final

from ._cases import Ctx, Draft
from ._model import DemoCity, Record
from ._network import build_network
from ._plan import PLAN
from ._plant_billing import BILLING_PLANTERS
from ._plant_line import LINE_PLANTERS
from ._plant_network import NETWORK_PLANTERS
from ._subscribers import build_population

__all__ = ["MIN_SUBSCRIBERS", "generate"]

PLANTERS: Final[Mapping[str, Callable[[Ctx, Draft], None]]] = {
    **NETWORK_PLANTERS, **LINE_PLANTERS, **BILLING_PLANTERS}
#: the plan needs one line per complaint, and a base around them
MIN_SUBSCRIBERS: Final = 2 * sum(count for *_, count in PLAN)


def generate(seed: int = 7, subscribers: int = 3000) -> DemoCity:
    """The demo city for `seed` with `subscribers` lines, and its demo complaints."""
    if subscribers < MIN_SUBSCRIBERS:
        raise ValueError(f"subscribers must be at least {MIN_SUBSCRIBERS}, got {subscribers}")
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    net = build_network(rng)
    macro = [str(c["cell_id"]) for c in net.cells if c["tech"] == "LTE" and c["range_m"] >= 1500]
    pop = build_population(rng, subscribers, macro)
    ctx = Ctx(rng, net, pop)
    drafts: list[Draft] = []
    for cause, symptom, variant, count in PLAN:
        for _ in range(count):
            draft = Draft(cause, symptom, variant, pop.take())
            PLANTERS[cause](ctx, draft)
            drafts.append(draft)
    drafts.sort(key=lambda d: (d.reported_at, d.line.msisdn))
    cases = [ctx.case(d, i + 1) for i, d in enumerate(drafts)]
    records: dict[str, dict[str, list[Record]]] = {
        "hlr": {"subscribers": [line.sub for line in pop.lines if line.in_hlr],
                "devices": pop.devices},
        "billing": {"accounts": [line.account for line in pop.lines],
                    "customers": [line.customer for line in pop.lines]},
        "coverage": {"cells": net.cells, "alarms": net.alarms,
                     "planned_works": net.planned_works, "coverage_gaps": net.coverage_gaps,
                     "measurements": net.measurements},
    }
    _sort_lines(records)
    return DemoCity(seed, records, cases)


def _sort_lines(records: dict[str, dict[str, list[Record]]]) -> None:
    """Subscribers, accounts and customers by MSISDN (complainants are not first in the files)."""
    for source, table in (("hlr", "subscribers"), ("billing", "accounts"),
                          ("billing", "customers")):
        records[source][table].sort(key=lambda r: str(r["msisdn"]))
