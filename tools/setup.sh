#!/usr/bin/env bash
# Prepares everything `make test`, `make demo` and `make bench` need, on a
# fresh machine where only PyPI (and Debian, npm) can be reached:
#   - a virtual environment with the pinned test tools,
#   - amazon.aws from Galaxy when reachable, else from the `ansible` wheel,
#   - build/collections/ansible_collections/{amazon/aws, awsops/ssm -> repo},
#   - ansible-test's pip bootstrap script, built from the pip wheel on PyPI.
# Each step is skipped when its result is already there, so a rerun is fast.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

python=${PYTHON:-python3.11}
venv=${VENV:-$root/.venv}
build=$root/build
collections=$build/collections/ansible_collections
amazon_aws_wheel=ansible==12.3.0   # bundles amazon.aws 10.1.2
pip_bootstrap_version=24.2         # what ansible-test 2.19 bootstraps

say() { printf 'setup: %s\n' "$*"; }

requirements_hash=$(cat tests/requirements.txt requirements.txt | sha256sum | cut -c1-16)
if [ ! -f "$venv/.installed-$requirements_hash" ]; then
    say "creating $venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt -r requirements.txt
    rm -f "$venv"/.installed-*
    touch "$venv/.installed-$requirements_hash"
else
    say "virtual environment up to date"
fi

if [ ! -f "$collections/amazon/aws/MANIFEST.json" ]; then
    mkdir -p "$collections"
    if timeout 60 "$venv/bin/ansible-galaxy" collection install --no-deps \
            -r requirements.yml -p "$build/collections" >/dev/null 2>&1 \
        && [ -f "$collections/amazon/aws/MANIFEST.json" ]; then
        say "amazon.aws installed from Galaxy"
    else
        say "Galaxy unreachable: taking amazon.aws from the $amazon_aws_wheel wheel"
        rm -rf "$collections/amazon" "$build/wheels"
        "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
            -d "$build/wheels" "$amazon_aws_wheel"
        (cd "$build/collections" && unzip -q "$build"/wheels/ansible-*.whl 'ansible_collections/amazon/aws/*' -d unpacked \
            && mv unpacked/ansible_collections/amazon ansible_collections/ && rm -rf unpacked)
        rm -rf "$build/wheels"
    fi
else
    say "amazon.aws present"
fi
mkdir -p "$collections/awsops"
ln -sfn "$root" "$collections/awsops/ssm"

# ansible-test's shellcheck sanity test needs the shellcheck program.
if ! command -v shellcheck >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        say "installing shellcheck (Debian package)"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
    else
        say "WARNING: shellcheck is missing; install it so the shellcheck sanity test runs"
    fi
fi

# ansible-test downloads get-pip.py from a host that may be unreachable; give
# it a bootstrap script that installs pip from the wheel on PyPI instead.
cache=${HOME}/.ansible/test/cache
shim=$cache/get_pip_${pip_bootstrap_version//./_}.py
if [ ! -f "$cache/pip-$pip_bootstrap_version-py3-none-any.whl" ] || ! cmp -s tools/get_pip_shim.py "$shim"; then
    mkdir -p "$cache"
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
        -d "$cache" "pip==$pip_bootstrap_version"
    cp tools/get_pip_shim.py "$shim"
    say "ansible-test pip bootstrap ready in $cache"
fi
say "done"
