"""Feeds into the registry and on into the search index: the service over importer and search."""
