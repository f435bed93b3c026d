"""The public site: debunk pages, search, the embeddable card, feeds and the sitemap.

Server-rendered (Jinja2, autoescaped) on the same Starlette app as the newsroom API (bot.web).
"""
