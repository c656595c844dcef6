"""Use cases over a SQLAlchemy session factory; they return dataclasses, never ORM rows. No Qt."""
