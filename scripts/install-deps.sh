#!/usr/bin/env bash
# Installs every Debian 12 package adwatch needs to build, test and run. Idempotent.
set -euo pipefail
packages=(
  build-essential cmake pkg-config git
  librdkafka-dev rapidjson-dev prometheus-cpp-dev libcrypt-dev
  libprotobuf-dev protobuf-compiler libyaml-cpp-dev libhyperscan-dev libcli11-dev libsqlite3-dev
  libcurl4-openssl-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  kcat prometheus prometheus-alertmanager clang-format clang-tidy python3 python3-yaml
  chromium systemd clang clang-14 libclang-rt-14-dev
  libmicrohttpd-dev libgnutls28-dev gnutls-bin curl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
# The Debian packages start servers; adwatch's tests start their own on loopback.
$sudo systemctl disable --now prometheus prometheus-alertmanager >/dev/null 2>&1 || true
