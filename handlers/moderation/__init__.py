"""The moderators' bot: /add, /edit, the review queue, one-line debunk commands, roles, import and
export, /stats; `assembly.py` builds the one persistent conversation and lists every handler."""
