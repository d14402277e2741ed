"""One benchmark figure, and the table that prints them."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Result:
    """``value`` in ``unit``; ``compared_to`` names the baseline measured in the same run
    and ``ratio`` is value / baseline (None when there is no baseline)."""

    name: str
    value: float
    unit: str
    compared_to: str | None = None
    ratio: float | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def format_table(results: list[Result]) -> str:
    rows = [("benchmark", "value", "unit", "compared to", "ratio")]
    for r in results:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        rows.append((r.name, f"{r.value:.3f}", r.unit, r.compared_to or "", ratio))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
