"""`script=False`: the diagnosis without its script — everything else exactly as with it.

Bulk runs (batch diagnosis, replay) rarely show the customer's script, and rendering it is the
largest single cost of concluding. `Engine.diagnose(..., script=False)` (and `adiagnose`,
`Session.diagnosis`) leaves `Diagnosis.script` empty and never touches the script templates;
the only other difference allowed is the notes only a script render writes (``no script …``,
``script … failed to render``) — and the timings and source latencies, which differ on
every run anyway.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scenario_runs import shipped_cases, shipped_engine, sources_of
from test_template_limits import COMPLAINT, _engine

import diagtree_adapters as ad
from diagtree import Diagnosis, Engine
from diagtree._conclude.script import ScriptRenderer
from diagtree._vocab.taxonomy import LOCALES
from diagtree_adapters import demo

from conftest import fuzz

_SCRIPT_NOTES = ("no script ", "script ")


def _without_script(diagnosis: Diagnosis) -> dict[str, Any]:
    data = diagnosis.to_dict()
    data.pop("script")
    data.pop("timings_ms")
    for call in data["sources"]:  # measured on every run
        call.pop("latency_ms")
    data["notes"] = [n for n in data["notes"] if not n.startswith(_SCRIPT_NOTES)]
    return data


def _same_but_script(on: Diagnosis, off: Diagnosis) -> None:
    assert off.script == ""
    assert _without_script(off) == _without_script(on)
    # the only notes that differ are the script's own
    assert [n for n in on.notes if not n.startswith(_SCRIPT_NOTES)] == list(off.notes)


@pytest.fixture(scope="module")
def demo_engine() -> Engine:
    return Engine(sources=ad.mock_sources(demo.demo_records()))


def test_every_scenario_in_every_locale_is_the_same_without_its_script() -> None:
    engine = shipped_engine()
    compared = 0
    for case in shipped_cases():
        complaint = {"id": case.id, **case.complaint}
        sources = sources_of(case.sources, case.down)
        for loc in LOCALES:
            on = engine.diagnose(complaint, answers=case.answers, sources=sources, locale=loc)
            off = engine.diagnose(complaint, answers=case.answers, sources=sources, locale=loc,
                                  script=False)
            _same_but_script(on, off)
            compared += 1
            if on.script:
                assert on.script != off.script
    assert compared >= 100


@fuzz(60)
@given(index=st.integers(min_value=0, max_value=10_000), locale=st.sampled_from(LOCALES),
       trace=st.booleans(), read_lazy_first=st.booleans())
def test_a_demo_complaint_is_the_same_without_its_script(
        demo_engine: Engine, index: int, locale: str, trace: bool,
        read_lazy_first: bool) -> None:
    cases = demo.demo_complaints()
    case = cases[index % len(cases)]
    sources = ad.mock_sources(demo.demo_records(), down=case["down"]) if case["down"] \
        else None
    kwargs: dict[str, Any] = {"answers": case["answers"], "sources": sources,
                              "locale": locale, "trace": trace}
    on = demo_engine.diagnose(case["complaint"], **kwargs)
    off = demo_engine.diagnose(case["complaint"], script=False, **kwargs)
    if read_lazy_first:  # the lazy fields, worked out before or within to_dict, agree
        assert off.also_found == on.also_found and off.explanation == on.explanation
    _same_but_script(on, off)


def test_without_its_script_no_script_template_is_rendered(
        demo_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the script was rendered")

    for name in ("render", "render_bundle", "render_script"):
        monkeypatch.setattr(ScriptRenderer, name, refuse)
    causes = set()
    for case in demo.demo_complaints():
        sources = ad.mock_sources(demo.demo_records(), down=case["down"]) if case["down"] \
            else None
        d = demo_engine.diagnose(case["complaint"], answers=case["answers"], sources=sources,
                                 script=False)
        assert d.script == ""
        causes.add(d.cause)
    assert len(causes) > 5
    with pytest.raises(AssertionError, match="the script was rendered"):  # the guard works
        case = demo.demo_complaints()[0]
        demo_engine.diagnose(case["complaint"], answers=case["answers"])


def test_adiagnose_and_a_session_conclude_without_the_script(demo_engine: Engine) -> None:
    case = next(c for c in demo.demo_complaints() if not c["down"])
    on = demo_engine.diagnose(case["complaint"], answers=case["answers"])
    assert on.script
    off = asyncio.run(demo_engine.adiagnose(case["complaint"], answers=case["answers"],
                                            script=False))
    _same_but_script(on, off)
    session = demo_engine.session(case["complaint"], answers=case["answers"])
    from_session = session.diagnosis(script=False)
    assert from_session.script == "" and from_session.cause == on.cause
    assert session.diagnosis().script == on.script  # the session is unchanged by it

    async def awaited() -> Diagnosis:
        started = await demo_engine.asession(case["complaint"], answers=case["answers"])
        return await started.adiagnosis(script=False)

    assert asyncio.run(awaited()).script == ""


def test_a_failing_action_is_noted_when_first_read_without_the_script(tmp_path: Path) -> None:
    """Without the script, templated actions render on first use of `actions` or `notes`;
    a failing one is left as written and noted, as with the script."""
    engine = _engine(tmp_path, "{{ 1 / 0 }}", action="Call back {{ 7 ** 100000000 }}")
    on = engine.diagnose(COMPLAINT, locale="en")
    off = engine.diagnose(COMPLAINT, locale="en", script=False)
    assert "actions" not in vars(off) and "notes" not in vars(off)  # not rendered yet
    assert off.notes == tuple(n for n in on.notes if not n.startswith(_SCRIPT_NOTES))
    assert any(n.startswith("action ") and "failed to render" in n for n in off.notes)
    assert any(n.startswith("script ") for n in on.notes)  # the script's own note, with it
    assert off.actions == on.actions == ("Call back {{ 7 ** 100000000 }}",)
    _same_but_script(on, off)
