"""Running Tekser: the Telegram Application wired in `app.py`, polling or webhook, worker processes,
the HTTP server (newsroom API, health, metrics) and the `tekser` command line."""
