"""Integration tier: the engine on a real database (SQLite file or PostgreSQL schema)."""
