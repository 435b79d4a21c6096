"""Lab pages whose Core Web Vitals are known by construction (owned by the vitals stage)."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    """Mount the /__lab/ pages on the demo site application."""
