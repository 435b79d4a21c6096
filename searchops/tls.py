"""Trusting a CA for Google's gRPC APIs (the Ads and Merchant clients): a corporate proxy's
CA, or the local test servers' self-signed certificate."""

from __future__ import annotations

import os
from pathlib import Path

from searchops.errors import SearchopsError


def trust_ca_file(path: Path) -> None:
    """Trust the certificates of ``path`` (PEM) for the API's TLS channels in this process.

    gRPC reads ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` once, before its first TLS channel: call
    this before any client talks to the API."""
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise SearchopsError(f"{path}: cannot read the CA file ({exc.strerror})") from None
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        raise SearchopsError(f"{path}: not a PEM CA bundle (no -----BEGIN CERTIFICATE----- block)")
    os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = str(path.resolve())
