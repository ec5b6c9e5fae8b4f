#!/usr/bin/env bash
# Install the third-party OPC UA stacks the interop run talks to, into a cache folder.
#   interop/install.sh [CACHE_DIR]     (default ${UASC_PEERS_CACHE:-$HOME/.cache/uasc-peers})
# asyncua 2.1.0 (pip venv), node-opcua 2.186.4 (npm), open62541 1.5.10 (C sources from the
# crates.io package open62541-sys 0.6.6, built with cmake and the OpenSSL backend), and the
# small peer programs in interop/peers compiled against it. Anything already there is kept.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${1:-${UASC_PEERS_CACHE:-$HOME/.cache/uasc-peers}}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
step() { printf '=== %s\n' "$*"; }

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
apt_updated=0
apt_install() {
    if [ "$apt_updated" = 0 ]; then $SUDO apt-get update >/dev/null; apt_updated=1; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null
}

step "asyncua 2.1.0"
if ! "$CACHE/venv/bin/python" -c 'import asyncua, sys; sys.exit(asyncua.__version__ != "2.1.0")' 2>/dev/null; then
    rm -rf "$CACHE/venv"
    python3 -m venv "$CACHE/venv"
    "$CACHE/venv/bin/pip" install -q --disable-pip-version-check asyncua==2.1.0
fi

step "node-opcua 2.186.4"
if [ ! -f "$CACHE/node/node_modules/node-opcua/package.json" ]; then
    mkdir -p "$CACHE/node"
    (cd "$CACHE/node" && { [ -f package.json ] || npm init -y >/dev/null; } &&
        npm install --no-audit --no-fund --loglevel=error node-opcua@2.186.4)
fi

step "open62541 1.5.10"
command -v cmake >/dev/null || apt_install cmake
[ -e /usr/include/openssl/evp.h ] || apt_install libssl-dev
O=$CACHE/open62541
if [ ! -f "$O/install/lib/libopen62541.a" ]; then
    mkdir -p "$O/fetch/src"
    printf '[package]\nname = "fetch-open62541-sys"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n[dependencies]\nopen62541-sys = "=0.6.6"\n' >"$O/fetch/Cargo.toml"
    : >"$O/fetch/src/lib.rs"
    (cd "$O/fetch" && cargo fetch -q)
    crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/open62541-sys-0.6.6.crate | head -1)
    rm -rf "$O/src" "$O/build" "$O/unpack"
    mkdir -p "$O/unpack" "$O/build"
    tar xzf "$crate" -C "$O/unpack"
    mv "$O/unpack/open62541-sys-0.6.6/open62541" "$O/src"
    rm -rf "$O/unpack"
    (cd "$O/build" &&
        cmake ../src -DCMAKE_BUILD_TYPE=Release -DUA_ENABLE_ENCRYPTION=OPENSSL \
            -DUA_NAMESPACE_ZERO=REDUCED -DUA_ENABLE_PUBSUB=OFF -DUA_ENABLE_DEBUG_SANITIZER=OFF \
            -DUA_LOGLEVEL=300 -DUA_ENABLE_XML_ENCODING=OFF -DCMAKE_INSTALL_PREFIX="$O/install" >cmake.log &&
        make -j"$(nproc)" install >make.log)
fi

step "peer programs"
for p in open62541_server open62541_client; do
    src=$HERE/peers/$p.c
    if [ ! -x "$O/$p" ] || [ "$src" -nt "$O/$p" ]; then
        gcc -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -I "$O/install/include" "$src" -o "$O/$p" \
            -L "$O/install/lib" -lopen62541 -lssl -lcrypto -lpthread -lm
    fi
done
echo "peers ready in $CACHE"
