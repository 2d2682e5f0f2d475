"""What the tests share that is not a fixture: paths, data builders, drivers and servers.

Test modules import from here, never from one another; fixtures live in the
``conftest.py`` files (the root one for the database, clock and engine, ``api/`` for the
app, client and tokens).
"""
