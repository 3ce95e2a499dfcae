"""Alembic environment: always run on the connection the migrator hands over.

The migrator opens that connection with foreign keys OFF, because batch migrations copy
and drop tables and a drop with foreign keys on would cascade-delete child rows.
"""

from alembic import context

from practitioner_app.persistence.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
