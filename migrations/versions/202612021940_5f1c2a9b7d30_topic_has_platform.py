"""A topic knows whether it has a platform tag (a mistake without one applies to every platform)

Revision ID: 5f1c2a9b7d30
Revises: de266705d934
Create Date: 2026-12-02 19:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5f1c2a9b7d30'
down_revision = 'de266705d934'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_platform', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE topic SET has_platform = EXISTS (SELECT 1 FROM topic_tag JOIN tag ON tag.id = topic_tag.tag_id"
        " WHERE topic_tag.topic_id = topic.id AND tag.kind = 'platform')"
    )


def downgrade():
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.drop_column('has_platform')
