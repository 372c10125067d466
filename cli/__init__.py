"""The ``hopquy`` console script: thin commands over the registry, importer and search."""
