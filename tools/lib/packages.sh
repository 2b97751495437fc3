# Installs Debian packages that are missing (shared by tools/run, tools/test, tools/bench-catalog and tools/bench/run).
build_packages=(g++ cmake ninja-build ccache pkg-config libboost1.81-dev libboost-json1.81-dev
                libboost-url1.81-dev libssl-dev libspdlog-dev libyaml-cpp-dev libjemalloc-dev ca-certificates)
# nginx: the round-robin load balancer of tests/scale-out (run unprivileged from a temp prefix; on a machine
# with systemd the package also starts its own service on port 80, which the tests do not use).
test_packages=(catch2 openssl nginx)
# Node and npm only when absent: a machine may already have them from elsewhere, and Debian's
# npm package would conflict with that install.
command -v npm >/dev/null 2>&1 || test_packages+=(nodejs npm)
# tools/bench/run: wrk (LuaJIT scripts) drives the servers; nginx is the fixed-body limit server and the upstream;
# curl for readiness probes.
bench_packages=(wrk nginx curl)

ensure_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing Debian packages: ${missing[*]}" >&2
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Configures (once) and builds the given targets in build/ (Release, ccache when present).
build_targets() {
    local jobs
    jobs=$(nproc)
    if [ ! -f build/build.ninja ]; then
        cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${cmake_extra_args[@]}" >&2
    elif [ ${#cmake_extra_args[@]} -gt 0 ]; then
        cmake -S . -B build "${cmake_extra_args[@]}" >/dev/null
    fi
    cmake --build build --parallel "$jobs" --target "$@" >&2
}
cmake_extra_args=()
