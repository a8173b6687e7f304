#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds and runs a consumer with
# find_package(opengns) (shared and static targets) and with pkg-config.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir/consumer" -B "$work/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib64:${LD_LIBRARY_PATH:-}" "$work/consumer/consumer_shared"
"$work/consumer/consumer_static"
pc_dir=$(dirname "$(find "$work/prefix" -name opengns.pc | head -1)")
flags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs opengns)
# shellcheck disable=SC2086
g++ -std=c++20 "$source_dir/consumer/main.cc" -o "$work/pkgconfig_consumer" $flags
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib64:${LD_LIBRARY_PATH:-}" "$work/pkgconfig_consumer"
echo "install test: find_package (shared, static) and pkg-config consumers ran"
