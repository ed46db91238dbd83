# syntax=docker/dockerfile:1
# 掌上查 (zsc) as one static, non-root container:
#   docker build -t zsc .
#   docker run -d --name zsc -p 8080:8080 -v zsc-data:/data zsc
# The data folder /data (database, photos, jwt.key) is the volume: back it up
# with `docker exec zsc zsc backup /data/backups/$(date +%F) --db /data/zsc.db`
# (README "Deploying").
# TLS belongs to a reverse proxy in front (deploy/Caddyfile, deploy/nginx-zsc.conf).

# 1. The PWA (pwa/dist), embedded into the binary by pwa/embed.go.
FROM node:20-bookworm-slim AS pwa
WORKDIR /src/pwa
COPY pwa/package.json pwa/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY pwa/ ./
RUN npm run build

# 2. The server: static (modernc SQLite is pure Go), with the built PWA.
FROM golang:1.26-bookworm AS server
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=pwa /src/pwa/dist ./pwa/dist
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/zsc ./server/cmd/zsc \
 && mkdir -p /out/data

# 3. The image: distroless static carries CA certificates and tzdata, no
# shell; nonroot is uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=server /out/zsc /usr/local/bin/zsc
# The volume's mount point, owned by the service user, so that a new named
# volume starts writable.
COPY --from=server --chown=65532:65532 /out/data /data
ENV TZ=Asia/Shanghai \
    ZSC_DATA=/data \
    ZSC_ADDR=:8080 \
    ZSC_LOG_FORMAT=json
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/zsc", "serve"]
