"""Version replay (`diagtree replay`): the same complaints through two versions of the trees,
and what moved.

`versions` resolves each side (a tree folder, or a git ref of the enclosing repository, whose
trees are extracted with ``git archive``), `inputs` reads the complaints (a demo data folder, a
complaints file or a complaints frame with the records of ``--data``; or a decision log, replayed
from its recorded facts by `diagtree._decisions.verify`'s machinery), `compare` diagnoses each
on both sides and builds the transition table and the list of complaints that moved.
"""
