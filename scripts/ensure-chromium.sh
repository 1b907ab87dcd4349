#!/usr/bin/env bash
# The loader's browser test drives Debian's chromium through Playwright (no browser download).
# Install it when missing and possible (root with apt); say so when it is not possible.
set -euo pipefail
command -v chromium >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser test"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
else
  echo "chromium is missing and cannot be installed here (needs root and apt-get)" >&2
  exit 1
fi
