"""No function of SMSync above a cyclomatic complexity of 15 (radon's measure, as
``radon cc -s smsync_xl`` reports it): each one reads in one screen. Named when one is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

import smsync_xl

PACKAGE = Path(smsync_xl.__file__).parent

LIMIT = 15
"""The most branches one function may have (issue 16)."""


def functions(blocks: Iterable[object]) -> Iterator[Function]:
    """Every function and method radon found, the functions nested in them included."""
    for block in blocks:
        if isinstance(block, Function):
            yield block
            yield from functions(block.closures)


def test_no_function_is_more_complex_than_the_limit():
    too_complex = [
        f"{path.relative_to(PACKAGE.parent)}:{f.lineno} "
        f"{f.classname + '.' if f.classname else ''}{f.name} ({f.complexity})"
        for path in sorted(PACKAGE.rglob("*.py"))
        for f in functions(cc_visit(path.read_text(encoding="utf-8")))
        if f.complexity > LIMIT
    ]
    assert not too_complex, f"split these (cyclomatic complexity above {LIMIT}): " + ", ".join(
        too_complex
    )
