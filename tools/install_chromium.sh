#!/usr/bin/env bash
# Makes Debian's chromium available to the HTML report's browser test, only when it is missing
# (tools/setup.sh runs it; so does the test, on a machine set up before it existed):
#   - installed with apt-get when this shell is root or may sudo without a password;
#   - otherwise unpacked without root under build/chromium: the chromium package and the packages it
#     depends on that this machine lacks, fetched with apt-get download (package lists of its own in
#     build/chromium/apt) and extracted with dpkg-deb -x, run as build/chromium/bin/chromium.
# AWSOPS_CHROMIUM_UNPACK=true takes the second way even as root.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=$root/build/chromium
say() { printf 'setup: %s\n' "$*"; }

if [ "${AWSOPS_CHROMIUM_UNPACK:-false}" != true ] && command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ -x "$target/bin/chromium" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    say "WARNING: chromium is missing and this is not a Debian machine; install chromium so the HTML report's browser test runs" >&2
    exit 1
fi

if [ "${AWSOPS_CHROMIUM_UNPACK:-false}" != true ]; then
    sudo=()
    if [ "$(id -u)" != 0 ]; then
        sudo=(sudo -n)
    fi
    if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
        say "installing chromium (Debian package)"
        "${sudo[@]}" apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
        exit 0
    fi
fi

say "unpacking chromium (Debian package) without root in $target"
apt_options=(-o "Dir::State::Lists=$target/apt/lists" -o "Dir::Cache=$target/apt/cache" -o Debug::NoLocking=1)
mkdir -p "$target/apt/lists/partial" "$target/apt/cache/archives/partial" "$target/debs" "$target/root" "$target/bin"
apt-get "${apt_options[@]}" update -qq >/dev/null
needed=()
while read -r package; do
    # chromium's own packages always (they are what is unpacked), the libraries only where missing
    if [[ $package == chromium* ]] || [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
        needed+=("$package")
    fi
done < <(apt-cache "${apt_options[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances chromium | grep -E '^[a-z0-9]' | sort -u)
(cd "$target/debs" && apt-get "${apt_options[@]}" download "${needed[@]}" >/dev/null 2>&1)
for deb in "$target"/debs/*.deb; do
    dpkg-deb -x "$deb" "$target/root"
done
cat > "$target/bin/chromium" <<'WRAPPER'
#!/bin/sh
# Debian's chromium, unpacked by tools/install_chromium.sh: its libraries come from the unpacked tree first.
tree=$(cd "$(dirname "$0")/../root" && pwd)
LD_LIBRARY_PATH="$tree/usr/lib/chromium:$tree/usr/lib/x86_64-linux-gnu:$tree/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
exec "$tree/usr/lib/chromium/chromium" "$@"
WRAPPER
chmod +x "$target/bin/chromium"
"$target/bin/chromium" --version
