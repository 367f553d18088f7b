# harness: runs provsim scenarios. The shipped scenarios are baked in at
# /scenarios; by default they run against in-process simulators, and with
# HARNESS_OKTA_URL and HARNESS_ATLASSIAN_URL against running servers (the
# compose "scenarios" profile). The build context holds the static binary
# (CGO_ENABLED=0) that `make images` (docker/images.go) builds on the host
# with Go, and scenarios/; nothing is pulled.
FROM scratch
COPY harness /harness
COPY scenarios/ /scenarios/
# Every run/serve flag is also HARNESS_<FLAG>. `harness serve` in a
# container must listen on all interfaces.
ENV HARNESS_OKTA_ADDR=0.0.0.0:8080 \
    HARNESS_ATLASSIAN_ADDR=0.0.0.0:8081
USER 65532:65532
# A scenario run is a job that exits with its status; there is no server to
# probe (harness has no healthcheck subcommand).
HEALTHCHECK NONE
ENTRYPOINT ["/harness"]
CMD ["run", "/scenarios"]
# Last, so a new revision does not invalidate the layers above.
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="provsim-harness" \
      org.opencontainers.image.description="provsim scenario runner (harness run/validate/serve) with the shipped scenarios" \
      org.opencontainers.image.source="https://github.com/provsim/provsim" \
      org.opencontainers.image.url="https://github.com/provsim/provsim#containers" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      io.provsim.component="harness" \
      io.provsim.env-prefix="HARNESS"
