"""drop indexes no query uses

Every index is paid for on each of a million-row import's inserts. The certificate id of a
model is already the leading column of its unique (certificate_id, position) constraint,
history is read by (certificate_id, id) and the changes feed by id, and no query looks
certificates up by brand alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

DROPPED = (
    ("certificate", "ix_certificate_brand", ["brand"]),
    ("certificatemodel", "ix_certificatemodel_certificate_id", ["certificate_id"]),
    ("certificateevent", "ix_certificateevent_at", ["at"]),
)


def upgrade() -> None:
    for table, name, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
