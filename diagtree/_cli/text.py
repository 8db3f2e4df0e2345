"""A diagnosis rendered as text for a person at a terminal (`diagtree diagnose`)."""

from __future__ import annotations

import json

from diagtree._conclude.diagnosis import Diagnosis

__all__ = ["render_diagnosis"]


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def render_diagnosis(d: Diagnosis) -> str:
    lines = [
        f"Complaint {d.complaint_id} ({d.symptom}) — tree {d.tree_id or '-'} "
        f"v{d.tree_version or '-'}",
        "",
        f"Finding     {d.cause}  [{d.category}]",
        f"Resolution  {d.resolution}" + (f" → {d.department}" if d.department else ""),
        f"Grade       {d.grade}" + (f" ({'; '.join(d.grade_reasons)})" if d.grade_reasons
                                    else ""),
        f"Feedback    {d.feedback_kind} due {d.feedback_due}"
        + (f", then every {d.feedback_every_hours:g} h" if d.feedback_every_hours else ""),
    ]
    if d.also_found:
        lines.append(f"Also found  {', '.join(d.also_found)} (lost on precedence)")
    if d.refund is not None:
        r = d.refund
        limit = "any amount" if r.limit is None else f"limit {r.limit:g} {r.currency}"
        who = "may grant it on the call" if r.within_authority else "may not grant it"
        lines.append(f"Refund      {r.amount:.2f} {r.currency}: the {r.role} {who} ({limit})")
    if d.actions:
        lines.append("")
        lines.append("Agent actions")
        lines.extend(f"  - {a}" for a in d.actions)
    if d.explanation:
        lines += ["", f"Agent view ({d.locale})", "  " + d.explanation]
    lines += ["", f"Script ({d.locale})", *("  " + s for s in d.script.splitlines())]
    lines += ["", "Evidence path"]
    for i, step in enumerate(d.trace, 1):
        lines.append(f"  {i}. {step.node} [{step.kind}] at {step.at}")
        if step.condition:
            lines.append(f"       {step.condition}")
        for fact in step.facts:
            shown = _value(fact.value) if fact.available else "UNAVAILABLE"
            lines.append(f"       · {fact.name} = {shown}")
        lines.append(f"       → {step.branch} → {step.next}")
    if d.answers:
        lines.append("Answers     " + ", ".join(f"{k}={_value(v)}" for k, v in d.answers))
    for call in d.sources:
        state = "ok" if call.ok else f"FAILED ({call.error})"
        lines.append(f"Source      {call.source}: {state}, {call.latency_ms:.2f} ms")
    for note in d.notes:
        lines.append(f"Note        {note}")
    return "\n".join(lines)
