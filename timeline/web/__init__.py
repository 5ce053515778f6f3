"""The HTTP service behind ``timeline serve``: a read-only JSON API, calendar feeds and
exports over the library face (``timeline.api``). The only package that imports FastAPI,
loaded by ``serve`` alone so that every other command starts as fast as before."""

from timeline.web.app import ServeConfig, create_app

__all__ = ["ServeConfig", "create_app"]
