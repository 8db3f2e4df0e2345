"""The Source contract: declared facts, exact keys, value types, and the worked examples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from adapter_support import CELL, complaint, sources, with_

from diagtree._errors import SourceError
from diagtree._vocab.complaint import parse_complaint
from diagtree._vocab.facts import FactSchema
from diagtree._walk.sources import Source
from diagtree_adapters import (
    BillingAdapter,
    CoverageAdapter,
    HlrAdapter,
    RecordStore,
    mock_sources,
    records_from_mapping,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "spec_examples.yaml"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "facts.md"


def _cases() -> list[dict[str, Any]]:
    if not EXAMPLES.exists():
        pytest.skip("examples.yaml not available")
    cases: list[dict[str, Any]] = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8"))["cases"]
    return cases


def _check(source: Source, facts: dict[str, Any]) -> None:
    specs = {spec.name: spec for spec in source.facts()}
    assert set(facts) == set(specs)
    for name, value in facts.items():
        assert value is None or specs[name].type.accepts(value), (name, value)


def test_declarations() -> None:
    store = RecordStore(records_from_mapping({}))
    schema = FactSchema([s for a in (HlrAdapter(store), BillingAdapter(store),
                                     CoverageAdapter(store)) for s in a.facts()])
    assert {spec.source for spec in schema.values()} == {"hlr", "billing", "coverage"}
    for spec in schema.values():
        assert spec.doc
    if DOCS.exists():  # every fact docs/facts.md lists for these sources is declared
        documented = set()
        for line in DOCS.read_text(encoding="utf-8").splitlines():
            if line.startswith("| `") and not line.startswith("| `complaint."):
                first = line.split("|")[1].strip()
                names = [n.strip().strip("`") for n in first.split("/")]
                base = names[0].rsplit(".", 1)[0]
                documented.update(names[:1] + [base + n if n.startswith(".") else n
                                               for n in names[1:]])
        assert documented == set(schema)


@pytest.mark.parametrize("index", range(8))
def test_examples_keys_and_types(index: int) -> None:
    cases = _cases()
    if index >= len(cases):
        pytest.skip("fewer cases")
    case = cases[index]
    c = parse_complaint(case["complaint"])
    for source in mock_sources(records_from_mapping(case["sources"])):
        _check(source, dict(source.fetch(c, 1.0)))


def _example(case_id: str) -> dict[str, Any]:
    case = next(c for c in _cases() if c["id"] == case_id)
    c = parse_complaint(case["complaint"])
    out: dict[str, Any] = {}
    for source in mock_sources(records_from_mapping(case["sources"])):
        out.update(source.fetch(c, 1.0))
    return out


def test_example_facts_match_descriptions() -> None:
    outage = _example("example-ns-outage")
    assert outage["coverage.outage.active"] is True
    assert outage["coverage.outage.eta"] == dt.datetime.fromisoformat("2026-11-20T16:30:00+08:00")
    assert outage["hlr.odb.bar_reason"] is None and outage["billing.found"] is True
    gap = _example("example-ns-gap")
    assert gap["coverage.gap.in_gap"] is True and gap["coverage.outage.active"] is False
    assert gap["coverage.rsrp_dbm"] == -117
    assert gap["coverage.gap.planned_fix"] == dt.date(2027, 3, 31)
    over = _example("example-bd-overrate")
    assert over["billing.charge.above_rate"] is True
    assert over["billing.charge.is_duplicate"] is False
    assert (over["billing.charge.rated_amount"], over["billing.charge.refund_amount"]) == (29, 16)
    vas = _example("example-vas-unconf")
    assert vas["billing.vas.found"] is True and vas["billing.vas.confirmed"] is False
    assert vas["billing.vas.total_charged"] == 30
    both = _example("example-x-co-outage-arrears")
    assert both["hlr.odb.bar_reason"] == "arrears" and both["coverage.outage.active"] is True
    assert both["billing.account.suspended_reason"] == "arrears"
    quota = _example("example-x-sd-quota-congest")
    assert quota["billing.plan.quota_exhausted"] is True
    assert quota["coverage.prb_util_max"] == 0.88


@pytest.mark.parametrize("location", [None, (28.2282, 112.9388)])
@pytest.mark.parametrize("symptom", ["bill_dispute", "recharge_issue", "staff_conduct"])
def test_types_when_records_are_absent(symptom: str, location: Any) -> None:
    store = RecordStore(records_from_mapping({}))
    c = complaint(symptom, location=location, subject={"charge_id": "c1", "sp_code": "1"})
    for adapter in (HlrAdapter(store), BillingAdapter(store), CoverageAdapter(store)):
        _check(adapter, adapter.fetch(c, 1.0))


class RawBackend:
    """An operator-style backend: plain dicts with ISO strings, nothing pre-validated."""

    def __init__(self, block: dict[str, Any]) -> None:
        self.block = block

    def subscriber(self, msisdn: str) -> dict[str, Any] | None:
        return next((s for s in self.block["hlr"]["subscribers"] if s["msisdn"] == msisdn), None)

    def device(self, tac: str) -> dict[str, Any] | None:
        return next((d for d in self.block["hlr"]["devices"] if d["tac"] == tac), None)

    def account(self, msisdn: str) -> dict[str, Any] | None:
        return next((a for a in self.block["billing"]["accounts"] if a["msisdn"] == msisdn),
                    None)

    def customer(self, msisdn: str) -> dict[str, Any] | None:
        return next((a for a in self.block["billing"]["customers"] if a["msisdn"] == msisdn),
                    None)

    def cells_near(self, lat: float, lon: float) -> list[dict[str, Any]]:
        return list(self.block["coverage"]["cells"])

    def alarms_on_any(self, elements: list[str]) -> list[dict[str, Any]]:
        return [a for e in elements for a in self.block["coverage"]["alarms"]
                if a["element"] == e]

    def platform_alarms(self) -> list[dict[str, Any]]:
        return []

    def planned_works_on_any(self, cell_ids: list[str]) -> list[dict[str, Any]]:
        return []

    def gaps_near(self, lat: float, lon: float) -> list[dict[str, Any]]:
        return []

    def measurements_near(self, lat: float, lon: float, r: float) -> list[dict[str, Any]]:
        return list(self.block["coverage"]["measurements"])


def test_raw_backend_gives_the_same_facts() -> None:
    alarm = {"element": CELL["cell_id"], "type": "site_down", "severity": "critical",
             "raised_at": "2026-11-20T07:10:00+08:00", "eta": "2026-11-20T13:00:00+08:00"}
    block = sources(alarms=[alarm])
    store = RecordStore(records_from_mapping(block))
    raw = RawBackend(block)
    c = complaint("cannot_call_out", subject={"charge_id": "c3", "card_serial": "1234567890"})
    for cls in (HlrAdapter, BillingAdapter):
        assert cls(raw).fetch(c, 1.0) == cls(store).fetch(c, 1.0)
    raw_cov, mem_cov = CoverageAdapter(raw).fetch(c, 1.0), CoverageAdapter(store).fetch(c, 1.0)
    assert raw_cov == mem_cov
    assert raw_cov["coverage.outage.eta"] == dt.datetime.fromisoformat("2026-11-20T13:00:00+08:00")


def test_malformed_backend_record_is_a_source_error() -> None:
    block = sources(cells=[with_(CELL, lat="north")])
    raw = RawBackend(block)
    facts = CoverageAdapter(raw).fetch(complaint(), 1.0)  # groups are derived when read
    assert facts["coverage.located"] is True
    with pytest.raises(SourceError, match="coverage"):
        facts["coverage.serving_cells"]
    with pytest.raises(SourceError, match="coverage"):  # and again: never a half-derived group
        dict(facts)
    block["hlr"]["subscribers"][0]["status"] = "weird"
    hlr = HlrAdapter(raw).fetch(complaint(), 1.0)
    assert hlr["hlr.found"] is True and hlr["hlr.odb.bar_reason"] is None
    with pytest.raises(SourceError, match="hlr"):
        hlr["hlr.status"]
