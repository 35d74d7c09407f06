#!/usr/bin/env bash
# Fetch what the kernel lab boots, from Debian's archive, into a cache keyed by package version,
# so that a second run downloads nothing:
#   $CACHE/<package>_<version>/   the package unpacked with dpkg -x
# Prints shell assignments (KERNEL_IMAGE=..., BUSYBOX=..., CRUN=...) for lab.sh to eval.
#   tests/kernellab/fetch.sh            (root; needs apt-get and network access to the archive)
# KERNEL=/path/to/bzImage skips the kernel package: that image is booted instead.
set -euo pipefail
CACHE=${MG_LAB_CACHE:-/var/cache/memgate-kernellab}
mkdir -p "$CACHE/debs"

# unpack PACKAGE: download (once) and unpack (once) the candidate version; prints the directory.
unpack() {
        local pkg=$1 ver dir
        ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
        [[ -n $ver && $ver != "(none)" ]] || { echo "kernellab: no candidate for $pkg (apt-get update?)" >&2; return 1; }
        dir="$CACHE/${pkg}_${ver//:/%3a}"
        if [[ ! -f $dir/.complete ]]; then
                rm -rf "$dir"
                if ! compgen -G "$CACHE/debs/${pkg}_*${ver##*:}*_*.deb" >/dev/null; then
                        (cd "$CACHE/debs" && apt-get download "$pkg=$ver" >&2)
                fi
                dpkg -x "$(compgen -G "$CACHE/debs/${pkg}_*${ver##*:}*_*.deb" | head -1)" "$dir"
                touch "$dir/.complete"
        fi
        echo "$dir"
}

if [[ -z ${KERNEL:-} ]]; then
        # The newest 6.1 Debian kernel the archive offers (the unsigned image: same kernel, no shim).
        kpkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' |
                awk '{print $1}' | sort -V | tail -1)
        [[ -n $kpkg ]] || { echo "kernellab: no linux-image-6.1.0-*-amd64-unsigned in apt (apt-get update?)" >&2; exit 1; }
        kdir=$(unpack "$kpkg")
        img=$(compgen -G "$kdir/boot/vmlinuz-*" | head -1)
        echo "KERNEL_IMAGE=$img"
        echo "KERNEL_PACKAGE=$kpkg=$(apt-cache policy "$kpkg" | awk '/Candidate:/ {print $2}')"
else
        [[ -r $KERNEL ]] || { echo "kernellab: KERNEL=$KERNEL is not readable" >&2; exit 1; }
        echo "KERNEL_IMAGE=$KERNEL"
        echo "KERNEL_PACKAGE=given"
fi
bdir=$(unpack busybox-static)
echo "BUSYBOX=$bdir/bin/busybox"
# crun is optional (the runtime-floor scenario measures it when it runs in the guest).
if cdir=$(unpack crun 2>/dev/null); then echo "CRUN=$cdir/usr/bin/crun"; else echo "CRUN="; fi
