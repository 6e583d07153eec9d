#!/usr/bin/env bash
# Installs Debian's Chromium (when missing) for the dashboard's browser tests, which
# drive it with playwright-core; no browser is downloaded from anywhere else.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi
/usr/bin/chromium --version >&2
