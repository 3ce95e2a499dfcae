"""Alembic environment: always run on the connection the migrator hands over.

On SQLite the migrator opens that connection with foreign keys OFF, because batch
migrations copy and drop tables and a drop with foreign keys on would cascade-delete child
rows. On PostgreSQL it is one transaction, held under an advisory lock.
"""

from alembic import context

from practitioner_app.persistence.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things, so batch mode copies tables there; PostgreSQL alters.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
