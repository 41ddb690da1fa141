#!/bin/sh
# Builds the fake kernel (test/asan/build/libfakekernel.so), an ASan-instrumented LD_PRELOAD
# library. Run node with it like this (libasan must come first):
#   ASAN_OPTIONS=detect_leaks=0 \
#   LD_PRELOAD="$(gcc -print-file-name=libasan.so) $PWD/test/asan/build/libfakekernel.so" node ...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/build"
mkdir -p "$out"
CC=${CC:-gcc}

# The vendored 7.3 uAPI headers must shadow the system's (older) <linux/...> ones.
inc="-I $root/headers/7.3 -I $root/headers/7.3/x86_64-linux-gnu"
for h in linux/iommufd.h linux/vfio.h; do
  got=$(printf '#include <%s>\n' "$h" | $CC -E -H $inc -x c - 2>&1 >/dev/null | sed -n 's/^\. //p' | head -n 1)
  case "$got" in
    "$root/headers/7.3/$h") ;;
    *) echo "build.sh: <$h> resolves to '$got', not headers/7.3" >&2; exit 1 ;;
  esac
done

$CC -shared -fPIC -g -O1 -fsanitize=address -fno-omit-frame-pointer \
  -std=gnu11 -Wall -Wextra -Wno-unused-parameter $inc \
  -o "$out/libfakekernel.so" \
  "$here/fake-kernel.c" "$here/fake-iommufd.c" "$here/fake-vfio.c" \
  -ldl -lpthread
echo "$out/libfakekernel.so"
