#!/bin/sh
# libdeadbolt as a user gets it: `make install DESTDIR=<tmp>`, then
#   - the shared library exports only deadbolt_ symbols, has its soname, and
#     needs nothing but libc (so no Swift runtime);
#   - the examples (and the README's C example, which must be
#     examples/c/lock_demo.c) build through pkg-config against that tree, and
#     statically against libdeadbolt.a;
#   - they run against the installed deadboltd, as does the Python ctypes
#     example, which loads the installed libdeadbolt.so.
# Usage: check-installed.sh WITH_DAEMON   (run from the repository's root)
set -eu

with_daemon=$(realpath "$1")
version=$(sed -n 's/.*static let string = "\(.*\)".*/\1/p' Sources/DeadboltServer/ServerConfiguration.swift)
major=${version%%.*}
root=$(mktemp -d "${TMPDIR:-/tmp}/deadbolt-install.XXXXXX")
trap 'rm -rf "$root"' EXIT
prefix=/usr/local
tree=$root/tree
libdir=$tree$prefix/lib

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

make --no-print-directory install DESTDIR="$tree" PREFIX=$prefix >"$root/install.log" 2>&1 ||
  { cat "$root/install.log" >&2; fail "make install DESTDIR=$tree"; }
for f in include/deadbolt.h lib/libdeadbolt.a lib/libdeadbolt.so lib/libdeadbolt.so.$major \
         lib/libdeadbolt.so.$version lib/pkgconfig/deadbolt.pc bin/deadboltd; do
  [ -e "$tree$prefix/$f" ] || fail "make install did not install $prefix/$f"
done
ok "make install put the header, both libraries and deadbolt.pc under $prefix"

grep -q "#define DEADBOLT_VERSION_STRING \"$version\"" "$tree$prefix/include/deadbolt.h" ||
  fail "deadbolt.h's DEADBOLT_VERSION_STRING is not the package version $version"

so=$libdir/libdeadbolt.so.$version
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v -e '^deadbolt_' -e '^DEADBOLT_[0-9]*$' || true)
[ -z "$exported" ] || fail "libdeadbolt.so exports symbols without the deadbolt_ prefix: $exported"
ok "nm -D: $(nm -D --defined-only "$so" | grep -c ' T deadbolt_') functions, all deadbolt_"

soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libdeadbolt.so.$major" ] || fail "soname is '$soname', not libdeadbolt.so.$major"
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
[ "$needed" = "libc.so.6 " ] || fail "libdeadbolt.so needs more than libc: $needed"
ok "soname $soname; needs only $needed"

export PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$tree"
[ "$(pkg-config --modversion deadbolt)" = "$version" ] || fail "pkg-config --modversion deadbolt"

# The README's C example is examples/c/lock_demo.c, byte for byte.
sed -n '/^```c$/,/^```$/p' README.md | sed '1d;$d' >"$root/readme.c"
[ -s "$root/readme.c" ] || fail "README.md has no \`\`\`c block"
diff -u examples/c/lock_demo.c "$root/readme.c" >&2 || fail "README.md's C example differs from examples/c/lock_demo.c"
cc -o "$root/readme" "$root/readme.c" $(pkg-config --cflags --libs deadbolt) || fail "cc README example"
ok "README's C example is examples/c/lock_demo.c and builds with cc app.c \$(pkg-config --cflags --libs deadbolt)"

mkdir -p "$root/examples"
make --no-print-directory -C examples/c BUILD="$root/examples" CFLAGS="-O2 -Wall -Wextra -Werror" ||
  fail "examples/c/Makefile against the installed tree"
cc -o "$root/lock_demo_static" examples/c/lock_demo.c $(pkg-config --cflags deadbolt) "$libdir/libdeadbolt.a" ||
  fail "static link against libdeadbolt.a"
ok "examples built through pkg-config, and statically"

export LD_LIBRARY_PATH="$libdir" DEADBOLTD="$tree$prefix/bin/deadboltd"
if ldd "$root/examples/lock_demo" | grep -i swift; then fail "an example links a Swift library"; fi
for program in examples/lock_demo examples/fenced_writer examples/lost_lock lock_demo_static; do
  "$with_daemon" "$root/$program" >"$root/out" 2>&1 || { cat "$root/out" >&2; fail "$program exited $?"; }
  ok "$program ran against the installed deadboltd: $(tail -n 1 "$root/out")"
done

DEADBOLT_LIBRARY="$libdir/libdeadbolt.so.$major" "$with_daemon" python3 examples/python/ctypes_lock.py ctypes-demo \
  >"$root/out" 2>&1 || { cat "$root/out" >&2; fail "examples/python/ctypes_lock.py"; }
grep -q "holding ctypes-demo with fencing token" "$root/out" || fail "ctypes example printed: $(cat "$root/out")"
ok "Python ctypes took a lock through the installed libdeadbolt.so: $(cat "$root/out")"
