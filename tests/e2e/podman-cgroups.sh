# SPDX-License-Identifier: Apache-2.0
# Sourced. podman with the cgroupfs manager (no systemd here) puts conmon in libpod_parent/conmon
# and containers in libpod_parent/libpod-ID, in every v1 controller and in v2, and removes only
# the containers' cgroups: libpod_parent stays. A test that runs podman notes whether it was
# there before and, if it was not, removes what podman left once no process is in it.

MG_LIBPOD_PARENT=libpod_parent

# mg_libpod_parent_existed: true when podman's parent cgroup is there now.
mg_libpod_parent_existed() {
        local base
        for base in /sys/fs/cgroup/* /sys/fs/cgroup/unified; do
                [ -d "$base/$MG_LIBPOD_PARENT" ] && return 0
        done
        return 1
}

# mg_libpod_parent_remove: removes podman's parent cgroup trees, deepest first; a cgroup that
# still holds a process (another podman's conmon) stays, and so do its parents.
mg_libpod_parent_remove() {
        local base
        for base in /sys/fs/cgroup/* /sys/fs/cgroup/unified; do
                [ -d "$base/$MG_LIBPOD_PARENT" ] || continue
                find "$base/$MG_LIBPOD_PARENT" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        done
        return 0
}
