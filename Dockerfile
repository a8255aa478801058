# syntax=docker/dockerfile:1
# Device registry: build with the dev dependencies, run with production ones only, as the `node` user.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# only for bcrypt, should its prebuilt binary not fit; embedded-postgres's install script links its libraries
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# `npm run cli -- …` runs scripts/build-if-needed.js first: docker compose exec registry npm run cli -- help
COPY --from=build --chown=node:node /app/scripts/build-if-needed.js ./scripts/
# Without DATABASE_URL the embedded PostgreSQL and the generated secret key live here: mount a volume.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080 5672
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node as PID 1 receives SIGTERM from `docker stop` and shuts down gracefully; the young generation as
# `npm start` sizes it (docs/running.md, "Memory")
CMD ["node", "--max-semi-space-size=32", "dist/apps/registry/src/main.js"]
