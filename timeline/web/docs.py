"""The API describes itself: its OpenAPI document at ``/openapi.json`` as at
``/api/v1/openapi.json``, and a reference page at ``/docs`` (Swagger UI, vendored under
``/static/vendor/swagger-ui``: nothing loads from another host)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from timeline.web.caching import answer
from timeline.web.page import HTML, environment
from timeline.web.routes import OPENAPI

__all__ = ["CSP", "router"]

# Swagger UI sets styles through the DOM (allowed) and loads nothing else; 'self' for
# images covers its icons, which it draws as inline SVG
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

router = APIRouter()


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> Response:
    body = environment().get_template("docs.html").render(openapi=OPENAPI)
    return answer(request, body.encode(), HTML, headers={"Content-Security-Policy": CSP})


@router.get("/openapi.json", include_in_schema=False)
def document(request: Request) -> Response:
    """The OpenAPI document, where clients and tools look for it first."""
    return answer(request, orjson.dumps(request.app.openapi()), "application/json")
