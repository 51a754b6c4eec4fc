# Multi-stage build: a release binary built with the Rust toolchain, run on a slim Debian as an
# unprivileged user. The binary links only libc (no libpq), so the runtime image needs no
# PostgreSQL client libraries.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY assets ./assets
COPY directory ./directory
COPY migrations ./migrations
COPY tests ./tests
RUN cargo build --release --locked --bin poc-lms

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --create-home poc-lms
WORKDIR /app
COPY --from=build /src/target/release/poc-lms /usr/local/bin/poc-lms
COPY course-content ./course-content
USER poc-lms
ENV BIND_ADDR=0.0.0.0:8080 \
    MAIL_DIR=/app/var/mail \
    LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["poc-lms"]
CMD ["serve"]
