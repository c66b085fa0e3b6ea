"""SMSync for Excel: bring Sage 50 customers and vendors into SMSTurbo, one way, audited."""

from importlib.metadata import version

__version__ = version("smsync-xl")
"""Declared once, in pyproject.toml; read from the installed package's metadata."""
