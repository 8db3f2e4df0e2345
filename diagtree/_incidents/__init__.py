"""Mass incidents and early warning (docs/incidents.md): complaints with the same network cause
at the same cell, or the same platform fault, within the policy's window are one problem.

- `place`: the cell and the platform a diagnosis concerns, from the facts its walk read (the
  one derivation the results frame's ``cell`` and ``platform`` columns follow);
- `incident`: `Incident`, one mass incident, and the grouping of one key's complaints into
  episodes (`Episode`);
- `index`: `IncidentIndex`, fed diagnoses one by one (thread-safe, bounded by the window), which
  `Engine(incidents=...)` asks for ``complaint.incident.distinct_customers_24h``;
- `frames`: the same grouping over a results frame (pandas), the members' grades raised, the
  incidents table;
- `notices`: the customers registered on an incident's cell who have not complained yet.

Sits above the walk (it reads `Diagnosis` and the walk's facts) and below `_tmf`, whose
`tmf656` writes an incident as a TM Forum ServiceProblem.
"""
