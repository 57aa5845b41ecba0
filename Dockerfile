# syntax=docker/dockerfile:1
# The image of either service (the api image also runs the ingest CLI): production dependencies only, non-root,
# health-checked. Build from the repository root; SERVICE names the workspace services/<SERVICE> and is required:
#   docker build --build-arg SERVICE=auth -t ai-book/auth-service .
#   docker build --build-arg SERVICE=api -t ai-book/api-service .
ARG NODE_VERSION=20
ARG SERVICE

# The workspace manifests of this service, for the two installs below. The full Debian image has python3, make and
# g++ for better-sqlite3 when no prebuilt binary fits.
FROM node:${NODE_VERSION}-bookworm AS manifests
ARG SERVICE
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/http/package.json packages/http/
COPY packages/runtime/package.json packages/runtime/
COPY services/${SERVICE}/package.json services/${SERVICE}/

FROM manifests AS deps
ARG SERVICE
# npm keeps a workspace's devDependencies under --omit=dev; deleting them from the manifests first leaves only
# what runs in production (the lockfile still pins every version). Only this service's workspace is installed.
RUN npm pkg delete devDependencies \
 && npm pkg delete devDependencies -w services/${SERVICE} \
 && npm ci --omit=dev -w services/${SERVICE} -w packages/contracts -w packages/http -w packages/runtime --no-audit --no-fund \
 && npm cache clean --force

# The bundle production runs (scripts/build.ts: esbuild, workspace packages inlined, npm packages left external).
FROM manifests AS build
ARG SERVICE
RUN npm ci --include-workspace-root -w services/${SERVICE} -w packages/contracts -w packages/http -w packages/runtime --ignore-scripts --no-audit --no-fund
COPY scripts/build.ts scripts/
COPY packages/contracts packages/contracts
COPY packages/http packages/http
COPY packages/runtime packages/runtime
COPY services/${SERVICE} services/${SERVICE}
RUN node --import tsx scripts/build.ts ${SERVICE}

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
# The whole tree from the deps stage: root node_modules plus any nested ones npm made inside the workspaces.
COPY --from=deps /app ./
COPY packages/contracts packages/contracts
COPY packages/http packages/http
COPY packages/runtime packages/runtime
COPY services/${SERVICE} services/${SERVICE}
COPY --from=build /app/services/${SERVICE}/dist services/${SERVICE}/dist
RUN mkdir -p /data && chown node:node /data
WORKDIR /app/services/${SERVICE}
# PORT_VAR (set by each service's stage below) names the variable holding the port, so an overridden port is the
# one checked.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env[process.env.PORT_VAR]+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.mjs"]

FROM runtime AS auth
ENV AUTH_SERVER_HOST=0.0.0.0 \
    AUTH_SERVER_PORT=3001 \
    PORT_VAR=AUTH_SERVER_PORT
EXPOSE 3001
USER node

FROM runtime AS api
# The sample book, so the ingest CLI without a mounted folder still has something to load.
COPY book/docs /app/book/docs
RUN mkdir -p /docs
ENV API_SERVER_HOST=0.0.0.0 \
    API_SERVER_PORT=8000 \
    PORT_VAR=API_SERVER_PORT
EXPOSE 8000
USER node

# The image is the stage named by SERVICE (a build without --build-arg SERVICE fails here, naming it).
FROM ${SERVICE}
