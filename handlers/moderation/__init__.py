"""The moderators' bot: /add, /edit, the review queue, one-line debunk commands, roles, import and
export, /stats, the glossary's /term, each with its views beside it; `assembly.build_handlers()`
lists every handler."""
