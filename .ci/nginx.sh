#!/usr/bin/env bash
# Installs (when missing) Debian's nginx for the load-balancer tests (three replicas behind
# one real nginx), then prints the binary's path. The tests run it themselves, on 127.0.0.1
# ports, with a generated config and prefix under a temp dir (no service, no root files).
# Used by .ci/run; handy on a developer machine too.
set -euo pipefail
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends nginx-light >&2
fi
command -v nginx 2>/dev/null || echo /usr/sbin/nginx
