"""SMSync for Excel: bring Sage 50 customers and vendors into SMSTurbo, one way, audited."""

TYPE_CHECKING = False  # typing's, without importing typing (mypy takes this name as True)

if TYPE_CHECKING:  # a type checker sees the one name, not a __getattr__ typing every name str
    __version__: str
else:

    def __getattr__(name: str) -> str:
        """``__version__``, declared once in pyproject.toml and read from the installed
        package's metadata when asked: reading it costs every command's start-up 45 ms."""
        if name == "__version__":
            from importlib.metadata import version

            return version("smsync-xl")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
