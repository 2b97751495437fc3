# docker build -t mamute-mcp .                            build, run the C++ unit tests, ship a slim image
# docker build --build-arg MAMUTE_FULL_TESTS=1 -t ...     also run tools/test (every test: npm packages, nginx,
#                                                         the SDK, conformance and interop clients; needs the npm
#                                                         registry and several hundred MB more in the build stage)
# docker run -p 8080:8080 -e MAMUTE_MCP_HTTP_SESSION_SECRET=... mamute-mcp [flags...]
#
# Configuration is through MAMUTE_MCP_<SECTION>_<KEY> environment variables (`mamute-mcp --help` lists
# them); flags after the image name win over them.

# ---- Build stage: the same Debian packages tools/test installs, a Release build, the tests. -------------
FROM debian:12 AS build
# tools/lib/packages.sh names the packages (shared with tools/run and tools/test) and installs the missing ones.
COPY tools/lib/packages.sh /tmp/packages.sh
RUN bash -c 'set -euo pipefail; source /tmp/packages.sh; ensure_packages "${build_packages[@]}" catch2' \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY src src
COPY tests tests
COPY spec spec
COPY config config
COPY tools tools
# The binary's built-in default spec is where the runtime image puts it; it exists here too, so any test
# that starts the binary without --spec finds it.
COPY spec /usr/share/mamute-mcp/spec
ENV CCACHE_DISABLE=1
# Without tests/node_modules (see .dockerignore) ctest registers the C++ tests only: every Catch2 test case
# of tests/unit (protocol rules, catalog, search, request building, the HTTP(S) client against local servers).
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DMAMUTE_DEFAULT_SPEC=/usr/share/mamute-mcp/spec/mamutecloud.openapi.json \
    && cmake --build build --parallel "$(nproc)" \
    && ctest --test-dir build --output-on-failure --parallel "$(nproc)" --timeout 300
# Opt-in: everything tools/test runs (installs Node/npm and nginx here, npm ci, reuses build/).
ARG MAMUTE_FULL_TESTS=0
RUN if [ "$MAMUTE_FULL_TESTS" = 1 ]; then tools/test; fi
RUN strip build/mamute-mcp

# ---- Runtime stage: the binary, its shared libraries (exactly what ldd lists), the spec. ----------------
FROM debian:12-slim
# libstdc++6, libgcc-s1 and libc6 are already in debian:12-slim. ca-certificates: the system trust store the
# upstream HTTPS client verifies the API's certificate against. bash (also already there) runs the health check.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates libboost-json1.81.0 libboost-url1.81.0 libssl3 libspdlog1.10 libfmt9 libyaml-cpp0.7 libjemalloc2 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 mamute \
    && useradd --system --uid 10001 --gid mamute --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin mamute
COPY --from=build /src/build/mamute-mcp /usr/bin/mamute-mcp
COPY --from=build /src/spec/mamutecloud.openapi.json /usr/share/mamute-mcp/spec/mamutecloud.openapi.json
# Every setting with its default, for reference or as a starting point: MAMUTE_MCP_CONFIG=/usr/share/mamute-mcp/config/mamute-mcp.json
# (its "specs" entry, ../spec/..., resolves to the bundled spec above).
COPY --from=build /src/config/mamute-mcp.json /usr/share/mamute-mcp/config/mamute-mcp.json

# Listen on every interface inside the container. Any Host header is accepted when not bound to loopback;
# set MAMUTE_MCP_HTTP_ALLOWED_HOSTS to your public names to restrict it. For several replicas behind a load
# balancer, give them all the same MAMUTE_MCP_HTTP_SESSION_SECRET (README "Deployment").
# Change the port through MAMUTE_MCP_HTTP_PORT (not --port) so the health check follows it.
ENV MAMUTE_MCP_HTTP_BIND=0.0.0.0 \
    MAMUTE_MCP_HTTP_PORT=8080
USER 10001:10001
EXPOSE 8080
# No curl in the image: bash's /dev/tcp sends GET /healthz and the first line of the reply must be a 200.
# The Host header is the first of MAMUTE_MCP_HTTP_ALLOWED_HOSTS when that is set (the server checks Host
# before anything else), 127.0.0.1 otherwise.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD bash -c 'h=${MAMUTE_MCP_HTTP_ALLOWED_HOSTS:-127.0.0.1}; exec 3<>"/dev/tcp/127.0.0.1/${MAMUTE_MCP_HTTP_PORT:-8080}" && printf "GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" "${h%%,*}" >&3 && read -r -t 2 status <&3 && [[ $status == "HTTP/1.1 200"* ]]'
ENTRYPOINT ["/usr/bin/mamute-mcp"]
