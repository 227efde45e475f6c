# Kairos container image.
#
# Stage 1 builds `kairos` and the admin CLI `kairosctl` with the Swift toolchain and links
# the Swift runtime into the binaries (--static-swift-stdlib). Stage 2 is a slim Debian
# holding only those binaries and the C libraries they load: librdkafka and RocksDB.
#
#   docker build -t kairos .
#   docker run --rm kairos --help
#   docker compose exec kairos-1 kairosctl status --bootstrap-servers kafka:9092 \
#       --instances http://kairos-1:8080,http://kairos-2:8080,http://kairos-3:8080

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librdkafka-dev librocksdb-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Fetch the dependencies in their own layer, so that a source change does not fetch them again.
# (Package.resolve[d] copies Package.resolved when there is one.)
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve
COPY . .
RUN swift build -c release --product kairos --static-swift-stdlib \
    && swift build -c release --product kairosctl --static-swift-stdlib \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && install -D -m 0755 "$bin/kairos" /out/kairos \
    && install -D -m 0755 "$bin/kairosctl" /out/kairosctl

FROM debian:bookworm-slim
# librdkafka1 and librocksdb7.8 are the versions the builder compiled against (bookworm's);
# tzdata serves the IANA zones of `kairos-tz`; ca-certificates the trust roots of HTTPS webhooks;
# libcurl4 is what Foundation loads.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librdkafka1 librocksdb7.8 libcurl4 tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/kairos --no-create-home kairos \
    && install -d -o kairos -g kairos -m 0750 /var/lib/kairos
COPY --from=build /out/kairos /out/kairosctl /usr/local/bin/
USER kairos
WORKDIR /var/lib/kairos
ENV KAIROS_STATE_DIR=/var/lib/kairos
VOLUME ["/var/lib/kairos"]
ENTRYPOINT ["/usr/local/bin/kairos"]
