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
        self.field = field
        self.value = value
        self.accepted = accepted
        msg = f"{field}: {value!r} is not accepted; accepted: {accepted}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class ContentError(Exception):
    """A content file that does not match its schema, or refers to something undefined."""
