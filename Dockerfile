# The tailui gateway image (deploy/gateway.yaml), built by goreleaser's dockers_v2
# from the release binaries: the build context holds linux/amd64/tailui and
# linux/arm64/tailui. Not for `docker build .` from a checkout.
#
# distroless/static: no shell or package manager, just CA certificates (for a TLS
# Loki), /etc/passwd with the nonroot user 65532, and tzdata.
FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/tailui /usr/local/bin/tailui
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tailui"]
# Flags may also come from the environment: docker run -e TAILUI_UPSTREAM=http://loki:3100 ...
CMD ["gateway", "--listen", ":8080"]
