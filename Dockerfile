# syntax=docker/dockerfile:1
# Build: docker build -t handover .
# Run:   docker run -p 8000:8000 -e HANDOVER_SECRET_KEY=$(openssl rand -hex 32) handover
# Production mode: it listens on 0.0.0.0, which development mode (secrets unprotected) refuses.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/handover
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY app ./app
# Editable install: the package runs from /srv/handover, beside its alembic/ migrations.
RUN pip install -e .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HANDOVER_DATABASE_URL=sqlite:////var/lib/handover/handover.db \
    HANDOVER_ENVIRONMENT=production
RUN useradd --system --uid 10001 --home-dir /srv/handover handover \
    && mkdir -p /var/lib/handover && chown handover /var/lib/handover
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/handover
COPY --chown=root:root pyproject.toml README.md alembic.ini ./
COPY --chown=root:root app ./app
COPY --chown=root:root alembic ./alembic
COPY --chown=root:root openapi ./openapi
USER handover
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["handover", "serve", "--host", "0.0.0.0", "--port", "8000"]
