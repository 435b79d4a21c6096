"""Hostile inputs, one case per kind, run end to end through the CLI.

Grows with every new input kind: add a ``test_<kind>.py`` here and serve the input with
:class:`tests.hostile.server.HostileServer` (raw HTTP on 127.0.0.1, bounded in time and size).
"""
