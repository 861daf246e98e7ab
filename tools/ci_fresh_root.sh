#!/bin/sh
# Proves halo's set-up from nothing: a clean Debian root (debootstrap --variant=minbase), a clean
# clone of this repository at HEAD in it, and there, as a new user with sudo would:
# tools/setup.sh, tools/setup.sh again (must do and print nothing), tools/build.sh (oneDNN, hwloc
# and MPI must all be found), then a few fast tests, none of which may SKIP.
#
# usage: sudo tools/ci_fresh_root.sh [-- COMMAND]
#   COMMAND  run after the tests in the clone inside the root, as the user (e.g. tests/run.sh)
# env: HALO_CI_SUITE (default bookworm), HALO_CI_MIRROR (default http://deb.debian.org/debian),
#      HALO_CI_SECURITY_MIRROR (default http://deb.debian.org/debian-security),
#      HALO_CI_CACHE (default /var/cache/halo-ci), HALO_CI_WORK (default /var/tmp),
#      HALO_CI_TESTS (ctest -R regex; default: the tests below)
#
# Root only (debootstrap, chroot, mount); SKIP (exit 77) otherwise. Everything it mounts and
# creates is unmounted and removed at exit, also on failure and Ctrl-C. Cached between runs, in
# HALO_CI_CACHE, outside the repository: the debootstrapped base as a tarball (one per suite,
# architecture and week) and the downloaded .debs. The root after set-up is never cached: what to
# install is decided by tools/setup.sh on every run.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
suite=${HALO_CI_SUITE:-bookworm}
mirror=${HALO_CI_MIRROR:-http://deb.debian.org/debian}
security=${HALO_CI_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
cache=${HALO_CI_CACHE:-/var/cache/halo-ci}
workdir=${HALO_CI_WORK:-/var/tmp}
# Fast tests (seconds, no MPI launch) that between them need every library set-up installs:
# cJSON (all), libpng and libjpeg (test_image), oneDNN (test_backend_cpu), hwloc (test_topology),
# python3 (test_cli), plus the parsers' seed corpora.
tests=${HALO_CI_TESTS:-'^(test_core|test_graph|test_count|test_image|test_rf|test_plan|test_sim|test_topology|test_provenance|test_backend_cpu|test_cli|fuzz_corpus_.*)$'}
user=halo
me="halo fresh root"

extra=""
if [ $# -gt 0 ]; then
    [ "$1" = -- ] || { echo "usage: $0 [-- COMMAND]" >&2; exit 2; }
    shift
    extra="$*"
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "$me: SKIP: needs root (debootstrap, chroot and mount); run it with sudo"
    exit 77
fi
for c in debootstrap chroot git flock; do
    command -v $c >/dev/null 2>&1 || { echo "$me: $c not found (tools/setup.sh --ci installs debootstrap)" >&2; exit 1; }
done

t_start=$(date +%s)
mkdir -p "$cache/debs"
# One run at a time per machine: the .deb cache is shared, and apt locks it.
exec 9>"$cache/lock"
if ! flock -n 9; then
    echo "$me: waiting for another run to finish (lock $cache/lock)" >&2
    flock 9
fi

R=$(mktemp -d "$workdir/halo-fresh-root.XXXXXX")
R=$(cd "$R" && pwd -P) # the real path, as /proc/PID/root and /proc/self/mounts show it
chmod 755 "$R" # mktemp made it 0700: the root directory of the new machine
log=$(mktemp)

# mounts_under: every mount point in the root, deepest first
mounts_under() {
    awk -v r="$R" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}
cleanup() {
    rc=$?
    trap - EXIT INT TERM HUP
    # What this run started and is still running: the step in progress (its own process group),
    # and anything else inside the root (something apt or a test left behind).
    if [ -n "$step_pid" ]; then
        kill -TERM "-$step_pid" 2>/dev/null || true
        sleep 1
        kill -KILL "-$step_pid" 2>/dev/null || true
        wait "$step_pid" 2>/dev/null || true
    fi
    pids=""
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && pids="$pids ${p#/proc/}"
    done
    if [ -n "$pids" ]; then
        kill -TERM $pids 2>/dev/null || true
        sleep 1
        kill -KILL $pids 2>/dev/null || true
    fi
    for m in $(mounts_under); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    if [ -n "$(mounts_under)" ]; then
        # never rm -rf through a mount (the bind of /dev, the .deb cache)
        echo "$me: could not unmount $(mounts_under | tr '\n' ' '); left $R in place" >&2
        rc=1
    elif ! rm -rf --one-file-system "$R" 2>/dev/null; then
        sleep 1 # a process killed above may still have been writing
        rm -rf --one-file-system "$R" || rc=1
    fi
    [ "$rc" -ne 0 ] || echo "$me: removed the root; $(($(date +%s) - t_start)) s wall in all" >&2
    rm -f "$log"
    case $rc in
    0) ;;
    129|130|143) echo "$me: interrupted after $(($(date +%s) - t_start)) s; removed everything it made" >&2 ;;
    *) echo "$me: FAILED after $(($(date +%s) - t_start)) s" >&2 ;;
    esac
    exit "$rc"
}
step_pid=""
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# fail WHAT: the end of the log, then exit 1
fail() {
    tail -n 40 "$log" >&2
    echo "$me: $1" >&2
    exit 1
}
now() { date +%s; }
# run CMD...: runs CMD in a process group of its own, which cleanup ends as a whole, and waits
# for it such that Ctrl-C is acted on at once (a shell runs its traps only after the foreground
# command; apt and dpkg hold off SIGINT until they are done).
run() {
    setsid "$@" &
    step_pid=$!
    st=0
    wait "$step_pid" || st=$?
    step_pid=""
    return "$st"
}

# ---- the base: debootstrap once a week, else the cached tarball --------------------------------
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
key="$suite-$arch-$(date -u +%G-W%V)"
base="$cache/base-$key.tar.gz"
t0=$(now)
if [ -s "$base" ]; then
    tar -xzpf "$base" --numeric-owner -C "$R" || { echo "$me: cannot unpack $base" >&2; exit 1; }
    base_how="cached $key"
else
    echo "$me: debootstrap --variant=minbase $suite from $mirror (cached afterwards as $base)" >&2
    run debootstrap --variant=minbase --cache-dir="$cache/debs" "$suite" "$R" "$mirror" >"$log" 2>&1 ||
        fail "debootstrap failed (is $mirror reachable?)"
    # debootstrap leaves its .debs and package lists behind: a base without them is smaller, and
    # set-up has to start with apt-get update as on any machine
    rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/*
    tar -czf "$base.tmp" --numeric-owner --one-file-system -C "$R" . && mv "$base.tmp" "$base"
    for old in "$cache/base-$suite-$arch"-*.tar.gz; do
        [ "$old" = "$base" ] || rm -f "$old"
    done
    base_how="debootstrap, now cached as $key"
fi
t_base=$(($(now) - t0))

# ---- what a fresh machine has besides: its apt sources, DNS, a hostname, a user ----------------
cat >"$R/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
# Keep what apt downloads (in the bind-mounted cache); retry a flaky mirror.
printf 'APT::Keep-Downloaded-Packages "true";\nBinary::apt::APT::Keep-Downloaded-Packages "true";\nAcquire::Retries "3";\n' \
    >"$R/etc/apt/apt.conf.d/90halo-ci"
# dpkg without fsync: the root is thrown away, and unpacking is most of set-up's time
echo force-unsafe-io >"$R/etc/dpkg/dpkg.cfg.d/90halo-ci"
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d" # no service starts inside the root
chmod 755 "$R/usr/sbin/policy-rc.d"
rm -f "$R/etc/resolv.conf"
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
# The machine's own certificate authorities: where HTTPS goes through a proxy that signs with a
# local CA (as on the machines CI runs on), a new machine there has that CA in its trust store,
# and pip needs it for PyPI. Debian's ca-certificates package, once set-up installs it, builds
# /etc/ssl/certs/ca-certificates.crt from these; until then the machine's bundle stands in.
if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$R/usr/local/share/ca-certificates"
    cp -L /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/" 2>/dev/null || true
fi
if [ -s /etc/ssl/certs/ca-certificates.crt ] && [ ! -s "$R/etc/ssl/certs/ca-certificates.crt" ]; then
    mkdir -p "$R/etc/ssl/certs"
    cp -L /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
fi
# pip checks PyPI's certificate against that bundle (Debian's pip uses the system store; this
# says so explicitly)
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$R/etc/pip.conf"
h=$(uname -n)
grep -qw "$h" "$R/etc/hosts" 2>/dev/null || printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$h" >>"$R/etc/hosts"

mount -t proc proc "$R/proc" || { echo "$me: cannot mount in $R (a container without CAP_SYS_ADMIN?)" >&2; exit 1; }
# /dev with /dev/pts (sudo runs commands on a pty) and /dev/shm; rslave: unmounting ours later
# never propagates back to the machine's own /dev
mount --rbind /dev "$R/dev"
mount --make-rslave "$R/dev"
mount --bind "$cache/debs" "$R/var/cache/apt/archives"

inroot() { run chroot "$R" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
# as_user SCRIPT: a login-like environment of the new user, in the clone
as_user() {
    inroot runuser -u "$user" -- env HOME="/home/$user" USER="$user" LOGNAME="$user" SHELL=/bin/sh \
        sh -c "cd /home/$user/halo && $1"
}
inroot useradd --create-home --shell /bin/bash "$user"

# ---- a clean clone of HEAD (committed state only: no build outputs, no local edits) ------------
commit=$(git -C "$repo" rev-parse HEAD)
[ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] ||
    echo "$me: note: testing the commit $commit; uncommitted changes are not part of it" >&2
dst="$R/home/$user/halo"
{ git clone --quiet --no-local --no-checkout "$repo" "$dst" &&
  git -C "$dst" fetch --quiet origin HEAD &&
  git -C "$dst" checkout --quiet --detach FETCH_HEAD; } >"$log" 2>&1 || fail "cloning $repo failed"
[ "$(git -C "$dst" rev-parse HEAD)" = "$commit" ] || fail "the clone is at $(git -C "$dst" rev-parse HEAD), not $commit"
subject=$(git -C "$dst" log -1 --format='%h %s' | cut -c1-90)
chown -R "$(inroot id -u "$user"):$(inroot id -g "$user")" "$dst"

# ---- the user has no sudo yet: set-up must say what to do, and install nothing ------------------
if as_user "tools/setup.sh" >"$log" 2>&1; then
    fail "tools/setup.sh without root or sudo succeeded on an empty machine"
fi
grep -q "run this as root (or install sudo)" "$log" || fail "tools/setup.sh without root or sudo did not say what to do"

# A new user on a Debian machine: sudo, allowed everything.
t0=$(now)
{ inroot apt-get update -qq &&
  inroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sudo; } >"$log" 2>&1 ||
    fail "installing sudo into the root failed (is $mirror reachable?)"
echo "$user ALL=(ALL) NOPASSWD: ALL" >"$R/etc/sudoers.d/$user"
chmod 440 "$R/etc/sudoers.d/$user"
t_sudo=$(($(now) - t0))
n_before=$(inroot dpkg-query -W -f='${Status}\n' | grep -c "install ok installed")

# ---- set-up, twice ------------------------------------------------------------------------------
echo "$me: set-up, build and tests of $subject" >&2
t0=$(now)
as_user "tools/setup.sh" >"$log" 2>&1 || fail "tools/setup.sh failed"
t_setup=$(($(now) - t0))
sed 's/^/  /' "$log" >&2
n_after=$(inroot dpkg-query -W -f='${Status}\n' | grep -c "install ok installed")
t0=$(now)
as_user "tools/setup.sh" >"$log" 2>&1 || fail "tools/setup.sh failed the second time"
[ ! -s "$log" ] || fail "tools/setup.sh printed something the second time (it must find everything there)"
t_setup2=$(($(now) - t0))
as_user "tools/setup.sh --list" >"$log" 2>&1 || fail "tools/setup.sh --list finds something missing after set-up"

# ---- build --------------------------------------------------------------------------------------
t0=$(now)
as_user "tools/build.sh" >"$log" 2>&1 || fail "tools/build.sh failed"
t_build=$(($(now) - t0))
sed 's/^/  /' "$log" >&2
for part in oneDNN hwloc MPI; do
    grep -qE "^--   $part +: found" "$log" || fail "the build did not find $part after set-up"
done

# ---- tests --------------------------------------------------------------------------------------
t0=$(now)
as_user "cd build && ctest --output-on-failure -j \$(nproc) -R '$tests'" >"$log" 2>&1 || fail "tests failed"
t_tests=$(($(now) - t0))
grep -E "tests passed|Total Test time" "$log" | sed 's/^/  /' >&2
grep -qE "100% tests passed, 0 tests failed out of [1-9]" "$log" || fail "no test ran"
if grep -qE "\*\*\*Skipped|Not Run" "$log"; then
    fail "a test SKIPped in the fresh root: set-up did not bring what it needs"
fi
n_tests=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log")

if [ -n "$extra" ]; then
    t0=$(now)
    echo "$me: $extra" >&2
    as_user "$extra" || { echo "$me: '$extra' failed" >&2; exit 1; }
    echo "$me: '$extra' passed in $(($(now) - t0)) s" >&2
fi

# Drop .debs the mirror no longer has (superseded versions), so that the cache stays the size of one set.
inroot apt-get autoclean -qq >/dev/null 2>&1 || true

echo "$me: ok: $(($(now) - t_start)) s in all: base $t_base s ($base_how), sudo $t_sudo s," \
    "setup.sh $t_setup s ($((n_after - n_before)) packages; again: $t_setup2 s), build.sh $t_build s," \
    "$n_tests tests $t_tests s"
