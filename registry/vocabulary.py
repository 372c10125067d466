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


class Method(StrEnum):
    """How a violator went about it (thủ đoạn), as conclusions name it and /violations counts it."""

    FORGED_MARK = "forged_mark"  # a conformity mark printed without any right to it
    COPIED_QR = "copied_qr"  # another device's QR code or mark code copied onto the label
    RELABELLED_GREY_IMPORT = "relabelled_grey_import"  # an uncertified import given a certified model's label
    OTHER_MODEL_CERTIFICATE = "other_model_certificate"  # a certificate that names another model
    EXPIRED_CERTIFICATE_PRINTED = "expired_certificate_printed"  # sold on a certificate that had ended
    NO_CERTIFICATE = "no_certificate"  # sold with no certificate or declaration at all
    OTHER = "other"  # described in the conclusion's free text


class Sanction(StrEnum):
    """What a conclusion imposes; the two certificate sanctions apply as status decisions."""

    WARNING = "warning"
    FINE = "fine"
    CONFISCATION = "confiscation"
    SUSPEND_CERTIFICATE = "suspend_certificate"
    REVOKE_CERTIFICATE = "revoke_certificate"
