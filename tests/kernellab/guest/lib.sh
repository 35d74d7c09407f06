# Shared by the guest scenario scripts (sourced by /init; busybox ash).

emit_raw() { printf '%s\n' "$*" >&3; }
# emit JSON: one result record, as given (the host's evaluate.py reads it)
emit() { printf '@@JSON %s\n' "$1" >&3; }
# note TEXT: a progress line on the data channel (shown by the host as it arrives)
note() { printf '@@NOTE %s: %s\n' "$SCEN" "$*" >&3; }

# js TEXT: TEXT as the inside of a JSON string (one line)
js() { printf '%s' "$1" | tr '\n\t\r' '   ' | sed 's/\\/\\\\/g; s/"/\\"/g' | tr -cd '\040-\176'; }

mi() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
headroom_kb() { echo $(( $(mi CommitLimit) - $(mi Committed_AS) )); }

# mg_json ARGS...: memgate's JSON report on one line in $MG, its exit status in $MGRC
mg_json() {
        MG=$(memgate "$@" --format json 2>/dev/null | tr -d '\n')
        MGRC=$?
        [ -n "$MG" ] || MG=null
}

# klog STEP: the kernel lines since the last call, each as "@@KLOG scenario step line"
klog() {
        dmesg -c 2>/dev/null | while IFS= read -r l; do
                printf '@@KLOG %s %s %s\n' "$SCEN" "$1" "$l" >&3
        done
}

CID=0
# run_ctr RUNTIME BUNDLE [TIMEOUT]: run a container to completion. Sets RC (exit status; 124 on
# timeout), OUT (its stdout+stderr, at most the first 400 and last 300 bytes, one line). RUNTIME is runc, crun or wrapper.
run_ctr() {
        CID=$((CID + 1))
        _id=lab$CID
        case $1 in
        runc) OUT=$(timeout "${3:-90}" runc run --no-pivot -b "/bundles/$2" "$_id" </dev/null 2>&1) ;;
        crun) OUT=$(timeout "${3:-90}" crun run --no-pivot -b "/bundles/$2" "$_id" </dev/null 2>&1) ;;
        wrapper) OUT=$(MEMGATE_RUNTIME=/usr/sbin/runc timeout "${3:-90}" memgate-runtime run --no-pivot \
                -b "/bundles/$2" "$_id" </dev/null 2>&1) ;;
        esac
        RC=$?
        # the first lines name the cause (Go's fatal error, runc's error); the last, runc's summary
        if [ ${#OUT} -gt 700 ]; then
                OUT="$(printf '%s' "$OUT" | head -c 400) ... $(printf '%s' "$OUT" | tail -c 300)"
        fi
        OUT=$(js "$OUT")
        # a container that failed half-way may be left behind: remove it, never leave state
        case $1 in crun) crun delete -f "$_id" >/dev/null 2>&1 ;; *) runc delete -f "$_id" >/dev/null 2>&1 ;; esac
}

# outcome: classify the last run_ctr: ran | refused-by-memgate | killed | failed | timeout
outcome() {
        if [ "$RC" = 0 ]; then echo ran
        elif [ "$RC" = 124 ]; then echo timeout
        else case $OUT in
                *"memgate: refused"*) echo refused-by-memgate ;;
                *) if [ "$RC" = 137 ]; then echo killed; else echo failed; fi ;;
             esac
        fi
}

HOG=
# hog_set KB: hold KB of commit in a background process (replacing the previous hog)
hog_set() {
        hog_clear
        [ "$1" -gt 0 ] || return 0
        mg-mem commit "$1" hold >/dev/null &
        HOG=$!
        # wait until its mapping is in place (the kernel has charged it)
        _i=0
        while [ $_i -lt 50 ] && ! grep -q '^VmData' /proc/$HOG/status 2>/dev/null; do _i=$((_i+1)); usleep 20000; done
        _i=0
        while [ $_i -lt 100 ]; do
                _d=$(awk '/^VmData/ {print $2}' /proc/$HOG/status 2>/dev/null)
                [ -z "$_d" ] && break
                [ "$_d" -ge "$1" ] && break
                _i=$((_i+1)); usleep 20000
        done
}
hog_clear() { [ -n "$HOG" ] && { kill $HOG 2>/dev/null; wait $HOG 2>/dev/null; }; HOG=; }

# hog_to_headroom KB: leave about KB of commit headroom (CommitLimit - Committed_AS)
hog_to_headroom() {
        hog_clear
        _h=$(headroom_kb)
        _want=$((_h - $1))
        hog_set $_want
}

# cg2_setup: mount cgroup v2 with memory and cpuset delegated to children
cg2_setup() {
        grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts || mount -t cgroup2 none /sys/fs/cgroup
        echo "+memory +cpuset +pids" > /sys/fs/cgroup/cgroup.subtree_control
}

# charged PID: the kB of private writable mappings of PID (what mode 2 charges for it)
charged() { mg-mem charged "$1"; }
