# syntax=docker/dockerfile:1.7
#
# Every Channels image is a target of this one file (see docs/design/deployment.md, "One Dockerfile with a target per app"):
#
#   docker build --target gateway            -t channels/gateway .
#   docker build --target admin-api          -t channels/admin-api .
#   docker build --target persistence-writer -t channels/persistence-writer .
#   docker build --target presence           -t channels/presence .
#   docker build --target webhooks           -t channels/webhooks .
#   docker build --target migrate            -t channels/migrate .
#
# The targets share the `build` and `prod-deps` stages, so building all six compiles the
# workspace once. Every image runs as uid/gid 1000 (non-root), owns none of its files, and works
# with a read-only root filesystem (only /tmp needs to be writable).

ARG NODE_IMAGE=node:22-bookworm-slim

# ---------------------------------------------------------------------------------------------
# build: all dependencies (dev included), Prisma client generation, webpack bundles of the apps.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI=true
COPY package.json package-lock.json ./
# `npm ci`: exactly the lockfile, which lists every platform's optional binaries (linux x64 and
# arm64 images, macOS and Windows laptops).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN node scripts/prisma-generate.mjs \
 && npx nx run-many -t build --projects=tag:type:app --skip-nx-cache \
 && test -f dist/apps/gateway/main.js \
 && test -f dist/apps/admin-api/main.js \
 && test -f dist/apps/persistence-writer/main.js \
 && test -f dist/apps/presence/main.js \
 && test -f dist/apps/webhooks/main.js \
 && test -f dist/apps/dashboard/index.html

# ---------------------------------------------------------------------------------------------
# prod-deps: only what the bundles require at run time (they keep node_modules external; the
# generated Prisma client is bundled and needs only @prisma/client's runtime + @prisma/adapter-pg,
# no engine binary). devDependencies are removed from the manifest first so that optional peers
# such as the Prisma CLI and TypeScript are not pulled in.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm pkg delete devDependencies scripts \
 && npm install --omit=dev --no-audit --no-fund --ignore-scripts \
 && rm -f package-lock.json

# ---------------------------------------------------------------------------------------------
# runtime: what every image shares. Files stay owned by root and are only readable by the
# service user; migrations ship in every image so that a pod can check that the database schema
# it was built for is in place before it starts (deploy/docker/wait-for-migrations.mjs).
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/package.json ./package.json
COPY prisma/migrations ./prisma/migrations
COPY scripts/migrate.mjs ./scripts/migrate.mjs
COPY deploy/docker/healthcheck.mjs deploy/docker/wait-for-migrations.mjs ./deploy/docker/
USER 1000:1000
STOPSIGNAL SIGTERM

# ---------------------------------------------------------------------------------------------
# migrate: applies prisma/migrations to DATABASE_URL, then exits (compose one-shot, Kubernetes Job).
FROM runtime AS migrate
CMD ["node", "scripts/migrate.mjs"]

# ---------------------------------------------------------------------------------------------
FROM runtime AS persistence-writer
COPY --from=build /src/dist/apps/persistence-writer ./dist/apps/persistence-writer
EXPOSE 3100
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs", "WRITER_PORT", "3100"]
CMD ["node", "dist/apps/persistence-writer/main.js"]

# ---------------------------------------------------------------------------------------------
FROM runtime AS presence
COPY --from=build /src/dist/apps/presence ./dist/apps/presence
EXPOSE 3200
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs", "PRESENCE_PORT", "3200"]
CMD ["node", "dist/apps/presence/main.js"]

# ---------------------------------------------------------------------------------------------
FROM runtime AS webhooks
COPY --from=build /src/dist/apps/webhooks ./dist/apps/webhooks
EXPOSE 3300
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs", "WEBHOOKS_PORT", "3300"]
CMD ["node", "dist/apps/webhooks/main.js"]

# ---------------------------------------------------------------------------------------------
FROM runtime AS admin-api
COPY --from=build /src/dist/apps/admin-api ./dist/apps/admin-api
# The dashboard SPA admin-api serves at /dashboard/ (DASHBOARD_DIR defaults to this folder).
COPY --from=build /src/dist/apps/dashboard ./dist/apps/dashboard
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs", "ADMIN_API_PORT", "3000"]
CMD ["node", "dist/apps/admin-api/main.js"]

# ---------------------------------------------------------------------------------------------
# Last so that a plain `docker build .` produces the gateway.
FROM runtime AS gateway
COPY --from=build /src/dist/apps/gateway ./dist/apps/gateway
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs", "GATEWAY_PORT", "3001"]
CMD ["node", "dist/apps/gateway/main.js"]
