"""partners: webhook endpoints, their outbox (filled by a trigger on the history), deliveries,
listing checks and usage counts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None
TRIGGER = 'certificateevent_to_webhooks'


def upgrade() -> None:
    op.create_table('webhookendpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('watch_all', sa.Boolean(), nullable=False),
    sa.Column('certificates', sa.JSON(), nullable=False),
    sa.Column('holders', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('disabled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('failing_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['token_id'], ['apitoken.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('webhookendpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhookendpoint_token_id'), ['token_id'], unique=False)

    op.create_table('webhookoutbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('expired_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['certificateevent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('webhookexpiryday',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('certificates', sa.Integer(), nullable=False),
    sa.Column('emitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('webhookdelivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('certificate_no', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhookendpoint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('webhookdelivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhookdelivery_endpoint_state', ['endpoint_id', 'state', 'id'], unique=False)

    op.create_table('listingcheck',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('shop_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('brand', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('verdict', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('certificate_no', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['apitoken.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('listingcheck', schema=None) as batch_op:
        batch_op.create_index('ix_listingcheck_certificate', ['certificate_no', 'shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listingcheck_token_id'), ['token_id'], unique=False)

    op.create_table('partnerusage',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['apitoken.id'], ),
    sa.PrimaryKeyConstraint('token_id', 'day', 'kind')
    )
    for statement in _trigger(op.get_bind().dialect.name):
        op.execute(statement)


def _trigger(dialect: str) -> list[str]:
    """Every history event, while any endpoint is live, is queued for the partners in the
    transaction that writes it. PostgreSQL: once per statement, over its new rows (an import
    writes thousands at a time); SQLite: per row, in C."""
    if dialect == 'postgresql':
        return [
            f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF EXISTS (SELECT 1 FROM webhookendpoint WHERE deleted_at IS NULL) THEN "
            "INSERT INTO webhookoutbox (event_id, certificate_id) "
            "SELECT id, certificate_id FROM new_events ORDER BY id; END IF; RETURN NULL; END $$",
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON certificateevent REFERENCING NEW TABLE AS new_events "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()",
        ]
    return [
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON certificateevent "
        "WHEN EXISTS (SELECT 1 FROM webhookendpoint WHERE deleted_at IS NULL) BEGIN "
        "INSERT INTO webhookoutbox (event_id, certificate_id) VALUES (NEW.id, NEW.certificate_id); END",
    ]


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP TRIGGER {TRIGGER} ON certificateevent")
        op.execute(f"DROP FUNCTION {TRIGGER}()")
    else:
        op.execute(f"DROP TRIGGER {TRIGGER}")
    op.drop_table('partnerusage')
    with op.batch_alter_table('listingcheck', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listingcheck_token_id'))
        batch_op.drop_index('ix_listingcheck_certificate')

    op.drop_table('listingcheck')
    with op.batch_alter_table('webhookdelivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhookdelivery_endpoint_state')

    op.drop_table('webhookdelivery')
    op.drop_table('webhookexpiryday')
    op.drop_table('webhookoutbox')
    with op.batch_alter_table('webhookendpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhookendpoint_token_id'))

    op.drop_table('webhookendpoint')
