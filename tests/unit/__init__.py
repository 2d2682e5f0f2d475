"""Unit tier: no database: parsing, lint, the script sandbox, calendar, catalogue, org."""
