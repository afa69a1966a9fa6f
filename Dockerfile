# syntax=docker/dockerfile:1
# callforge: multi-stage build.
#   target "runtime" (the default, last stage): the callforge binary on distroless, non-root
#   target "sounds": the test prompts of freeswitch-conf/make-sounds.sh in /sounds
#   target "sipp":    SIPp (Debian's sip-tester) with e2e/sipp/ in /sipp

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/callforge ./cmd/callforge

FROM debian:12-slim AS sounds
RUN apt-get update \
 && apt-get install -y --no-install-recommends sox espeak-ng \
 && rm -rf /var/lib/apt/lists/*
COPY freeswitch-conf/make-sounds.sh /usr/local/bin/make-sounds.sh
RUN bash /usr/local/bin/make-sounds.sh /sounds

FROM debian:12-slim AS sipp
RUN apt-get update \
 && apt-get install -y --no-install-recommends sip-tester \
 && rm -rf /var/lib/apt/lists/*
COPY e2e/sipp/ /sipp/
USER nobody
WORKDIR /tmp

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build /out/callforge /usr/local/bin/callforge
USER nonroot:nonroot
EXPOSE 8084/tcp
ENTRYPOINT ["/usr/local/bin/callforge"]
CMD ["serve", "--listen", "127.0.0.1:8084", "--scripts", "/scripts", "--log-format", "json"]
