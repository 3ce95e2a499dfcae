"""SQLite through SQLAlchemy 2: models, engine, migrations, unit of work, repositories.

Never imports Qt or ReportLab.
"""
