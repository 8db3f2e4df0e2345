"""One side of a replay: a tree folder, or a git ref whose trees are extracted to a temporary
folder.

``DIR_OR_GITREF`` is a folder when one exists at that path; otherwise it is a git ref (``HEAD~1``,
a branch, a tag, a commit), optionally followed by ``:PATH`` (the trees' folder inside the
repository; default ``trees``), resolved in the repository that encloses the working folder
(or `repo`). Each failure says what is wrong: not a repository, an unknown ref, no trees at that
ref.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from diagtree._errors import DiagtreeError

__all__ = ["DEFAULT_TREES", "VersionError", "trees_at"]

#: the trees' folder inside a repository, when a ref does not name one
DEFAULT_TREES: Final = "trees"


class VersionError(DiagtreeError, ValueError):
    """A side of a replay that cannot be resolved (its spelling, and why)."""


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise VersionError("git is not installed: give tree folders instead of refs")
    # no shell; a ref never starts with "-" (checked), so it cannot pass as an option
    return subprocess.run([git, *args], cwd=cwd, capture_output=True, check=False,  # noqa: S603
                          timeout=120)


def _top(repo: Path, spec: str) -> Path:
    done = _git(["rev-parse", "--show-toplevel"], repo)
    if done.returncode != 0:
        raise VersionError(f"{spec!r} is neither a folder nor a git ref: {repo} is not inside "
                           "a git repository")
    return Path(done.stdout.decode().strip())


@contextmanager
def trees_at(spec: str, repo: str | Path | None = None) -> Iterator[tuple[Path, str]]:
    """The folder of the trees `spec` names and how to call it: the folder itself, or a
    temporary copy of a ref's trees (removed on exit)."""
    if Path(spec).is_dir():
        yield Path(spec), spec
        return
    ref, _, inner = spec.partition(":")
    if ref.startswith("-"):
        raise VersionError(f"{spec!r} is neither a folder nor a git ref")
    inner = inner.strip("/") or DEFAULT_TREES
    top = _top(Path(repo or "."), spec)
    if not ref or _git(["rev-parse", "--verify", "--quiet", ref + "^{commit}"],
                       top).returncode != 0:
        raise VersionError(f"{spec!r} is neither a folder nor a known git ref of {top}")
    listed = _git(["ls-tree", "-d", "--name-only", ref, "--", inner], top)
    if listed.returncode != 0 or not listed.stdout.strip():
        raise VersionError(f"{spec!r}: there is no folder {inner}/ at {ref} in {top} "
                           f"(name it: {ref}:PATH)")
    archive = _git(["archive", "--format=tar", ref, "--", inner], top)
    if archive.returncode != 0:
        raise VersionError(f"{spec!r}: git archive failed: "
                           f"{archive.stderr.decode(errors='replace').strip()}")
    folder = Path(tempfile.mkdtemp(prefix="diagtree-replay-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        commit = _git(["rev-parse", "--short", ref], top).stdout.decode().strip()
        yield folder / inner, f"{ref} ({commit})"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
