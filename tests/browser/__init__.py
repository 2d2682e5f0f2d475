"""Browser tier: headless Chromium and the Node tools (diagrams, case viewer, docs page)."""
