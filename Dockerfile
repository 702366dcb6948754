# One image for the three apps and the migration step; the command picks what runs:
#   node dist/apps/api/src/main.js      (API_PORT, default 3000)   <- default CMD
#   node dist/apps/ingest/src/main.js   (INGEST_PORT, default 3001)
#   node dist/apps/batch/src/main.js    (BATCH_PORT, default 3002)
#   node dist/libs/db/migrate.cli.js    (one-shot: migrations + ping partitions, exits 0)
#
#   docker build -t health-code .
#   docker run --rm -e DATABASE_URL=... -e REDIS_URL=... -e HC_JWT_SECRET=... health-code
#
# Debian (glibc) rather than Alpine: argon2 ships prebuilt glibc binaries in its npm package.
# Node 22 LTS: supported until April 2027, where Node 20's support ended in April 2026.

ARG NODE_VERSION=22

# ---- build: every dependency, then the apps and libraries compiled into dist/ ----------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
# swagger-ui-dist pulls in @scarf/scarf, whose install script reports to an analytics server.
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Sources (see .dockerignore: no tests, benchmarks or docs). tsconfig.build.json compiles apps/
# and libs/ without their *.spec.ts, so dist/ holds only what runs.
COPY . .
RUN npx tsc -p tsconfig.build.json

# ---- runtime: production dependencies, compiled code, SQL migrations --------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# package.json carries the "imports" map (#libs/* -> ./dist/libs/*) Node resolves at run time;
# migrations/ is read from <root>/migrations, i.e. next to dist/; the admin console's static
# files from <root>/apps/api/console (served as they are, no build step).
COPY --from=build /app/dist/apps ./dist/apps
COPY --from=build /app/dist/libs ./dist/libs
COPY migrations ./migrations
COPY apps/api/console ./apps/api/console
# Files stay owned by root (read-only for the app); the process runs as the image's `node` user.
USER node
EXPOSE 3000 3001 3002
# Exec form: SIGTERM reaches node, which shuts down gracefully (use `init: true` / `--init` to
# also reap zombies). Health: GET /health/live and /health/ready on the app's port.
CMD ["node", "dist/apps/api/src/main.js"]
