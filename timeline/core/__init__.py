"""The pure core: the model, its rules and every computation on it, with no I/O and no
clock (time is passed in). Everything else in timeline stands on it; it imports nothing
of theirs (import-linter's contracts in pyproject.toml, and mypy --strict, hold it)."""
