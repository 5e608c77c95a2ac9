"""The two errors alledu raises on purpose.

Why: a learner's bad entry and a broken content file are different failures. The first
must name the field, the value and the accepted range so the page can show it instead of
a dose; the second must name the file, so the content author can fix it.
"""

from __future__ import annotations

from typing import Any


class InvalidInput(ValueError):
    """A value outside what alledu accepts. The message names field, value and range."""

    def __init__(self, field: str, value: Any, accepted: str, hint: str | None = None) -> None:
        shown = _shown(value)
        self.field = field
        self.value = value if shown is not None else "(a value too long to show)"
        self.accepted = accepted
        msg = f"{field}: {shown or self.value} is not accepted; accepted: {accepted}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


def _shown(value: Any) -> str | None:
    """repr on one short line; None when it is too long (or, for a huge int, cannot be made)."""
    try:
        text = repr(value)
    except ValueError:  # int with more digits than Python will print
        return None
    if len(text) > 100:
        return None
    return text.replace("\n", "\\n").replace("\r", "\\r")


class ContentError(Exception):
    """A content file that does not match its schema, or refers to something undefined."""
