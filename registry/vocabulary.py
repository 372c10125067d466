"""The registry's closed lists, each written once: kinds and statuses.

``StrEnum`` members are plain strings, so they go into SQL, JSON and Meilisearch filters as
they are, and ``Literal``-like OpenAPI enums come from them.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """A certificate of conformity (GCN) or a declaration of conformity (CBHQ)."""

    CERTIFICATE = "certificate"
    DECLARATION = "declaration"


class AdminStatus(StrEnum):
    """What the feed or the authority says; the public status is derived from it (``registry.status``)."""

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


class Status(StrEnum):
    """The effective status people see: the administrative status on a given day."""

    VALID = "valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


class Finding(StrEnum):
    """What an inspector found in a shop."""

    CONFORMING = "conforming"
    NO_CERTIFICATE = "no_certificate"
    MARK_MISUSED = "mark_misused"
    SUSPECTED_COUNTERFEIT = "suspected_counterfeit"
    OTHER = "other"


class ReportState(StrEnum):
    """Where a citizen's report stands."""

    NEW = "new"
    INVESTIGATING = "investigating"
    CLOSED = "closed"


class DecisionAction(StrEnum):
    SUSPEND = "suspend"
    REVOKE = "revoke"
    REINSTATE = "reinstate"


class ReviewState(StrEnum):
    """Where a feed's status change held against a standing decision stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"  # an admin let the feed's status apply; the decision ended
    REJECTED = "rejected"  # the decision stands over the feed's new status
    SUPERSEDED = "superseded"  # a newer feed record or decision made it moot


class ReviewAnswer(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


# worst news last: when a code matches several certificates, the best standing comes first
STATUS_ORDER = {status: rank for rank, status in enumerate(
    (Status.VALID, Status.SUSPENDED, Status.EXPIRED, Status.REVOKED, Status.WITHDRAWN))}
