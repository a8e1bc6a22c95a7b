#!/usr/bin/env bash
# Installs Debian's chromium for the HTML report's browser test, only when it is missing.
# (tools/setup.sh belongs to the setup work; this script is the one step to fold into it.)
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: chromium is missing and this is not a root Debian shell; install the Debian package chromium" >&2
    exit 1
fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
