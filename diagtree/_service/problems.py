"""Problem documents (RFC 9457, ``application/problem+json``): every 4xx and 5xx the service
sends is one, naming the field at fault where there is one.

```json
{"type": "urn:diagtree:problem:complaint_invalid", "title": "The complaint is invalid",
 "status": 422, "detail": "complaint.msisdn: …", "field": "complaint.msisdn",
 "code": "complaint_invalid"}
```

`field` is a dotted path into the request (``complaint.msisdn``, ``answers.airplane_mode``,
``value``, ``on_tree_change``); diagtree's `ComplaintError` field names are mapped to it
(`complaint_problem`). Every detail is masked (`mask_text`): no MSISDN or IMSI in a problem.
"""

from __future__ import annotations

from typing import Any

from diagtree._errors import ComplaintError
from diagtree._privacy import mask_text

__all__ = ["MEDIA_TYPE", "ProblemError", "complaint_problem", "problem_body"]

MEDIA_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Request body too large",
    415: "Unsupported media type", 422: "The request is invalid",
    429: "Too many open sessions", 500: "Internal error", 503: "Not ready",
}


class ProblemError(Exception):
    """Raised in a handler: the service answers with this problem document."""

    def __init__(self, status: int, code: str, detail: str, field: str | None = None,
                 title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.title = title or _TITLES.get(status, "Error")
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        return problem_body(self.status, self.code, self.detail, self.field, self.title,
                            instance, **self.extra)


def problem_body(status: int, code: str, detail: str, field: str | None = None,
                 title: str | None = None, instance: str | None = None,
                 **extra: Any) -> dict[str, Any]:
    """The JSON of one problem document."""
    body: dict[str, Any] = {"type": f"urn:diagtree:problem:{code}",
                            "title": title or _TITLES.get(status, "Error"), "status": status,
                            "detail": mask_text(detail), "code": code}
    if field is not None:
        body["field"] = field
    if instance is not None:
        body["instance"] = mask_text(instance)
    body.update(extra)
    return body


def complaint_problem(exc: ComplaintError, prefix: str = "complaint") -> ProblemError:
    """A 422 naming the request field of a library `ComplaintError`: answers and the locale
    are top-level fields of the request, the rest are the complaint's."""
    field = exc.field
    top = field.split(".", 1)[0].split("[", 1)[0]
    if top not in ("answers", "locale", "value", "question"):
        field = f"{prefix}.{field}" if prefix else field
    return ProblemError(422, exc.code, f"{field}: {exc.reason}", field,
                        title="The complaint or an answer is invalid")
