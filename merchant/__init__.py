"""Merchant Center: primary feeds (``merchant.feed``, ``merchant.imports``) into the workspace."""
