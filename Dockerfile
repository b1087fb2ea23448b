# Pledge Tracker in a container: the app as `npm start` runs it, as a user of its own, its database on a volume.
# docs/deploying.md ("A container") says how to build and run it, and how it was checked.
#
# Debian's own Node 20 (trixie), so that the image needs Debian's mirror and npm's registry and nothing else:
# better-sqlite3 is compiled from source against Debian's Node headers instead of fetching a prebuilt binary.
ARG DEBIAN_IMAGE=debian:trixie-slim

FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm libnode-dev python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Native modules built here, against /usr/include/node: node-gyp downloads no headers, prebuild-install no binary.
ENV npm_config_nodedir=/usr npm_config_build_from_source=true npm_config_fund=false npm_config_audit=false
# Behind a TLS-inspecting proxy, its certificates for npm: --build-arg NODE_EXTRA_CA_CERTS=FILE with the file
# mounted (podman build --volume FILE:FILE:ro). Unset, npm trusts the image's own.
ARG NODE_EXTRA_CA_CERTS
COPY package.json package-lock.json ./
RUN npm ci
COPY server ./server
COPY views ./views
COPY public ./public
COPY db ./db
COPY tsconfig.json ./
RUN npm run --silent build && npm prune --omit=dev

FROM ${DEBIAN_IMAGE}
# fonts-dejavu-core: the font the chart cards are drawn in (server/platform/chart-image.ts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --home-dir /app --shell /usr/sbin/nologin pledge-tracker \
 && mkdir /data && chown pledge-tracker:pledge-tracker /data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/views ./views
COPY --from=build /app/public ./public
COPY --from=build /app/db ./db
# As npm start runs the server (package.json), without building it again. HOST 0.0.0.0: reached through the
# container's published port. Set ADMIN_PASSWORD for the first start, SESSION_SECRET, PUBLIC_URL and TRUST_PROXY as
# for any deployment (README, "Configuration").
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATABASE_PATH=/data/pledges.db LOG_FORMAT=json \
    MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144 MALLOC_TRIM_THRESHOLD_=131072
VOLUME /data
USER pledge-tracker
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=2", "--expose-gc", "dist/server.js"]
