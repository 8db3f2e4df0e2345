"""`HlrAdapter`: the ``hlr.*`` facts (docs/facts.md) from an HLR backend's records.

Conventions (docs/sources.md, docs/taxonomy.md §3a):
- ``hlr.odb.bars_symptom``: an ODB entry's category bars the complaint's symptom (`BARS`);
  ``roaming`` and ``premium_sms`` bar no symptom as "line barred";
- ``hlr.odb.bar_reason``: among the reasons of those entries, the one whose cause comes first
  in the taxonomy's precedence (arrears, then real_name, then fraud or customer_request, the
  first listed of these two); null when none of them gives a reason; ``hlr.odb.bar_reasons``
  lists every reason they give, once each, in that order;
- ``hlr.sim_not_registered``: the registration state is ``never``, or ``last_update`` is more
  than 24 h (strictly) before the reported time, whatever the state;
- the device is looked up by TAC, the first 8 digits of the IMEI; an unknown TAC gives
  ``hlr.device.known`` false and the device's other facts null;
- an MSISDN not in the HLR gives ``hlr.found`` false and every other fact null.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, Final

from diagtree import Complaint, FactSpec, FactType

from ._backends import HlrBackend, blocks
from ._lazy import FactGroups, Facts
from ._schema import BAR_REASONS, ODB_CATEGORIES, RATS, SERVICES
from ._values import choice, day, flag, sub, text, when

__all__ = ["BARS", "HLR_FACTS", "HlrAdapter"]

BOOL, DATE, DATETIME, STRING = (FactType.BOOL, FactType.DATE, FactType.DATETIME,
                                FactType.STRING)

_LINE_BARRED: Final = frozenset({
    "no_service", "cannot_call_out", "cannot_receive_calls", "no_data", "sms_failure",
    "service_suspended", "roaming_failure",
})
#: ODB category -> the symptoms it bars (docs/taxonomy.md §3a)
BARS: Final[Mapping[str, frozenset[str]]] = {
    "all": _LINE_BARRED,
    "all_outgoing": frozenset({"no_service", "cannot_call_out", "no_data", "sms_failure",
                               "roaming_failure", "service_suspended"}),
    "all_incoming": frozenset({"cannot_receive_calls", "service_suspended"}),
    "roaming": frozenset(),
    "premium_sms": frozenset(),
}
#: a barring reason -> the rank of its cause in the precedence of docs/taxonomy.md §3 (step 3)
_REASON_RANK: Final[Mapping[str, int]] = {
    "arrears": 0, "real_name": 1, "fraud": 2, "customer_request": 2}
STALE_AFTER: Final = _dt.timedelta(hours=24)
_STATUSES: Final = ("service_granted", "operator_barred", "not_provisioned", "deleted")
_NUMBER_STATES: Final = ("in_use", "suspended", "reclaimed")
_REG_STATES: Final = ("registered", "detached", "never")
_ODB: Final = frozenset(ODB_CATEGORIES)
_E = FactType.enum

HLR_FACTS: Final[tuple[FactSpec, ...]] = (
    FactSpec("hlr.found", BOOL, "the MSISDN is in the HLR"),
    FactSpec("hlr.status", _E(*_STATUSES), "subscriber status"),
    FactSpec("hlr.number_state", _E(*_NUMBER_STATES), "number lifecycle state"),
    FactSpec("hlr.suspended_since", DATE, "when the number was suspended/reclaimed"),
    FactSpec("hlr.odb.categories", FactType.list_of(_E(*ODB_CATEGORIES)),
             "operator determined barring categories set"),
    FactSpec("hlr.odb.bars_symptom", BOOL,
             "an ODB entry's category bars the complaint's symptom (taxonomy §3a), with or "
             "without a reason"),
    FactSpec("hlr.odb.bar_reason", _E(*BAR_REASONS),
             "the reason of the ODB entries that bar the complaint's symptom (taxonomy §3a) "
             "whose cause comes first in precedence: arrears, real_name, then fraud or "
             "customer_request; null when none bars it or none gives a reason"),
    FactSpec("hlr.odb.bar_reasons", FactType.list_of(_E(*BAR_REASONS)),
             "every reason given by the ODB entries that bar the complaint's symptom, once "
             "each, in precedence order (empty when none gives one)"),
    FactSpec("hlr.odb.roaming_barred", BOOL, "an ODB entry of category roaming (any reason)"),
    FactSpec("hlr.services", FactType.list_of(_E(*SERVICES)),
             "services provisioned (true) in the profile"),
    FactSpec("hlr.apn", STRING, "APN"),
    FactSpec("hlr.forwarding.unconditional", STRING,
             "unconditional call-forwarding target; null when none"),
    FactSpec("hlr.registration.state", _E(*_REG_STATES), "registration state"),
    FactSpec("hlr.registration.last_update", DATETIME, "last location update"),
    FactSpec("hlr.registration.rat", _E(*RATS), "radio access of the last update"),
    FactSpec("hlr.registration.cell_id", STRING, "last serving cell"),
    FactSpec("hlr.registration.roaming_plmn", STRING, "visited network when roaming"),
    FactSpec("hlr.sim_not_registered", BOOL,
             "registration state never, or last_update more than 24 h before the reported time"),
    FactSpec("hlr.device.tac", STRING, "first 8 digits of the IMEI"),
    FactSpec("hlr.device.known", BOOL, "the TAC is in the device database"),
    FactSpec("hlr.device.model", STRING, "model name"),
    FactSpec("hlr.device.volte", BOOL, "the device supports VoLTE (null when the TAC is unknown)"),
    FactSpec("hlr.device.nr", BOOL, "the device supports NR (null when the TAC is unknown)"),
)
_NAMES: Final = tuple(spec.name for spec in HLR_FACTS)


class HlrAdapter:
    """The ``hlr`` source: subscriber profile, barring, registration and device facts."""

    name = "hlr"

    def __init__(self, backend: HlrBackend, *, blocking: bool | None = None) -> None:
        self.backend = backend
        #: whether the engine runs its fetch on a fetch thread and enforces its timeout: by
        #: default, unless `backend` is the in-memory `RecordStore` (see `blocks`)
        self.blocking = blocks(backend) if blocking is None else blocking

    def facts(self) -> Sequence[FactSpec]:
        return HLR_FACTS

    def fetch(self, complaint: Complaint, timeout_s: float) -> Facts:
        """Every ``hlr.*`` fact for the complaint's MSISDN (None: known absence). The profile
        is looked up at once; its groups (status, barring, registration, device — the
        device by its TAC) are derived when first read."""
        record = self.backend.subscriber(complaint.msisdn)
        if record is None:
            return _GROUPS.facts({"hlr.found": False}, None)
        return _GROUPS.facts({"hlr.found": True}, _Profile(self.backend, record, complaint))


class _Profile:
    """One subscriber profile; its methods derive the groups of facts (`Facts` calls the one
    named after a group)."""

    __slots__ = ("backend", "complaint", "record")

    def __init__(self, backend: HlrBackend, record: Mapping[str, Any],
                 complaint: Complaint) -> None:
        self.backend = backend
        self.record = record
        self.complaint = complaint

    # called by name: `Facts._derive` looks up the group "profile" with getattr
    def profile(self) -> dict[str, Any]:
        return _profile(self.record)

    def odb(self) -> dict[str, Any]:
        return _odb(self.record, self.complaint.type)

    def registration(self) -> dict[str, Any]:
        return _registration(self.record, self.complaint.reported_at)

    def device(self) -> dict[str, Any]:
        imei = text(self.record.get("imei"))
        tac = imei[:8] if imei and len(imei) >= 8 else None
        device = self.backend.device(tac) if tac is not None else None
        return {
            "hlr.device.tac": tac,
            "hlr.device.known": None if tac is None else device is not None,
            "hlr.device.model": None if device is None else text(device.get("model")),
            "hlr.device.volte": None if device is None else flag(device.get("volte")),
            "hlr.device.nr": None if device is None else flag(device.get("nr")),
        }


def _group_of(name: str) -> str | None:
    """The group of an HLR fact: the part of the profile it is derived from."""
    if name == "hlr.found":
        return None  # known at once
    part = name.split(".")[1]
    return part if part in ("odb", "registration", "device") else (
        "registration" if part == "sim_not_registered" else "profile")


_GROUPS: Final = FactGroups("hlr", _NAMES, _group_of)


def _profile(record: Mapping[str, Any]) -> dict[str, Any]:
    services = record.get("services")
    if services is not None and not isinstance(services, Mapping):
        raise ValueError(f"services: expected a mapping, got {services!r}")
    forwarding = sub(record, "call_forwarding")
    return {
        "hlr.status": choice(record.get("status"), _STATUSES),
        "hlr.number_state": choice(record.get("number_state"), _NUMBER_STATES),
        "hlr.suspended_since": day(record.get("suspended_since")),
        "hlr.services": (None if services is None
                         else tuple(s for s in SERVICES if services.get(s) is True)),
        "hlr.apn": text(record.get("apn")),
        "hlr.forwarding.unconditional": (None if forwarding is None
                                         else text(forwarding.get("unconditional")) or None),
    }


def _odb(record: Mapping[str, Any], symptom: str) -> dict[str, Any]:
    odb = [(choice(e.get("category"), _ODB), e.get("reason")) for e in record.get("odb") or ()]
    barring = [reason for category, reason in odb
               if category is not None and symptom in BARS[category]]
    reasons = [r for r in (choice(reason, BAR_REASONS) for reason in barring) if r is not None]
    return {
        "hlr.odb.categories": tuple(c for c, _ in odb if c is not None),
        "hlr.odb.bars_symptom": bool(barring),
        # two entries barring the symptom: the cause first in precedence (docs/taxonomy.md §3)
        "hlr.odb.bar_reason": min(reasons, key=_REASON_RANK.__getitem__) if reasons else None,
        # every reason, so that a script can name a second one too (docs/taxonomy.md §8.3, §8.23)
        "hlr.odb.bar_reasons": tuple(sorted(dict.fromkeys(reasons), key=_REASON_RANK.__getitem__)),
        "hlr.odb.roaming_barred": any(c == "roaming" for c, _ in odb),
    }


def _registration(record: Mapping[str, Any], reported_at: _dt.datetime) -> dict[str, Any]:
    registration = sub(record, "registration")
    if registration is None:
        return {"hlr.sim_not_registered": sim_not_registered(None, None, reported_at)}
    state = choice(registration.get("state"), _REG_STATES)
    last_update = when(registration.get("last_update"))
    return {
        "hlr.registration.state": state,
        "hlr.registration.last_update": last_update,
        "hlr.registration.rat": choice(registration.get("rat"), RATS),
        "hlr.registration.cell_id": text(registration.get("cell_id")),
        "hlr.registration.roaming_plmn": text(registration.get("roaming_plmn")),
        "hlr.sim_not_registered": sim_not_registered(state, last_update, reported_at),
    }


def sim_not_registered(state: str | None, last_update: _dt.datetime | None,
                       reported_at: _dt.datetime) -> bool | None:
    """State ``never``, or the last update more than 24 h before `reported_at` (docs/sources.md).

    None when the profile has neither a state nor a last update (nothing to judge by).
    """
    if state == "never":
        return True
    if last_update is not None:
        return reported_at - last_update > STALE_AFTER
    return None if state is None else False
