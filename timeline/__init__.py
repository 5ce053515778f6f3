"""timeline: an append-only record of diplomatic events — what was publicly known, when."""

__version__ = "0.1.0"
