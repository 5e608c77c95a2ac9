"""A problem found in a teacher's file, said the way an editor's error list says it.

Why: a teacher fixes a folder from a list of messages; each names the file and line, what is
wrong, the value given and what is accepted, so it can be fixed without reading code.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """`file:line: message`; line 0 means the whole file (too large, not text)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class ContentProblems(Exception):
    """A folder that cannot be used, with every problem found (not only the first)."""

    def __init__(self, problems: list[Problem], after: str = "") -> None:
        self.problems = sorted(problems)
        self.after = after  # said after the list (what was done anyway), not counted as a problem
        super().__init__("\n".join(str(p) for p in self.problems))
