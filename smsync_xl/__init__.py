"""SMSync for Excel: bring Sage 50 customers and vendors into SMSTurbo, one way, audited."""

__version__ = "0.1.0"
