# Build stage: compile Release and run the unit tests; the runtime image only gets the binary.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        g++ cmake ninja-build pkg-config ca-certificates libboost1.81-dev libboost-json1.81-dev \
        libboost-url1.81-dev libssl-dev libspdlog-dev libyaml-cpp-dev catch2 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY src src
COPY tests tests
COPY spec spec
COPY config config
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DMAMUTE_DEFAULT_SPEC=/opt/mamute-mcp/spec/mamutecloud.openapi.json \
    && cmake --build build \
    && ctest --test-dir build --output-on-failure

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates curl libssl3 libspdlog1.10 libboost-json1.81.0 libboost-url1.81.0 libyaml-cpp0.7 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin mamute
COPY --from=build /src/build/mamute-mcp /opt/mamute-mcp/bin/mamute-mcp
COPY spec /opt/mamute-mcp/spec
COPY config /opt/mamute-mcp/config
USER mamute
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/opt/mamute-mcp/bin/mamute-mcp", "--config", "/opt/mamute-mcp/config/mamute-mcp.json", "--bind", "0.0.0.0"]
