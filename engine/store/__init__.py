"""Persistence: the only package that imports SQLAlchemy."""

from engine.store.repository import Store, UnitOfWork

__all__ = ["Store", "UnitOfWork"]
