"""daiban's tests, in tiers: unit, integration, api, browser (see README)."""
