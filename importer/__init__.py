"""The importer: reads certification feeds, validates them, and syncs them into the registry."""
