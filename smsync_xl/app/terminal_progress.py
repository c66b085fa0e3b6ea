"""A long step's progress (``app.progress``) as the command line shows it: on a
terminal, a bar redrawn in place; otherwise (a log, a pipe) plain lines: a step's start,
its end, and between them at most one line a second."""

from __future__ import annotations

from typing import TextIO

from smsync_xl.core.progress import Step

__all__ = ["BAR", "TerminalProgress"]

BAR = 24
"""The bar's width in characters."""


class TerminalProgress:
    """A ``Report`` for ``app.progress.Progress`` writing to ``stream`` (stderr)."""

    def __init__(self, stream: TextIO, every: float = 1.0) -> None:
        self._stream = stream
        self._every = every
        self._printed = float("-inf")

    def __call__(self, step: Step) -> None:
        if self._stream.isatty():
            self._draw(step)
        elif step.finished or not step.done or step.seconds - self._printed >= self._every:
            self._printed = 0.0 if step.finished else step.seconds
            self._stream.write(step.line() + "\n")
            self._stream.flush()

    def _draw(self, step: Step) -> None:
        fraction = step.fraction()
        bar = f"[{'#' * round(BAR * fraction):<{BAR}}] " if fraction is not None else ""
        end = "\n" if step.finished else ""
        self._stream.write(f"\r{bar}{step.line()}\x1b[K{end}")
        self._stream.flush()
