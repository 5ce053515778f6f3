"""Text and links for Markdown output: data never turns into markup. Pure."""

from __future__ import annotations

__all__ = ["md_text", "md_url"]

_SPECIAL = "\\`*_[]<>|"


def md_text(text: str) -> str:
    """Inline text: every character Markdown (or the HTML it allows) reads as markup is
    escaped, and a line break is a space, so that no list item or table cell can end
    early, open a link or start a heading."""
    out = "".join("\\" + c if c in _SPECIAL else c for c in text)
    return " ".join(out.splitlines())


def md_url(url: str) -> str:
    """A web address as a link target: nothing in it ends the link early."""
    for c, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(c, code)
    return url
