"""The ASGI application: KFP's API under /apis/v1beta1 (with its OpenAPI document), the pages
under /ui, their stylesheet and script under /static, and the guard in front of them all.
Started, it opens the run store (which marks runs of a server that died as failed); stopped,
it stops the runs it drives and waits until each is recorded."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from yamlpipe.serve.kfp_api import API, api_routes, error_response
from yamlpipe.serve.openapi import openapi_document
from yamlpipe.serve.pages import page_routes
from yamlpipe.serve.security import Guard
from yamlpipe.serve.service import Service

OPENAPI = API + "/openapi.json"


def build_app(service: Service) -> Guard:
    """The whole application for one project's service."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(service.shutdown)

    async def home(request: Request) -> Response:
        return RedirectResponse("/ui/runs", status_code=307)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(API))

    async def unknown_api(request: Request) -> Response:
        return error_response(404, 5, f"this server has no {request.method} {request.url.path}")

    static = StaticFiles(directory=str(resources.files("yamlpipe.serve") / "static"))
    routes = [
        Route("/", home),
        Route(OPENAPI, openapi),
        *api_routes(service),
        Route(API + "/{rest:path}", unknown_api, methods=["GET", "POST", "DELETE", "PUT", "PATCH"]),
        *page_routes(service),
        Mount("/static", static, name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = service
    return Guard(app, service.settings.max_upload, service.settings.token)


__all__ = ["OPENAPI", "build_app"]
