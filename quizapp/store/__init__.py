"""Persistence: SQLAlchemy 2 models, engine set-up (SQLite pragmas, BEGIN IMMEDIATE),
sessions and Alembic migrations. Imports the domain only; no Qt."""
