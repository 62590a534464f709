# One image for every app (ingest, worker, dashboard, demo); compose picks the
# app with `command`. Three stages, so the runtime stage holds compiled
# JavaScript and production dependencies only: no TypeScript sources, tests,
# bench, testkit or s3rver (nor their dependencies), no compiler.
#
# Node LTS in the image; the code itself still runs on Node 20 (engines >=20),
# which the development machines have.
ARG NODE_IMAGE=node:22-bookworm-slim

# 1. Build: every workspace with its development dependencies, then compile
#    the four apps and the packages they are built on.
FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.json ./
COPY packages ./packages
COPY apps ./apps
RUN npm ci --no-audit --no-fund
RUN npx turbo run build \
      --filter=@runstream/ingest --filter=@runstream/worker \
      --filter=@runstream/dashboard --filter=@runstream/demo
# The runtime's share of the build: each runtime workspace's dist, without the
# test helpers (dist/testing imports testkit), declarations and source maps
# (the sources they point to are not shipped).
RUN mkdir /runtime \
 && for dist in apps/*/dist packages/*/dist; do \
      workspace=${dist%/dist}; \
      case "$workspace" in apps/bench|packages/testkit) continue ;; esac; \
      mkdir -p "/runtime/$workspace" && cp -R "$dist" "/runtime/$workspace/"; \
    done \
 && find /runtime -type d -path '*/dist/testing' -prune -exec rm -rf {} + \
 && find /runtime -type f \( -name '*.d.ts' -o -name '*.map' \) -delete

# 2. Production dependencies of the runtime workspaces only. bench and testkit
#    are workspaces too, and npm installs every workspace's dependencies, so
#    they are left out here, and every devDependencies list is dropped (the
#    apps name testkit there). The lock file still fixes every version.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY apps ./apps
RUN rm -rf apps/bench packages/testkit \
 && find apps packages -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} + \
 && npm pkg delete devDependencies --workspaces --include-workspace-root \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# 3. Runtime: root-owned and read-only to the app's user. Node is PID 1: each
#    app handles SIGTERM/SIGINT itself (graceful close within
#    SHUTDOWN_TIMEOUT_MS, under compose's stop_grace_period); compose adds an
#    init process as well (`init: true`).
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app ./
COPY --from=build /runtime ./
USER node
EXPOSE 8080 8081 8082
CMD ["node", "apps/ingest/dist/main.js"]
