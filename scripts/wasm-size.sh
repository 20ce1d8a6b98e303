#!/usr/bin/env bash
# Prints the release front end's sizes as rows of `make bench`'s table: the first download (the
# main WebAssembly module, which the sign-in page and the console with its Users page need) and
# the largest chunk loaded later, brotli-compressed at the highest quality.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=target/site/pkg
if ! command -v brotli >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli >/dev/null
fi
size() { brotli -c -q 11 "$1" | wc -c; }
main=$(size "$pkg/tenantry.wasm")
largest=0; largest_name=none
for chunk in "$pkg"/*.wasm; do
  [ "$chunk" = "$pkg/tenantry.wasm" ] && continue
  s=$(size "$chunk")
  if [ "$s" -gt "$largest" ]; then largest=$s; largest_name=$(basename "$chunk"); fi
done
verdict() { if [ "$1" -le "$2" ]; then echo within; else echo over; fi; }
echo "BENCH | first download (tenantry.wasm, brotli) | $((main / 1024)) KB ($(stat -c %s "$pkg/tenantry.wasm") bytes raw) | at most 250 KB | $(verdict "$main" $((250 * 1024))) |"
echo "BENCH | largest later chunk ($largest_name, brotli) | $((largest / 1024)) KB | at most 100 KB | $(verdict "$largest" $((100 * 1024))) |"
