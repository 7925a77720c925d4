# syntax=docker/dockerfile:1
# kms-sentinel in a container: the Slack bot (`serve`) by default, any other command as the arguments.
#   docker build -t kms-sentinel .
#   docker run -d -p 3000:3000 -v kms-sentinel-data:/data -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET \
#     -v "$PWD/kms-sentinel.yml:/config/kms-sentinel.yml:ro" -e KMS_SENTINEL_CONFIG=/config/kms-sentinel.yml kms-sentinel
# CI cannot build it; it proves what the image relies on instead (.ci/production-install: the packed package,
# installed without its dev dependencies, runs), and test/deploy/dockerfile.test.ts checks the facts below.

# Both stages use the same image, Node 20 as CI and package.json's engines: better-sqlite3's addon, compiled in the
# first, must match the second's Node ABI and glibc.
FROM node:20-bookworm-slim AS build
# node-gyp compiles better-sqlite3: Python, make and a C++ compiler; the headers come with Node (/usr/local/include).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The dependencies first, so that their layer is rebuilt only when the lock file changes. No install script runs
# (the package's own prepare would build before src/ is here); better-sqlite3, the one package.json's allowScripts
# approves, is then compiled from source for this platform, without downloading a prebuilt binary.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm_config_nodedir=/usr/local npm rebuild better-sqlite3 --build-from-source \
  && node -e "require('better-sqlite3')(':memory:').close()"
COPY tsconfig.json ./
COPY src ./src
# Build with the dev dependencies, then drop them; of better-sqlite3's build only the addon itself is kept.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && cd node_modules/better-sqlite3 \
  && mv build/Release/better_sqlite3.node /tmp/ \
  && rm -rf build deps src \
  && mkdir -p build/Release \
  && mv /tmp/better_sqlite3.node build/Release/

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
  KMS_SENTINEL_DATABASE=/data/kms-sentinel.db
# The code and its production dependencies, owned by root: the bot cannot change them.
COPY --from=build /app/package.json /app/
COPY --from=build /app/node_modules /app/node_modules
COPY --from=build /app/dist /app/dist
# The database lives on the /data volume (KMS_SENTINEL_DATABASE is where it goes when the config names no
# `database:`). The folder is made, and given to the bot's user, before VOLUME: a new volume starts with that owner.
# It is also the working folder, so that relative paths (--db, a kms-sentinel.yml) land on the volume.
RUN mkdir -p /data && chown node:node /data
WORKDIR /data
VOLUME /data
# The base image's unprivileged user node, by number, so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# PORT (default 3000): /slack/events in HTTP mode, GET /healthz in both modes.
EXPOSE 3000
# The healthcheck runs inside the container, with its environment; the slim image has no curl, Node's fetch does.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1, not npm nor a shell, so SIGTERM reaches it: serve stops cleanly on it (exit 0), scan and demo
# clean up first, and as PID 1 the CLI ends every other command on it too, so `docker run --init` is not needed.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["serve"]
