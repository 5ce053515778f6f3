"""The version of timeline (one place, read by the package, the CLI and the exports)."""

__version__ = "0.1.0"
