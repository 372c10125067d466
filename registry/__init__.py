"""The registry: the source of truth for certificates, their history and import runs."""
