/**
 * SETUP_SCRIPT is how a container is set up where the compiled init (init/tskube-init.c, built into
 * dist/tskube-init when a C compiler is there) is not: the same work with the same arguments, the
 * init's with system calls in one process, the script's with bash, mount, cp, chroot, env and
 * setpriv. Keep the two in step (process-runtime.test.ts runs its root and mount tests on both).
 *
 * It runs as the first process of a container's fresh PID and mount namespaces (under
 * `unshare --fork`, inside the pod sandbox's network, UTS and IPC namespaces) and turns the host
 * into the container's image, copy-on-write: an overlay with lower = host /, upper = the
 * container's own directory; a fresh /proc; tmpfs /tmp; the container's own /dev (below); the
 * host's /sys; each mount (volumes, /etc/hosts, /etc/hostname, /etc/resolv.conf) bind-mounted at its path; the hostname set when the
 * container has its own UTS namespace (hostname argument not empty); then chroot and exec the
 * container's command so that it is PID 1.
 *
 * Positional parameters: merged upper work hostname workingDir rootfs(ro|rw) privileges setpriv envcommand
 * cgroups oomScoreAdj devDir devices shm N (src dst ro|rw)×N -- argv... cgroups are the cgroup.procs files of the
 * container's cgroup (space-separated; empty: none): the script writes itself in first ("0" is the
 * writer), before it forks anything, so the container's every process is born inside; oomScoreAdj
 * is written to /proc/self/oom_score_adj and inherited the same way. privileges are setpriv's options, space-separated (numeric user,
 * groups, --nnp), applied after the chroot; empty: the container runs as root.
 * /dev is a tmpfs of the container's own (mode 755, nosuid), as runc makes it: nothing written there
 * reaches the node's /dev (a file mount point such as /dev/termination-log is made in the tmpfs).
 * devDir (see dev-template.ts) holds what it starts with — the symlinks fd, stdin, stdout, stderr and
 * the mount points pts and shm — and devices (space-separated) are the node's device nodes it gets
 * (null, zero, full, random, urandom, tty, ptmx; a privileged container's all): one cp copies both
 * in (device nodes as nodes: the tmpfs is not nodev). Then the node's devpts is bound at /dev/pts,
 * and at /dev/shm the pod's shm (a tmpfs the runtime mounted for the sandbox, shared by its
 * containers as their IPC namespace is) or, shm empty, a tmpfs of its own (1777, 64m). /dev/ptmx is
 * a node of the tmpfs, not a bind of the node's: the kernel looks for the devpts of a pty opened
 * through it at "pts" beside it, in the same mount.
 * File descriptor 3 is the container's stderr; fd 2 stays unshare's own (setup errors go there); a
 * line on fd 5 says the mounts are made and the script is about to chroot and exec.
 * Mounts live in the private mount namespace, so they vanish when the container's init exits. They
 * are made in batches by `mount -a` from a table (containerDir/mounts), a process per batch rather
 * than per mount, which needs bash (arrays).
 * In this template literal ${'$'}{ spells a shell parameter expansion's dollar-brace.
 */
export const SETUP_SCRIPT = String.raw`set -e
m=$1; up=$2; wk=$3; hn=$4; wd=$5; rofs=$6; priv=$7; setpriv=$8; envbin=$9; shift 9; cg=$1; oom=$2; dev=$3; devs=$4; shm=$5; shift 5; n=$1; shift
for f in $cg; do echo 0 > "$f"; done
if [ -n "$oom" ] && [ "$oom" != 0 ]; then echo "$oom" > /proc/self/oom_score_adj; fi
[ -d "$m" ] && [ -d "$up" ] && [ -d "$wk" ] || mkdir -p "$up" "$wk" "$m"
# Every process forked here costs milliseconds of the container's start (more on a busy node): the
# mounts are written to a table and made by one mount -a per batch (util-linux's mount makes a
# read-only bind in one run, and directory mount points), missing file mount points' directories by
# one mkdir; the rest are shell builtins.
tab=${'$'}{up%/*}/mounts; dirs=(); files=(); pend=()
: > "$tab"
# esc escapes a path for the table (fstab's octal escapes) into r.
esc() { r=${'$'}{1//\\/\\134}; r=${'$'}{r// /\\040}; r=${'$'}{r//$'\t'/\\011}; r=${'$'}{r//$'\n'/\\012}; }
add() { esc "$1"; a=$r; esc "$2"; printf '%s %s %s %s 0 0\n' "$a" "$r" "$3" "$4" >> "$tab"; }
# flush makes the batch's mount points, then its mounts, in order.
flush() {
  if [ "${'$'}{#dirs[@]}" -gt 0 ]; then mkdir -p -- "${'$'}{dirs[@]}"; fi
  for f in "${'$'}{files[@]}"; do [ -e "$f" ] || : > "$f"; done
  if [ -s "$tab" ]; then mount -a -T "$tab"; fi
  : > "$tab"; dirs=(); files=(); pend=()
}
# inpend flushes the batch when dst lies in (or is) one of its mount points.
inpend() { for p in "${'$'}{pend[@]}"; do case $dst in "$p"|"$p"/*) flush; return ;; esac; done; }
esc "$up"; u=$r; esc "$wk"
add overlay "$m" overlay "lowerdir=/,upperdir=$u,workdir=$r"
add proc "$m/proc" proc defaults
add tmpfs "$m/tmp" tmpfs mode=1777
add tmpfs "$m/dev" tmpfs nosuid,mode=755,size=65536k
add /sys "$m/sys" none rbind
flush
# The device mount points exist once the tmpfs is mounted: they join the volumes' batch, ahead of
# them (a volume at /dev/shm, an emptyDir of medium Memory, is mounted over the tmpfs).
# shellcheck disable=SC2086
cp -a -- "$dev"/* $devs "$m/dev/"
add /dev/pts "$m/dev/pts" none bind
if [ -n "$shm" ]; then add "$shm" "$m/dev/shm" none bind; else add shm "$m/dev/shm" tmpfs nosuid,nodev,noexec,mode=1777,size=65536k; fi
pend+=(/dev/pts /dev/shm)
i=0
while [ "$i" -lt "$n" ]; do
  src=$1; dst=$2; ro=$3; shift 3
  # A mount point inside one of the batch's mounts (a subPath in a volume) exists once that is made.
  inpend
  # A symlinked directory on the way (/var/run -> /run) would resolve against the host's root:
  # resolve the parent inside the container's root instead (coreutils' realpath: busybox's lacks -m),
  # only when one of its components is a symlink.
  pd=${'$'}{dst%/*}; rest=${'$'}{pd#/}; at=; link=
  while [ -n "$rest" ]; do
    at=$at/${'$'}{rest%%/*}
    if [ "$rest" = "${'$'}{rest#*/}" ]; then rest=; else rest=${'$'}{rest#*/}; fi
    if [ -L "$m$at" ]; then link=1; break; fi
  done
  if [ -n "$link" ]; then pd=$(chroot "$m" /usr/bin/env PATH=/usr/bin:/bin realpath -m -- "$pd") && dst="$pd/${'$'}{dst##*/}" && inpend; fi
  # A symlink target (/etc/resolv.conf -> /run/...) would resolve against the host's root: replace it.
  if [ -L "$m$dst" ]; then rm -f "$m$dst"; fi
  # mount makes a missing directory mount point itself (X-mount.mkdir); a file's is made here.
  o=bind; if [ "$ro" = ro ]; then o=bind,ro; fi
  if [ -d "$src" ]; then o=$o,X-mount.mkdir; else [ -d "$m${'$'}{dst%/*}" ] || dirs+=("$m${'$'}{dst%/*}"); [ -e "$m$dst" ] || files+=("$m$dst"); fi
  add "$src" "$m$dst" none "$o"
  pend+=("$dst")
  i=$((i+1))
done
flush
shift
if [ -n "$hn" ]; then hostname "$hn"; fi
[ -d "$m$wd" ] || mkdir -p "$m$wd"
if [ "$rofs" = ro ]; then mount -o remount,bind,ro "$m"; fi
# fd 5 tells the runtime the container's filesystem is ready (it need not poll); the container does not inherit it.
{ echo >&5; } 2>/dev/null || :
exec 5>&- 2>&3 3>&-
# No shell after this one: env changes directory and execs, keeping every variable as it is but the
# ones this shell adds (envbin is env with its -u options, space-separated, like priv).
# shellcheck disable=SC2086
if [ -z "$priv" ]; then exec chroot "$m" $envbin -C "$wd" -- "$@"; fi
# shellcheck disable=SC2086
exec chroot "$m" "$setpriv" $priv -- $envbin -C "$wd" -- "$@"
`;
