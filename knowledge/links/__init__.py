"""Link expansion: the article behind a link, fetched safely (policy: which addresses; fetch: one
deadline, bounded bytes; extract: text in a process of its own; cache) and matched (preview)."""
