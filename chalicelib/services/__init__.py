"""Use cases: one function each, given its adapters (see deps.Deps)."""
