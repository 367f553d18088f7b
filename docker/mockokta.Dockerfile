# mockokta: a simulated Okta org (Management API and provisioning engine).
# The build context holds only the static binary (CGO_ENABLED=0) that
# `make images` (docker/images.go) or harness/containers builds on the host
# with Go; nothing is pulled, so the image builds without a registry.
FROM scratch
COPY mockokta /mockokta
# An empty directory the non-root user owns, for state kept on disk
# (MOCKOKTA_DATA_DIR=/data with a volume); by default state is in memory.
COPY --chown=65532:65532 data /data
# Every flag is also MOCKOKTA_<FLAG> (see README); only the listen address
# differs from the binary's default, so other containers reach it.
ENV MOCKOKTA_ADDR=0.0.0.0:8080
EXPOSE 8080
# No /etc/passwd in scratch: a numeric, non-root uid:gid.
USER 65532:65532
HEALTHCHECK --interval=2s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/mockokta", "healthcheck"]
ENTRYPOINT ["/mockokta"]
# Last, so a new revision does not invalidate the layers above.
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="mockokta" \
      org.opencontainers.image.description="Simulated Okta org: Management API and SCIM provisioning engine (provsim)" \
      org.opencontainers.image.source="https://github.com/provsim/provsim" \
      org.opencontainers.image.url="https://github.com/provsim/provsim#containers" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      io.provsim.component="mockokta" \
      io.provsim.env-prefix="MOCKOKTA" \
      io.provsim.health="/_sim/health"
