"""Test doubles for sources: test a tree of your own without your real systems.

An engine reads facts from `Source` objects. To test a tree, give it sources that answer what
the test says, the way httpx's ``MockTransport`` stands in for a network:

- `StaticSource` answers fixed values: ``StaticSource("hlr", {"hlr.found": True})``;
- `CallableSource` computes them with your function, per source or per fact, so that the
  answer can depend on the complaint, count calls, or fail.

Both declare their facts (`FactSpec`): given, or — for a `StaticSource` value that says it —
inferred from the value (``bool``, ``int``, ``float`` as a number, ``str``, an aware
``datetime``, a ``date``, a tuple of strings). Declare an enum, a ``None`` or an `UNKNOWN`
value with a `FactSpec` in ``specs``. A value that its declared type does not accept, or a fact
named outside the source, raises `ConfigurationError` when the double is built, never later.

Failures, as a real system has them (the engine records each in ``Diagnosis.sources``):

- the whole source down: ``error=SourceTimeout("hlr", 0.5)`` (or any exception) is raised by
  every fetch; a `CallableSource` function may raise too;
- one fact unknown: the value `UNKNOWN` (or a per-fact function that raises). Reading that
  fact fails the source from then on, as when a shipped adapter's look-up of a group fails;
  the facts read before keep their values.

Each double records the complaints it was asked about, in ``calls``: the engine fetches a
source at most once per diagnosis, and only when the walk reads one of its facts.
"""

from diagtree._testing.doubles import CallableSource, FactFunction, SourceFunction, StaticSource

__all__ = ["CallableSource", "FactFunction", "SourceFunction", "StaticSource"]

# named from here, like diagtree's own public classes: reprs, help() and pickles
for _cls in (CallableSource, StaticSource):
    _cls.__module__ = __name__
del _cls
