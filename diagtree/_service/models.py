"""The request and response bodies of the service (pydantic models → the OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

__all__ = [
    "AnswerRequest", "BackRequest", "DiagnoseRequest", "DiagnosisResponse", "Problem",
    "SessionRequest", "SessionView", "TreeInfo", "TreeRef",
]

Answer = StrictBool | StrictStr
Locale = Literal["zh-CN", "en"]
OnTreeChange = Literal["pinned", "restart"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DiagnoseRequest(_Strict):
    """One complaint to diagnose at once (answers given up front)."""

    complaint: dict[str, Any] = Field(description="The complaint as the CRM sends it "
                                      "(docs/complaint.md); `agent_role` must be absent or "
                                      "the caller's own role.")
    answers: dict[str, Answer] = Field(default_factory=dict,
                                       description="Customer answers by question id.")
    locale: Locale | None = None


class SessionRequest(DiagnoseRequest):
    """Start an interactive diagnosis (it pauses at each question to the customer)."""


class AnswerRequest(_Strict):
    question: StrictStr = Field(description="The question being asked, or one answered "
                                "before (then the answer is changed).")
    value: Answer = Field(description="true/false for yes/no, one of the options for a "
                          "choice.")
    expected_version: int | None = Field(
        default=None, description="Refuse (409) unless the session is at this version.")
    on_tree_change: OnTreeChange | None = Field(
        default=None, description="When the session's tree changed since it started: "
        "`pinned` continues on the tree it started on, `restart` walks the current tree "
        "again with the answers that still apply. Without it such a step gets 409.")


class BackRequest(_Strict):
    expected_version: int | None = None
    on_tree_change: OnTreeChange | None = None


class TreeRef(BaseModel):
    id: str | None
    version: str | None
    sha256: str | None


class QuestionView(BaseModel):
    id: str
    type: str
    options: list[str]
    default: Any = None
    text: dict[str, str]


class SessionView(BaseModel):
    id: str
    version: int = Field(description="Grows by one at each step (optimistic concurrency).")
    status: Literal["asking", "concluded"]
    question: QuestionView | None
    pending: dict[str, Any] | None = Field(description="Why the question is asked "
                                           "(diagtree.Pending.to_dict()).")
    answers: dict[str, Any]
    tree: TreeRef
    tree_changed: bool = Field(default=False, description="The tree of its symptom has "
                               "changed since the session was pinned to it.")
    dropped_answers: list[str] = Field(default_factory=list)
    diagnosis: dict[str, Any] | None = Field(description="diagtree.Diagnosis.to_dict() once "
                                             "no question is left.")


class DiagnosisResponse(BaseModel):
    diagnosis: dict[str, Any]
    tree: TreeRef
    #: with ?ticket=tmf621: the TMF621 v4 TroubleTicket of a dispatched diagnosis (null when
    #: the complaint is resolved on the call: there is no ticket to open)
    ticket: dict[str, Any] | None = None


class TreeInfo(BaseModel):
    id: str
    version: str
    sha256: str
    symptoms: list[str]
    title: dict[str, str]
    picture: dict[str, str] = Field(default_factory=dict,
                                    description="Links to the rendered picture by format.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None
    instance: str | None = None
