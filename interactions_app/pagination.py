"""Pager maths for remote, offset-based result sets (no object list in memory)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pagination:
    page: int  # 1-based
    limit: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit))

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else min(self.offset + 1, self.total)

    @property
    def last_index(self) -> int:
        return min(self.offset + self.limit, self.total)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def previous_page(self) -> int:
        return max(1, min(self.page - 1, self.num_pages))

    @property
    def next_page(self) -> int:
        return min(self.page + 1, self.num_pages)

    @property
    def out_of_range(self) -> bool:
        return self.page > self.num_pages

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers around the current one, with None where the run is broken."""
        last = self.num_pages
        wanted = {1, last, *range(self.page - size, self.page + size + 1)}
        pages = sorted(p for p in wanted if 1 <= p <= last)
        out: list[int | None] = []
        for number in pages:
            previous = out[-1] if out else None
            if previous is not None and number - previous == 2:
                out.append(number - 1)  # a gap of one page shows that page, not an ellipsis
            elif previous is not None and number - previous > 2:
                out.append(None)
            out.append(number)
        return out
