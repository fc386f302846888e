"""Tables as tabulate draws them for the Alliance's avail_wheels, with cell text kept.

tabulate reads cells that look like numbers as numbers: it aligns such a column on
the decimal point, its header to the right, and reprints each value (version 1.0
becomes 1, 2024.10 becomes 2024.1). pyherd keeps the alignment and never reprints
a value. `simple`, the default, is drawn here: importing tabulate costs more than
the rest of a lookup (tests hold this drawing to tabulate's own, byte for byte).
Every other format is tabulate's, given the same alignment.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

_THOUSANDS = re.compile(r"^(([+-]?[0-9]{1,3})(?:,([0-9]{3}))*)?(?(1)\.[0-9]*|\.[0-9]+)?$")
_RANK = {"none": 0, "bool": 1, "int": 2, "float": 3, "str": 5}


def _converts(convert: type, text: str) -> bool:
    try:
        convert(text)
    except (ValueError, TypeError):
        return False
    return True


def _is_number(text: str) -> bool:
    if not _converts(float, text):
        return False
    value = float(text)
    return not (math.isinf(value) or math.isnan(value)) or text.lower() in ("inf", "-inf", "nan")


def _kind(text: str) -> str:
    """What tabulate takes a cell for: none (empty), bool, int, float or str."""
    if not text:
        return "none"
    if text in ("True", "False"):
        return "bool"
    thousands = bool(_THOUSANDS.match(text))
    if _converts(int, text) or (thousands and "." not in text):
        return "int"
    if _is_number(text) or thousands:
        return "float"
    return "str"


def _after_point(text: str) -> int:
    """Characters after the decimal point (or exponent mark); -1 for none."""
    if not (_is_number(text) or _THOUSANDS.match(text)) or _converts(int, text):
        return -1
    at = text.rfind(".")
    if at < 0:
        at = text.lower().rfind("e")
    return len(text) - at - 1 if at >= 0 else -1


def alignments(table: Sequence[Sequence[str]], width: int) -> list[str]:
    """Per column: "decimal" where tabulate would see numbers, else "left"."""
    out = []
    for i in range(width):
        rank = _RANK["bool"]
        for row in table:  # one text cell settles it: the usual case, at the first row
            rank = max(rank, _RANK[_kind(row[i])])
            if rank == _RANK["str"]:
                break
        out.append("decimal" if rank in (_RANK["int"], _RANK["float"]) else "left")
    return out


def simple(headers: Sequence[str], table: Sequence[Sequence[str]]) -> str:
    """tabulate's `simple` format: columns two spaces apart, as wide as their widest cell
    or header plus two, a rule of dashes under the headers, trailing spaces trimmed."""
    aligns = alignments(table, len(headers))
    if "decimal" not in aligns:  # text only, the usual table: one format per row
        widths = [max([len(h) + 2, *(len(row[i]) for row in table)]) for i, h in enumerate(headers)]
        line = "  ".join(f"%-{w}s" for w in widths)
        rule = "  ".join("-" * w for w in widths)
        rows = [(line % tuple(headers)).rstrip(), rule]
        rows += [(line % tuple(row)).rstrip() for row in table]
        return "\n".join(rows)
    columns: list[list[str]] = []
    heads: list[str] = []
    for i, (header, align) in enumerate(zip(headers, aligns, strict=True)):
        cells = [row[i] for row in table]  # text without spaces: names, versions, tags
        if align == "decimal":
            points = [_after_point(c) for c in cells]
            cells = [c + " " * (max(points) - p) for c, p in zip(cells, points, strict=True)]
        width = max([len(header) + 2, *map(len, cells)])
        if align == "decimal":
            columns.append([c.rjust(width) for c in cells])
            heads.append(header.rjust(width))
        else:
            columns.append([c.ljust(width) for c in cells])
            heads.append(header.ljust(width))
    rule = ["-" * len(h) for h in heads]
    rows = [heads, rule, *(list(r) for r in zip(*columns, strict=True))] if columns else []
    return "\n".join("  ".join(row).rstrip() for row in rows)


def render(headers: Sequence[str], table: Sequence[Sequence[str]], fmt: str) -> str:
    """The table in any of tabulate's formats (csv as well), cell text unchanged."""
    if fmt == "simple":
        return simple(headers, table)
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([list(headers), *table])
        return out.getvalue().rstrip("\n")
    from tabulate import tabulate

    # numbers keep tabulate's alignment, other columns its format's own ("pretty" reads
    # no numbers and centres all)
    aligns = [a if a == "decimal" else "global" for a in alignments(table, len(headers))]
    return tabulate(
        [list(row) for row in table],
        headers=list(headers),
        tablefmt=fmt,
        disable_numparse=True,
        colalign=None if fmt == "pretty" else aligns,
    )
