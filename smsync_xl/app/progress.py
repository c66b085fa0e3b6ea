"""Progress of long work: the use cases name each step (reading Sage 50, comparing,
writing a sheet, synchronizing) and count its records; the faces show it, the terminal
as a bar or plain lines, Excel on its status bar. A step is told when it starts, at
each tenth of its records and when it ends, so what is shown costs a few calls per
step, never one per record (and Excel's calls do not grow with the rows)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from smsync_xl.core.progress import Step

__all__ = ["MARKS", "SILENT", "Clock", "Counter", "Progress", "Report"]

MARKS = 10
"""How often a step with a known total is told between its start and its end."""


Report = Callable[[Step], None]


class Counter:
    """The records of one step; ``advance`` is cheap enough to call per record."""

    def __init__(self, name: str, total: int | None, report: Report, clock: Clock) -> None:
        self.name, self.total, self._report, self._clock = name, total, report, clock
        self.done = 0
        self._start = clock()
        self._mark = 1
        self._next = self._threshold()
        report(self._step())

    def _threshold(self) -> float:
        if not self.total or self._mark >= MARKS:
            return float("inf")
        return self.total * self._mark / MARKS

    def _step(self, finished: bool = False) -> Step:
        return Step(self.name, self.done, self.total, self._clock() - self._start, finished)

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.done >= self._next:
            assert self.total
            self._mark = max(self._mark + 1, self.done * MARKS // self.total + 1)
            self._next = self._threshold()
            self._report(self._step())

    def finish(self) -> None:
        self._report(self._step(finished=True))


Clock = Callable[[], float]


class Progress:
    """What the use cases call: ``with progress.step(name, total) as counter``."""

    def __init__(self, report: Report | None = None, clock: Clock = time.perf_counter) -> None:
        self._report = report or (lambda _: None)
        self._clock = clock

    @contextmanager
    def step(self, name: str, total: int | None = None) -> Iterator[Counter]:
        """A step; it is told as ended only when it ends without an error."""
        counter = Counter(name, total, self._report, self._clock)
        yield counter
        counter.finish()


SILENT = Progress()
"""For the callers that show nothing."""
