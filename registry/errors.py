"""What the registry refuses to do, in words for the person who asked.

Each refusal carries the HTTP status it means; the site turns any of them into a
problem+json answer in one place (``public_site.plugin``), and forms show the words.
"""

from __future__ import annotations


class Refused(ValueError):
    """A request the registry will not carry out; ``str()`` says why."""

    status = 400


class NotFound(Refused):
    """Refused because what it names is not in the registry."""

    status = 404


class Conflict(Refused):
    """Refused because of the record's present state (already revoked, already closed, ...)."""

    status = 409
