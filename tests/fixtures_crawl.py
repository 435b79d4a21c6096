"""Fixtures that crawl the demo site once per test session."""
