"""marshmallow schemas of the HTTP API: shapes only, no rules."""
