"""`python -m bench`: cold-import cost per function and AWS API calls per request.

Figures and ratios only; nothing here fails on a timing (see DESIGN.md, "Testing").
"""

from __future__ import annotations


def table(rows: list[list[str]], right: frozenset[int] = frozenset()) -> str:
    """Aligned text: the first row is the header; columns in `right` are right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths,
                                                                                                   strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
