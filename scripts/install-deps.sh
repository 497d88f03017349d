#!/usr/bin/env bash
# Installs the Debian 12 packages Kairos builds with (plus any extra package names given).
# Runs apt-get only for what is missing; uses sudo when not root.
set -euo pipefail
packages=(
    build-essential cmake ninja-build pkg-config lld
    qt6-base-dev qt6-base-dev-tools qt6-websockets-dev qt6-charts-dev libqt6opengl6-dev
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools python3-h2 python3-grpcio python3-grpc-tools python3-brotli python3-zstandard
    chromium-headless-shell
    libhttp-parser-dev libnghttp2-dev nghttp2-client libjwt-dev libxxhash-dev zlib1g-dev libbrotli-dev libzstd-dev libgl-dev libssl-dev libc-ares-dev openssl curl clang-format etcd-server etcd-client dnsmasq-base
    "$@"
)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "Installing: ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
