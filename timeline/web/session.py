"""Signing a browser in, for a service whose page needs a token (``--publish private``):
the page asks for the token with a form that posts it, never in an address (which access
logs, histories and shared links keep), and the answer keeps it in a cookie that
scripts cannot read, sent to this site only (``SameSite=Strict``), and that authorises
reads only (see ``access``)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from timeline.web.access import COOKIE
from timeline.web.params import store_of

__all__ = ["SIGN_IN_CSP", "router", "sign_in_page"]

router = APIRouter(include_in_schema=False)

# the sign-in page: its stylesheet, its form posting here, nothing else
SIGN_IN_CSP = (
    "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HTML = "text/html; charset=utf-8"


def sign_in_page(detail: str) -> bytes:
    """The form that asks for a token, saying why it is shown."""
    from timeline.web.page import environment

    return environment().get_template("sign-in.html").render(detail=detail).encode()


def _page(detail: str, status: int) -> Response:
    headers = {"Cache-Control": "no-store", "Content-Security-Policy": SIGN_IN_CSP}
    return Response(sign_in_page(detail), status, headers, media_type=HTML)


@router.get("/session")
def sign_in_form() -> Response:
    return _page("", 200)


@router.post("/session")
async def sign_in(request: Request) -> Response:
    """Keep a token that reads in a cookie, and go to the page; the form again if not."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    bearer = await run_in_threadpool(store_of(request).token_holder, token)
    if bearer.name is None or "read" not in bearer.scopes:
        why = "that token was revoked" if bearer.revoked else "that is not a token in force"
        if bearer.name is not None:
            why = "that token's scopes do not include read"
        return _page(why, 401)
    response = RedirectResponse("/", 303, headers={"Cache-Control": "no-store"})
    secure = request.url.scheme == "https"
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
    return response


@router.post("/session/end")
def sign_out() -> Response:
    """Forget the cookie."""
    response = RedirectResponse("/session", 303, headers={"Cache-Control": "no-store"})
    response.delete_cookie(COOKIE, path="/")
    return response
