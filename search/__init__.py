"""Search: the only code that talks to Meilisearch, plus the SQL fallback when it is down."""
