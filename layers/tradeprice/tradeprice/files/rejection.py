"""What a reader says about a row it could not use."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rejection:
    """One unusable cell or row: `line` as a spreadsheet numbers rows (the header is usually 1), `column` as the
    file names it (or the canonical field when the file has no such column), the `value` as read, and why."""

    line: int
    column: str
    value: str
    reason: str
