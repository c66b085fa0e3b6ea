"""Where a long step is (``app.progress`` tells it, the faces and the workbook adapters
show it): a value type, so the adapters below the application layer can take it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """Where a step is: its name, the records done (of ``total``, when known), the
    seconds since it started and whether it has ended."""

    name: str
    done: int
    total: int | None
    seconds: float
    finished: bool = False

    def rate(self) -> float | None:
        """Records a second, once there is something to divide."""
        return self.done / self.seconds if self.done and self.seconds > 0 else None

    def fraction(self) -> float | None:
        if self.finished:
            return 1.0
        return self.done / self.total if self.total else None

    def line(self) -> str:
        """One line for a status bar or a log: the step, how far, how fast."""
        rate = self.rate()
        speed = f", {rate:,.0f} a second" if rate is not None else ""
        if self.finished:
            done = f"{self.done:,}" if self.done or self.total is not None else "done"
            return f"SMSync: {self.name}: {done} in {self.seconds:.1f} s{speed}"
        if not self.done:
            return f"SMSync: {self.name} …"
        of = f" of {self.total:,}" if self.total else ""
        return f"SMSync: {self.name} … {self.done:,}{of}{speed}"
