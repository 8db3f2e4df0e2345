"""`build_report`: a results frame → the CSV tables, ``paths.json`` and one self-contained
``report.html`` (inline CSS and SVG, no script, nothing fetched) in a folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from diagtree._check.regulator import regulator_classes_of
from diagtree._incidents.frames import TABLE_COLUMNS
from diagtree._report import svg
from diagtree._report.frame import ReportInputError, read_frame
from diagtree._report.paths import counts_by_tree, path_counts
from diagtree._report.tables import RESULT_COLUMNS, build_tables

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["INCIDENT_COLUMNS", "Report", "build_report", "read_incidents"]

#: the incidents table's columns a report reads (docs/batch.md; `members` is not needed)
INCIDENT_COLUMNS: Final = tuple(c for c in TABLE_COLUMNS if c != "members")
#: rows of a table shown on the page (the CSV holds them all)
SHOWN_ROWS: Final = 15
#: what each table is called on the page
TITLES: Final = {
    "cause_distribution": "Cause distribution",
    "first_contact_by_symptom": "Resolved at first contact, per symptom",
    "first_contact_by_cause": "Resolved at first contact, per cause",
    "repeats_by_cause": "Repeat complaints within 30 days, per cause",
    "complaints_by_department": "Complaints per department",
    "deadline_load": "Feedback deadlines per day",
    "top_cells": "Top cells by network complaints",
    "regulator_classes": "The regulator's three classes (网络质量 / 收费争议 / 用户服务)",
    "incidents": "Incidents and their warning levels",
    "warning_levels": "Warning levels",
    "path_counts": "Path counts per tree node",
}


@dataclass(frozen=True)
class Report:
    """What `build_report` wrote: the folder, the rows read, the tables by name."""

    folder: Path
    rows: int
    tables: Mapping[str, pd.DataFrame]

    @property
    def page(self) -> Path:
        return self.folder / "report.html"


def read_incidents(path: str | Path) -> pd.DataFrame:
    """The incidents table (`diagtree incidents`), counts as integers."""
    import pandas as pd  # noqa: PLC0415

    frame = read_frame(path, INCIDENT_COLUMNS)
    for column in ("distinct_customers", "complaints"):
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = numbers.isna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 1
            raise ReportInputError(f"{path}: row {row}: {column}: not a count: "
                                   f"{frame[column].iloc[row - 1]!r}")
        frame[column] = numbers.astype("int64")
    return frame


def _classes(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{path}: cannot read the regulator classes: {exc}") from None
    return regulator_classes_of(text, str(path))


def _chart(name: str, table: pd.DataFrame) -> str:
    title = TITLES[name]
    if name == "cause_distribution":
        return svg.bars(title, list(table["cause"]), list(table["complaints"]))
    if name.startswith("first_contact_by_"):
        key = name.removeprefix("first_contact_by_")
        return svg.bars(title, list(table[key]), list(table["share_first_contact"]),
                        shown=lambda v: f"{v:.1%}", limit=1.0, colour=svg.COLOURS[2])
    if name == "repeats_by_cause":
        return svg.bars(title, list(table["cause"]), list(table["repeats"]),
                        colour=svg.COLOURS[1])
    if name == "complaints_by_department":
        return svg.bars(title, list(table["department"]), list(table["complaints"]),
                        colour=svg.COLOURS[3])
    if name == "deadline_load":
        per_day = table.groupby("due_date")["deadlines"].sum()
        return svg.columns(title, [str(d) for d in per_day.index], list(per_day))
    if name == "top_cells":
        return svg.bars(title, list(table["cell"]), list(table["network_complaints"]),
                        colour=svg.COLOURS[1])
    if name == "regulator_classes":
        per = table.groupby("class", sort=False)["complaints"].sum()
        return svg.bars(title, [str(c) for c in per.index], list(per), colour=svg.COLOURS[4])
    if name == "warning_levels":
        return svg.bars(title, list(table["warning_level"]), list(table["incidents"]),
                        colour=svg.COLOURS[1])
    if name == "path_counts":
        top = table.head(SHOWN_ROWS)
        return svg.bars(title, [f"{t} · {n}" for t, n in zip(top["tree_id"], top["node"],
                                                             strict=True)],
                        list(top["walks"]), colour=svg.COLOURS[5])
    return ""


def _cell(value: Any) -> str:
    import pandas as pd  # noqa: PLC0415

    if value is None or pd.isna(value):
        return ""
    text = str(value)
    return "" if text in ("<NA>", "NaT", "nan") else escape(text)


def _table(name: str, table: pd.DataFrame) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                   for row in table.head(SHOWN_ROWS).itertuples(index=False))
    more = (f'<p class="more">{len(table) - SHOWN_ROWS} more rows in '
            f'<a href="{name}.csv">{name}.csv</a></p>' if len(table) > SHOWN_ROWS
            else f'<p class="more"><a href="{name}.csv">{name}.csv</a></p>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


_STYLE: Final = """
body{font:14px/1.45 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;
color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:2px 8px;
text-align:left}th{background:#f4f4f4}.more{color:#666;font-size:12px}
svg.chart text{font-size:12px;fill:#333}svg.chart .chart-title{font-weight:600;font-size:13px}
svg.chart .axis{font-size:10px;fill:#666}.note{color:#666}
"""


def _page(source: str, rows: int, period: str, tables: Mapping[str, pd.DataFrame],
          incidents_given: bool) -> str:
    parts = [f"<h1>Complaint quality report</h1><p>{escape(source)}: {rows:,} complaints, "
             f"{escape(period)}.</p>"]
    for name in TITLES:
        if name == "warning_levels":
            continue
        if name == "incidents" and not incidents_given:
            parts.append(f'<section id="incidents"><h2>{escape(TITLES[name])}</h2>'
                         '<p class="note">no incidents file given (--incidents '
                         "incidents.csv, written by <code>diagtree incidents</code>)</p>"
                         "</section>")
            continue
        table = tables[name]
        chart = _chart(name, table)
        extra = ""
        if name == "incidents":
            chart = _chart("warning_levels", tables["warning_levels"])
            extra = _table("warning_levels", tables["warning_levels"])
        if name == "path_counts":
            extra = ('<p class="note">on the tree picture: <code>diagtree render TREE '
                     "--paths paths.json -o TREE.html</code> (or the results file itself)</p>")
        parts.append(f'<section id="{name}"><h2>{escape(TITLES[name])}</h2>'
                     f'<div class="figure">{chart}</div>{extra}{_table(name, table)}</section>')
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Complaint quality report</title><style>{_STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def build_report(results: str | Path, folder: str | Path, *, classes: str | Path,
                 incidents: str | Path | None = None) -> Report:
    """Read `results` (a results frame file), compute every table and write them, with
    ``paths.json`` and ``report.html``, into `folder` (created if needed)."""
    mapping = _classes(Path(classes))
    frame = read_frame(results, RESULT_COLUMNS)
    incident_table = read_incidents(incidents) if incidents is not None else None
    counts = counts_by_tree(frame)  # (the paths of every row are split once)
    tables = build_tables(frame, mapping, incident_table, path_counts(counts))
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    (out / "paths.json").write_text(json.dumps(counts, ensure_ascii=False,
                                               indent=1, sort_keys=True) + "\n",
                                    encoding="utf-8")
    times = frame["reported_at"].dropna()
    period = (f"reported {times.min():%Y-%m-%d} to {times.max():%Y-%m-%d} (UTC)"
              if len(times) else "no reported times")
    (out / "report.html").write_text(
        _page(Path(results).name, len(frame), period, tables, incident_table is not None),
        encoding="utf-8")
    return Report(out, len(frame), tables)

