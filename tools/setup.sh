#!/usr/bin/env bash
# Prepares everything `make test`, `make demo` and `make bench` need, on a
# fresh machine where only PyPI (and Debian, npm) can be reached:
#   - a virtual environment with the pinned test tools,
#   - amazon.aws from Galaxy when reachable, else from the `ansible` wheel,
#   - build/collections/ansible_collections/{amazon/aws, awsops/ssm -> repo},
#   - ansible-test's pip bootstrap script, built from the pip wheel on PyPI.
# `tools/setup.sh --matrix` prepares the other entries of tests/matrix/versions.txt
# as well (ansible-core 2.20, 2.21, ...): one virtual environment each in
# .venv/matrix/<name>, and build/matrix/<name>/collections with the amazon.aws
# of that entry's `ansible` release.
# Each step is skipped when its result is already there, so a rerun is fast.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

venv=${VENV:-$root/.venv}
build=$root/build
versions=tests/matrix/versions.txt

say() { printf 'setup: %s\n' "$*"; }

# find_python 3.12: python3.12 from PATH, or the newest 3.12 that pyenv has.
find_python() {
    local minor=$1 found="" version
    if command -v pyenv >/dev/null 2>&1 && version=$(pyenv latest "$minor" 2>/dev/null) \
        && [ -x "$(pyenv root)/versions/$version/bin/python$minor" ]; then
        found="$(pyenv root)/versions/$version/bin/python$minor"
    elif command -v "python$minor" >/dev/null 2>&1 && "python$minor" -c pass 2>/dev/null; then
        found=$(command -v "python$minor")
    fi
    if [ -z "$found" ]; then
        say "ERROR: Python $minor not found (neither python$minor on PATH nor through pyenv)" >&2
        return 1
    fi
    printf '%s\n' "$found"
}

# make_venv DIR PYTHON REQUIREMENTS...: a virtual environment with these pins, recreated when they change.
make_venv() {
    local dir=$1 python=$2 hash
    shift 2
    hash=$(cat "$@" | sha256sum | cut -c1-16)
    if [ -f "$dir/.installed-$hash" ]; then
        say "virtual environment $dir up to date"
        return
    fi
    say "creating $dir ($("$python" --version))"
    "$python" -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
    local requirement args=()
    for requirement in "$@"; do args+=(-r "$requirement"); done
    "$dir/bin/pip" install --quiet --disable-pip-version-check "${args[@]}"
    rm -f "$dir"/.installed-*
    touch "$dir/.installed-$hash"
}

# amazon_aws_from_wheel PYTHON COLLECTIONS ANSIBLE_REQUIREMENT: unpack amazon.aws from that `ansible` release's wheel.
amazon_aws_from_wheel() {
    local pip_python=$1 collections=$2 release=$3 wheels
    wheels=$(mktemp -d)
    rm -rf "$collections/amazon"
    mkdir -p "$collections"
    "$pip_python" -m pip download --quiet --disable-pip-version-check --no-deps -d "$wheels" "$release"
    (cd "$wheels" && unzip -q ansible-*.whl 'ansible_collections/amazon/aws/*' -d unpacked \
        && mv unpacked/ansible_collections/amazon "$collections/")
    rm -rf "$wheels"
    echo "$release" >"$collections/amazon/.from"
}

# pip_bootstrap PYTHON VERSION: what ansible-test downloads from a host that may be unreachable (get-pip.py),
# replaced by a bootstrap script that installs pip from the wheel on PyPI.
pip_bootstrap() {
    local pip_python=$1 version=$2
    local cache=${HOME}/.ansible/test/cache
    local shim=$cache/get_pip_${version//./_}.py
    if [ ! -f "$cache/pip-$version-py3-none-any.whl" ] || ! cmp -s tools/get_pip_shim.py "$shim"; then
        mkdir -p "$cache"
        "$pip_python" -m pip download --quiet --disable-pip-version-check --no-deps -d "$cache" "pip==$version"
        cp tools/get_pip_shim.py "$shim"
        say "ansible-test pip $version bootstrap ready in $cache"
    fi
}

link_collection() {
    mkdir -p "$1/awsops"
    ln -sfn "$root" "$1/awsops/ssm"
}

# The first entry of the matrix: .venv and build/collections, everything make test, demo and bench use.
read -r _ main_python main_pins main_release main_pip < <(grep -v '^#' "$versions" | grep . | head -1)
main_python=${PYTHON:-$(find_python "$main_python")}
make_venv "$venv" "$main_python" "$main_pins" requirements.txt

collections=$build/collections/ansible_collections
if [ ! -f "$collections/amazon/aws/MANIFEST.json" ]; then
    mkdir -p "$collections"
    if timeout 60 "$venv/bin/ansible-galaxy" collection install --no-deps \
            -r requirements.yml -p "$build/collections" >/dev/null 2>&1 \
        && [ -f "$collections/amazon/aws/MANIFEST.json" ]; then
        say "amazon.aws installed from Galaxy"
    else
        say "Galaxy unreachable: taking amazon.aws from the $main_release wheel"
        amazon_aws_from_wheel "$venv/bin/python" "$collections" "$main_release"
    fi
else
    say "amazon.aws present"
fi
link_collection "$collections"

# ansible-test's shellcheck sanity test needs the shellcheck program.
if ! command -v shellcheck >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        say "installing shellcheck (Debian package)"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
    else
        say "WARNING: shellcheck is missing; install it so the shellcheck sanity test runs"
    fi
fi
pip_bootstrap "$venv/bin/python" "$main_pip"

if [ "${1:-}" = "--matrix" ]; then
    while read -r name python pins release pip_version; do
        entry_venv=$venv/matrix/$name
        make_venv "$entry_venv" "$(find_python "$python")" "$pins" requirements.txt
        entry_collections=$build/matrix/$name/collections/ansible_collections
        if [ "$(cat "$entry_collections/amazon/.from" 2>/dev/null)" != "$release" ]; then
            say "$name: amazon.aws from the $release wheel"
            amazon_aws_from_wheel "$entry_venv/bin/python" "$entry_collections" "$release"
        else
            say "$name: amazon.aws present"
        fi
        link_collection "$entry_collections"
        pip_bootstrap "$entry_venv/bin/python" "$pip_version"
    done < <(grep -v '^#' "$versions" | grep . | tail -n +2)
fi
say "done"
