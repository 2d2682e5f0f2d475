"""Persistence: the only package that imports SQLAlchemy."""

from engine.store.database import DatabasePool
from engine.store.repository import Store, UnitOfWork

__all__ = ["DatabasePool", "Store", "UnitOfWork"]
