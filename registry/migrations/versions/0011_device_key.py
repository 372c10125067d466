"""the device each certificate is for, stored and indexed: search counts a device's
certificates from the registry (registry.devices)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from registry.devices import device_key_of  # the key's one definition: a change to it needs a migration too

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None
CHUNK = 20_000


def upgrade() -> None:
    op.add_column('certificate', sa.Column('device_key', sqlmodel.sql.sqltypes.AutoString(length=330),
                                           nullable=False, server_default=''))
    _fill(op.get_bind())
    op.create_index(op.f('ix_certificate_device_key'), 'certificate', ['device_key'], unique=False)


def _fill(connection: sa.Connection) -> None:
    """Every certificate's key, from its brand and first model, a chunk of ids at a time."""
    read = sa.text("SELECT c.id, c.brand, c.certificate_no, m.model_code FROM certificate c "
                   "LEFT JOIN certificatemodel m ON m.certificate_id = c.id AND m.position = 0 "
                   "WHERE c.id > :after ORDER BY c.id LIMIT :size")
    write = sa.text("UPDATE certificate SET device_key = :key WHERE id = :id")
    after = 0
    while rows := connection.execute(read, {"after": after, "size": CHUNK}).all():
        connection.execute(write, [{"id": row.id, "key": device_key_of(row.brand, row.model_code, row.certificate_no)}
                                   for row in rows])
        after = rows[-1].id


def downgrade() -> None:
    # not in batch mode: SQLite would copy the table, and dropping the old one fails while
    # other tables' rows point at it; SQLite 3.35 and later add and drop a column in place
    op.drop_index(op.f('ix_certificate_device_key'), table_name='certificate')
    op.drop_column('certificate', 'device_key')
