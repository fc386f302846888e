"""Plain aligned text tables, as the commands print them (columns two spaces apart)."""

from __future__ import annotations

from collections.abc import Sequence


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]], *, rule: bool = False) -> str:
    """The header, an optional line of dashes, then the rows; trailing spaces trimmed."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [header, *([["-" * w for w in widths]] if rule else []), *rows]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in lines
    )
