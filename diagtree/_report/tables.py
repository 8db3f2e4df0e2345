"""The report's tables, each a pandas group-by over the results frame (bounded: one pass per
table over a few columns, never a Python loop per row).

Every table is a `DataFrame` with plain columns, sorted so that the same input gives the same
CSV byte for byte (ties broken by name).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["REPEAT_WINDOW_DAYS", "RESULT_COLUMNS", "TOP_CELLS", "build_tables"]

#: the results columns the tables read
RESULT_COLUMNS: Final = ("symptom", "msisdn", "reported_at", "tree_id", "cause", "category",
                         "resolution", "department", "feedback_due", "path", "cell")
#: taxonomy §4: a repeat is an earlier complaint of the same category, 0 < Δ ≤ 30 × 24 h
REPEAT_WINDOW_DAYS: Final = 30
#: how many cells the top-cells table keeps
TOP_CELLS: Final = 20
#: the department shown for a complaint closed at first contact (no department)
FRONTLINE: Final = "(frontline)"


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0)).fillna(0.0).round(4)


def cause_distribution(df: pd.DataFrame) -> pd.DataFrame:
    out = (df.groupby(["cause", "category"], observed=True).size()
           .rename("complaints").reset_index())
    out["share"] = (out["complaints"] / max(int(out["complaints"].sum()), 1)).round(4)
    return out.sort_values(["complaints", "cause"], ascending=[False, True],
                           ignore_index=True)


def first_contact(df: pd.DataFrame, by: str) -> pd.DataFrame:
    frontline = (df["resolution"] == "frontline").fillna(False).astype("int64")
    grouped = frontline.groupby(df[by], observed=True)
    out = grouped.agg(["size", "sum"]).rename(
        columns={"size": "complaints", "sum": "first_contact"}).reset_index()
    out["share_first_contact"] = _share(out["first_contact"], out["complaints"])
    return out.sort_values([by], ignore_index=True)


def repeats(df: pd.DataFrame, days: int = REPEAT_WINDOW_DAYS) -> tuple[pd.DataFrame, pd.Series]:
    """Per cause: complaints, repeats (an earlier complaint of the same MSISDN and category,
    0 < Δ ≤ `days` days), their share; and the repeat flag of every row."""
    import pandas as pd  # noqa: PLC0415

    keys = df[["msisdn", "category", "reported_at"]]
    known = keys.dropna()
    distinct = known.drop_duplicates().sort_values(["msisdn", "category", "reported_at"])
    previous = distinct.groupby(["msisdn", "category"], observed=True)["reported_at"].shift()
    gap = distinct["reported_at"] - previous
    distinct = distinct.assign(repeat=(gap > pd.Timedelta(0))
                               & (gap <= pd.Timedelta(days=days)))
    flags = keys.merge(distinct, how="left", on=["msisdn", "category", "reported_at"])["repeat"]
    flag = pd.Series(flags.eq(True).to_numpy(dtype=bool), index=df.index)
    out = flag.astype("int64").groupby(df["cause"], observed=True).agg(["size", "sum"]).rename(
        columns={"size": "complaints", "sum": "repeats"}).reset_index()
    out["share_repeat"] = _share(out["repeats"], out["complaints"])
    out = out.sort_values(["repeats", "cause"], ascending=[False, True], ignore_index=True)
    return out, flag


def departments(df: pd.DataFrame) -> pd.DataFrame:
    dept = df["department"].astype("string").fillna(FRONTLINE)
    out = dept.groupby(dept).size().rename("complaints").reset_index()
    out.columns = ["department", "complaints"]
    return out.sort_values(["complaints", "department"], ascending=[False, True],
                           ignore_index=True)


def deadline_load(df: pd.DataFrame) -> pd.DataFrame:
    """Feedback deadlines per day (UTC+8, the operator's calendar) and department."""
    import pandas as pd  # noqa: PLC0415

    day = df["feedback_due"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.floor("D")
    frame = pd.DataFrame({"department": df["department"].astype("string").fillna(FRONTLINE),
                          "due_date": day}).dropna()
    out = frame.groupby(["due_date", "department"]).size().rename("deadlines").reset_index()
    out["due_date"] = out["due_date"].dt.strftime("%Y-%m-%d")  # a few dozen days, not rows
    return out.sort_values(["due_date", "department"], ignore_index=True)


def top_cells(df: pd.DataFrame, n: int = TOP_CELLS) -> pd.DataFrame:
    network = df[(df["category"] == "network").fillna(False) & df["cell"].notna()]
    counts = network.groupby(["cell", "cause"], observed=True).size().rename("n").reset_index()
    total = counts.groupby("cell", observed=True)["n"].sum().rename("network_complaints")
    main = (counts.sort_values(["n", "cause"], ascending=[False, True])
            .drop_duplicates("cell").set_index("cell")["cause"].rename("top_cause"))
    out = total.to_frame().join(main).reset_index()
    out["cell"] = out["cell"].astype("string")
    out["top_cause"] = out["top_cause"].astype("string")
    out = out.sort_values(["network_complaints", "cell"], ascending=[False, True],
                          ignore_index=True)
    return out.head(n)


def regulator(df: pd.DataFrame, classes: Mapping[str, str]) -> pd.DataFrame:
    cls = df["category"].astype("string").map(dict(classes))
    out = df.groupby([cls.rename("class"), df["category"].astype("string")], dropna=False
                     ).size().rename("complaints").reset_index()
    out["class"] = out["class"].fillna("(unmapped)")
    order = {name: i for i, name in enumerate(dict.fromkeys(classes.values()))}
    out["_order"] = out["class"].map(order).fillna(len(order))
    out = out.sort_values(["_order", "category"], ignore_index=True).drop(columns="_order")
    out["share"] = (out["complaints"] / max(int(out["complaints"].sum()), 1)).round(4)
    return out


def warning_levels(incidents: pd.DataFrame) -> pd.DataFrame:
    order = {"red": 0, "orange": 1, "yellow": 2}
    out = incidents.groupby(incidents["warning_level"].astype("string").fillna("(none)")).agg(
        incidents=("incident_id", "size"),
        distinct_customers=("distinct_customers", "sum"),
        complaints=("complaints", "sum")).reset_index()
    out["_order"] = out["warning_level"].map(order).fillna(len(order))
    return out.sort_values(["_order", "warning_level"], ignore_index=True).drop(columns="_order")


def build_tables(df: pd.DataFrame, classes: Mapping[str, str],
                 incidents: pd.DataFrame | None, path_counts: pd.DataFrame
                 ) -> dict[str, pd.DataFrame]:
    """Every table of the report, by its CSV name (without ``.csv``), in the page's order."""
    repeat_table, _ = repeats(df)
    tables = {
        "cause_distribution": cause_distribution(df),
        "first_contact_by_symptom": first_contact(df, "symptom"),
        "first_contact_by_cause": first_contact(df, "cause"),
        "repeats_by_cause": repeat_table,
        "complaints_by_department": departments(df),
        "deadline_load": deadline_load(df),
        "top_cells": top_cells(df),
        "regulator_classes": regulator(df, classes),
        "path_counts": path_counts,
    }
    if incidents is not None:
        tables["incidents"] = incidents.sort_values(
            ["first_at", "incident_id"], ignore_index=True)
        tables["warning_levels"] = warning_levels(incidents)
    return tables
