"""Serving the application with uvicorn: on SIGTERM or Ctrl-C it stops taking requests, lets
those under way finish (a few seconds at most), then stops its runs and records them."""

from __future__ import annotations

import socket

import uvicorn

from yamlpipe.serve.app import build_app
from yamlpipe.serve.service import ServeSettings, Service, UploadChecker

GRACE = 5
"""Seconds open requests get to finish at shutdown."""


def serve(settings: ServeSettings, checker: UploadChecker, bind: str, port: int) -> None:
    """Serve until stopped (SIGTERM, SIGINT). Before anything is served, the run store is
    opened (StoreError) and the address bound (OSError: taken, or not this machine's), so
    that either is the caller's to report rather than uvicorn's."""
    service = Service(settings, checker)
    with service.store():
        pass
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    listening = socket.create_server((bind, port), family=family)
    config = uvicorn.Config(
        build_app(service),
        host=bind,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACE,
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=[listening])


__all__ = ["serve"]
