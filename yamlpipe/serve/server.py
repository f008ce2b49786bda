"""Serving the application with uvicorn: on SIGTERM or Ctrl-C it stops taking requests, lets
those under way finish (a few seconds at most), then stops its runs and records them."""

from __future__ import annotations

import uvicorn

from yamlpipe.serve.app import build_app
from yamlpipe.serve.service import ServeSettings, Service, UploadChecker

GRACE = 5
"""Seconds open requests get to finish at shutdown."""


def serve(settings: ServeSettings, checker: UploadChecker, bind: str, port: int) -> None:
    """Serve until stopped (SIGTERM, SIGINT)."""
    app = build_app(Service(settings, checker))
    config = uvicorn.Config(
        app,
        host=bind,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACE,
        lifespan="on",
    )
    uvicorn.Server(config).run()


__all__ = ["serve"]
