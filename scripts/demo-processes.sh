# Sourced by the demo scripts: a temporary folder, `work`, and the processes they start, `pids`,
# both cleaned up when the script ends or is interrupted.
#   start_demo NAME    makes /tmp/kairos-NAME-XXXXXX
start_demo() {
    work=$(mktemp -d "/tmp/kairos-$1-XXXXXX")
    pids=()
    trap stop_demo EXIT INT TERM
}
stop_demo() {
    kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
# The gateway alone, in Release, without tests: what the demos run.
build_gateway() {
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKAIROS_BUILD_TESTS=OFF >/dev/null
    cmake --build build --target kairos-gateway
}
