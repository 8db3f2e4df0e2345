"""The batch frames' contracts: the columns of the complaints, results and errors frames.

Written once here; `docs/batch.md` states them for integrators and a test checks that it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COMPLAINT_COLUMNS", "ERROR_COLUMNS", "OPTIONAL_RESULT_COLUMNS", "RESULT_COLUMNS",
           "dtypes", "errors_frame", "frame_of", "result_columns"]

#: the complaints frame: the complaint fields, nested ones by dotted name (`history` is the
#: JSON text of the list); an empty or NA cell means the field is absent
COMPLAINT_COLUMNS: Final = (
    "id", "type", "msisdn", "channel", "text", "reported_at", "location.lat", "location.lon",
    "subject.charge_id", "subject.sp_code", "subject.payment_id", "subject.card_serial",
    "subject.number", "agent_role", "incident.distinct_customers_24h", "history")

#: the results frame, one row per diagnosed complaint in input order
RESULT_COLUMNS: Final = (
    "row", "complaint_id", "symptom", "msisdn", "channel", "reported_at", "tree_id",
    "tree_version", "cause", "category", "resolution", "department", "grade", "grade_reasons",
    "feedback_due", "refund_amount", "refund_currency", "refund_within_authority", "path",
    "unavailable", "also_found", "cell", "platform")
#: asked for: the script, the agent's explanation, the trace (JSON text)
OPTIONAL_RESULT_COLUMNS: Final = ("script", "explanation", "trace")

#: the errors frame, one row per complaint that could not be diagnosed
ERROR_COLUMNS: Final = ("row", "complaint_id", "field", "code", "message")

#: pandas dtypes (nullable: a missing value is NA); every column not named is "string"
_DTYPES: Final = {"row": "Int64", "refund_amount": "Float64",
                  "refund_within_authority": "boolean"}


def dtypes(columns: tuple[str, ...]) -> dict[str, str]:
    """The pandas dtype of each column of a results or errors frame."""
    return {c: _DTYPES.get(c, "string") for c in columns}


def result_columns(*, script: bool = False, explanation: bool = False,
                   trace: bool = False) -> tuple[str, ...]:
    """The results frame's columns, with the optional ones asked for (in this order)."""
    asked = {"script": script, "explanation": explanation, "trace": trace}
    return RESULT_COLUMNS + tuple(c for c in OPTIONAL_RESULT_COLUMNS if asked[c])


def frame_of(rows: list[dict[str, object]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A frame of these columns, typed as the contract says, from rows (mappings of column →
    plain value or None; a column a row lacks is NA)."""
    import pandas as pd  # noqa: PLC0415 - `import diagtree.batch` stays light

    data = {c: pd.array([r.get(c) for r in rows], dtype=_DTYPES.get(c, "string"))
            for c in columns}
    return pd.DataFrame(data, columns=list(columns))


def errors_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """An errors frame from errors rows."""
    return frame_of(rows, ERROR_COLUMNS)
