"""the device each certificate is for, stored and indexed: search counts a device's
certificates from the registry (registry.devices)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from registry.devices import fill_missing_keys  # plain SQL; the key's one definition (a change needs a migration)

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('certificate', sa.Column('device_key', sqlmodel.sql.sqltypes.AutoString(length=330),
                                           nullable=False, server_default=''))
    fill_missing_keys(op.get_bind())  # before the index: a million updates go faster without it
    op.create_index(op.f('ix_certificate_device_key'), 'certificate', ['device_key'], unique=False)


def downgrade() -> None:
    # not in batch mode: SQLite would copy the table, and dropping the old one fails while
    # other tables' rows point at it; SQLite 3.35 and later add and drop a column in place
    op.drop_index(op.f('ix_certificate_device_key'), table_name='certificate')
    op.drop_column('certificate', 'device_key')
