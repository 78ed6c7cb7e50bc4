#!/bin/sh
# Builds the deadbolt .deb from a staging tree made by
# `make install PREFIX=/usr DESTDIR=STAGING`. Called by `make deb`.
#
#   packaging/build-deb.sh STAGING VERSION ARCH OUTDIR
#
# Writes OUTDIR/deadbolt_VERSION_ARCH.deb and prints its path.
set -eu

staging=$1 version=$2 arch=$3 outdir=$4
here=$(cd "$(dirname "$0")" && pwd)
[ -n "$version" ] || { echo "build-deb: no version (DeadboltVersion.string in Sources/DeadboltServer/ServerConfiguration.swift)" >&2; exit 1; }
binary=$staging/usr/bin/deadboltd
[ -x "$binary" ] || { echo "build-deb: $binary is missing; run make install PREFIX=/usr DESTDIR=$staging" >&2; exit 1; }

# Like dh_strip: drop debug info, keep the symbol table (Swift backtraces).
strip --strip-debug --remove-section=.comment "$binary"
if [ -f "$staging/usr/bin/deadbolt" ]; then strip --strip-debug --remove-section=.comment "$staging/usr/bin/deadbolt"; fi
for library in "$staging"/usr/lib/libdeadbolt.so.*.*.* "$staging"/usr/lib/libdeadbolt.a; do
    if [ -f "$library" ]; then strip --strip-debug --remove-section=.comment "$library"; fi
done

# Depends: what the binary links (libc6, libsystemd0, libstdc++6, libgcc-s1
# with a static Swift stdlib), with version floors from dpkg-shlibdeps when
# dpkg-dev is installed; else the owning packages of the libraries ldd finds.
depends=
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
    work=$(mktemp -d)
    mkdir "$work/debian"
    printf 'Source: deadbolt\n\nPackage: deadbolt\nArchitecture: any\n' > "$work/debian/control"
    abs=$(cd "$(dirname "$binary")" && pwd)/deadboltd
    depends=$(cd "$work" && dpkg-shlibdeps -O -e"$abs" 2>/dev/null | sed -n 's/^shlibs:Depends=//p') || depends=
    rm -rf "$work"
fi
if [ -z "$depends" ]; then
    for lib in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        path=$(ldd "$binary" | awk -v l="$lib" '$1 == l && $3 ~ /^\// { print $3 }')
        [ -n "$path" ] || continue
        package=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null) || continue
        package=${package%%:*}
        case ",$depends," in *", $package,"*|*",$package,"*) ;; *) depends=${depends:+$depends, }$package ;; esac
    done
fi
case "$depends" in *libc6*) ;; *) depends="libc6${depends:+, $depends}" ;; esac

mkdir -p "$staging/DEBIAN"
install -m 0755 "$here/debian/postinst" "$here/debian/prerm" "$here/debian/postrm" "$staging/DEBIAN/"
printf '/etc/default/deadbolt\n' > "$staging/DEBIAN/conffiles"
# libdeadbolt: what a package linking it depends on, and ld.so's cache.
printf 'libdeadbolt %s deadbolt (>= %s)\n' "${version%%.*}" "$version" > "$staging/DEBIAN/shlibs"
printf 'activate-noawait ldconfig\n' > "$staging/DEBIAN/triggers"
(cd "$staging" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$staging/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$staging" | cut -f1)
cat > "$staging/DEBIAN/control" <<CONTROL
Package: deadbolt
Version: $version
Architecture: $arch
Maintainer: Deadbolt maintainers <maintainers@deadbolt.invalid>
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Description: lock broker for one host, on a Unix socket
 deadboltd is a small daemon from which processes on the host take named
 locks over a Unix-domain socket: FIFO wait queues, shared and exclusive
 modes, leases, fencing tokens that keep increasing across restarts, and
 locks that die with the process that took them.
 .
 It includes libdeadbolt, the C client library (deadbolt.h, pkg-config
 name deadbolt), usable from C, C++ and any language with a C FFI.
 .
 The package runs it under systemd, socket-activated on
 /run/deadbolt/deadbolt.sock (group deadbolt may connect), with its state in
 /var/lib/deadbolt.
CONTROL

mkdir -p "$outdir"
deb=$outdir/deadbolt_${version}_${arch}.deb
dpkg-deb --build --root-owner-group "$staging" "$deb" >/dev/null
echo "$deb"
