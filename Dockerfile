# The API and the network service in one image (docs/operations.md#containers).
#   docker build -t bharat-connect .
#   API:              docker run bharat-connect                     (python -m server.cli serve)
#   network service:  docker run bharat-connect python -m simulator serve
# compose.yaml wires both to PostgreSQL with production settings.

# 1. The explorer's assets (GraphiQL), from the lock file.
FROM node:20-bookworm-slim AS assets
WORKDIR /src/server/graphiql
COPY server/graphiql/package.json server/graphiql/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# 2. The Python environment, from the lock file.
FROM python:3.11-slim-bookworm AS python
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
COPY requirements.lock /tmp/requirements.lock
RUN /venv/bin/pip install -r /tmp/requirements.lock

# 3. The image: the environment, the code, the assets; a user without privileges.
FROM python:3.11-slim-bookworm
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 PORT=8000 ENVIRONMENT=production
RUN useradd --system --uid 10001 --create-home --home-dir /home/app app
WORKDIR /app
COPY --from=python /venv /venv
COPY alembic.ini pyproject.toml ./
COPY contract ./contract
COPY db ./db
COPY resolvers ./resolvers
COPY schema ./schema
COPY server ./server
COPY simulator ./simulator
COPY --from=assets /src/server/graphiql/node_modules ./server/graphiql/node_modules
RUN mkdir -p /app/var && chown app:app /app/var
USER app
EXPOSE 8000 8001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/livez', timeout=2)"]
CMD ["python", "-m", "server.cli", "serve"]
