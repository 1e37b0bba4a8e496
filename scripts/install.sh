#!/usr/bin/env bash
# Installs adwatch on a plain Debian 12 host: builds the release preset, installs the binary and
# the default config under PREFIX (default /usr/local), creates the `adwatch` system user and
# the systemd unit. Idempotent; an existing /etc/adwatch/adwatch.yaml is kept.
#   scripts/install.sh [--prefix DIR] [--no-build] [--no-systemd]
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=/usr/local build=1 systemd=1
while (($#)); do
  case "$1" in
    --prefix) prefix="$2"; shift ;;
    --no-build) build=0 ;;
    --no-systemd) systemd=0 ;;
    *) echo "usage: $0 [--prefix DIR] [--no-build] [--no-systemd]" >&2; exit 2 ;;
  esac
  shift
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if ((build)); then
  scripts/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release -j"$(nproc)" --target adwatch
fi
$sudo cmake --install build/release --prefix "$prefix" --strip
$sudo install -D -m 0644 docs/DEPLOYMENT.md "$prefix/share/doc/adwatch/DEPLOYMENT.md"
if [ ! -e /etc/adwatch/adwatch.yaml ]; then
  $sudo install -D -m 0644 deploy/adwatch.yaml /etc/adwatch/adwatch.yaml
fi
"$prefix/bin/adwatch" check-config /etc/adwatch/adwatch.yaml
if ((systemd)); then
  id adwatch >/dev/null 2>&1 ||
    $sudo useradd --system --home-dir /var/lib/adwatch --shell /usr/sbin/nologin adwatch
  sed "s|/usr/local|$prefix|g" deploy/systemd/adwatch.service |
    $sudo tee /etc/systemd/system/adwatch.service >/dev/null
  $sudo systemctl daemon-reload
  echo "install: edit /etc/adwatch/adwatch.yaml (kafka.brokers), then: systemctl enable --now adwatch"
fi
