"""API tier: the HTTP API through the Flask test client or a real server."""
