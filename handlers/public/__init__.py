"""The public bot: checking messages, reader commands, buttons, groups, inline mode, the hint for
anything else; each feature a handler module, its pure rendering beside it (`*views.py`)."""
