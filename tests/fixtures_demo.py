"""Fixtures serving the bundled demo catalog site on 127.0.0.1."""
