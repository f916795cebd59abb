/*
 * tskube-init: what turns the node into a container's image, in the process that becomes the
 * container's command: the work of setup-script.ts (SETUP_SCRIPT) done with system calls, with
 * the same arguments, where the script costs a shell, two mount(8) runs, cp, chroot(1), env(1)
 * and setpriv(1): ~50 ms of CPU per container on a machine where forks and execs are slow.
 *
 * It first joins the pod sandbox's network, UTS and IPC namespaces and makes the container's own
 * PID and mount namespaces (main, at the end), then forks the process that becomes the
 * container's PID 1, which:
 *   1. writes itself into the container's cgroups and sets its oom_score_adj (inherited by all);
 *   2. mounts the root: an overlay (lower = the node's /, upper and work = the container's own
 *      directories), a fresh /proc, a tmpfs /tmp, a tmpfs /dev (mode 755, nosuid) with the
 *      template's links and mount points and the device nodes given, the node's /sys (rbind),
 *      the node's devpts on /dev/pts, the pod's shm (or a tmpfs of its own) on /dev/shm;
 *   3. bind-mounts each (src, dst, ro|rw) at dst inside the root, in order; a symlinked directory
 *      on the way to dst is resolved inside the root, a symlink at dst itself is replaced, a
 *      missing mount point is made (a directory for a directory, an empty file for a file);
 *   4. sets the hostname (when given), makes the working directory, remounts the root read-only
 *      (when asked), writes a line on fd 5 (the mounts are made), moves fd 3 (the container's
 *      stderr) to fd 2;
 *   5. chroots, takes the privileges given as setpriv's options (--bounding-set, --inh-caps,
 *      --reuid, --regid, --groups, --no-new-privs), changes to the working directory and execs
 *      the command, PATH searched in the container's environment (which it leaves as it is).
 * A failure before the exec is reported on fd 2 (the runtime's setup errors) and exits 1.
 *
 * Arguments: the namespaces (--net=F --uts=F --ipc=F --pid=F to join, --new=pid,mount,uts,ipc to
 * make; none: the set-up runs in this process as it is), then SETUP_SCRIPT's positional
 * parameters: merged upper work hostname workingDir
 * rootfs(ro|rw) privileges setpriv envcommand cgroups oomScoreAdj devDir devices shm N
 * (src dst ro|rw)xN -- argv...   (setpriv and envcommand are the script's programs: unused here.)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_PATH 8192

static void fail(const char *what, const char *path) {
  fprintf(stderr, "tskube-init: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static void fail_msg(const char *msg, const char *arg) {
  fprintf(stderr, "tskube-init: %s%s\n", msg, arg);
  exit(1);
}

/* at joins a container path onto the root: root + path, both NUL-terminated, into out. */
static void at(char *out, const char *root, const char *path) {
  if (snprintf(out, MAX_PATH, "%s%s", root, path) >= MAX_PATH) fail_msg("path too long: ", path);
}

static void write_file(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("open", path);
  size_t n = strlen(value);
  if (write(fd, value, n) != (ssize_t)n) fail("write", path);
  close(fd);
}

/* mkdir_p makes a directory and its missing parents (mkdir -p). */
static void mkdir_p(const char *path, mode_t mode) {
  char buf[MAX_PATH];
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return;
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) fail_msg("path too long: ", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, mode) != 0 && errno != EEXIST) fail("mkdir", buf);
    *p = '/';
  }
  if (mkdir(buf, mode) != 0 && errno != EEXIST) fail("mkdir", buf);
}

static void do_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
  if (mount(src, dst, type, flags, data) != 0) fail("mount", dst);
}

/* remount_ro makes a bind mount read-only, keeping its other flags (a plain remount would clear nosuid, nodev, noexec). */
static void remount_ro(const char *dst) {
  struct statvfs sv;
  unsigned long keep = 0;
  if (statvfs(dst, &sv) == 0) {
    if (sv.f_flag & ST_NOSUID) keep |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) keep |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) keep |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) keep |= MS_RELATIME;
  }
  do_mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL);
}

/*
 * resolve_in_root resolves a container path as `realpath -m` run inside the root would: symlinks
 * followed against the container's root, ".." and "." folded, missing components kept.
 */
static void resolve_in_root(const char *root, const char *path, char *out) {
  char rest[MAX_PATH], done[MAX_PATH] = "", full[MAX_PATH], link[MAX_PATH];
  int hops = 0;
  if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest) fail_msg("path too long: ", path);
  char *p = rest;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char comp[NAME_MAX + 1];
    if (len > NAME_MAX) fail_msg("name too long in ", path);
    memcpy(comp, p, len);
    comp[len] = '\0';
    p += len;
    if (strcmp(comp, ".") == 0) continue;
    if (strcmp(comp, "..") == 0) {
      char *slash = strrchr(done, '/');
      if (slash) *slash = '\0';
      continue;
    }
    size_t dl = strlen(done);
    if (dl + 1 + len >= MAX_PATH) fail_msg("path too long: ", path);
    done[dl] = '/';
    memcpy(done + dl + 1, comp, len + 1);
    at(full, root, done);
    struct stat st;
    if (lstat(full, &st) != 0 || !S_ISLNK(st.st_mode)) continue;
    if (++hops > 40) { errno = ELOOP; fail("resolve", path); }
    ssize_t n = readlink(full, link, sizeof link - 1);
    if (n < 0) fail("readlink", full);
    link[n] = '\0';
    /* The link replaces its own component: what follows it is resolved after the link's target. */
    done[dl] = '\0';
    if (link[0] == '/') done[0] = '\0';
    char next[MAX_PATH];
    if (snprintf(next, sizeof next, "%s/%s", link, p) >= (int)sizeof next) fail_msg("path too long: ", path);
    memcpy(rest, next, strlen(next) + 1);
    p = rest;
  }
  if (snprintf(out, MAX_PATH, "%s", done[0] ? done : "/") >= MAX_PATH) fail_msg("path too long: ", path);
}

/* has_symlink_dir says whether a directory on the way to path (its parent's components) is a symlink inside the root. */
static int has_symlink_dir(const char *root, const char *dir) {
  char sub[MAX_PATH], full[MAX_PATH];
  if (snprintf(sub, sizeof sub, "%s", dir) >= (int)sizeof sub) return 0;
  for (char *p = sub + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char c = *p;
    *p = '\0';
    at(full, root, sub);
    struct stat st;
    if (sub[1] && lstat(full, &st) == 0 && S_ISLNK(st.st_mode)) return 1;
    if (!c) return 0;
    *p = c;
  }
}

/* copy_node copies a link, directory or device node into dir as cp -a would (owner, mode, times). */
static void copy_node(const char *src, const char *dir, const char *name) {
  char dst[MAX_PATH], target[MAX_PATH];
  struct stat st;
  if (snprintf(dst, sizeof dst, "%s/%s", dir, name) >= (int)sizeof dst) fail_msg("path too long: ", name);
  if (lstat(src, &st) != 0) fail("stat", src);
  if (S_ISLNK(st.st_mode)) {
    ssize_t n = readlink(src, target, sizeof target - 1);
    if (n < 0) fail("readlink", src);
    target[n] = '\0';
    if (symlink(target, dst) != 0 && errno != EEXIST) fail("symlink", dst);
  } else if (S_ISDIR(st.st_mode)) {
    if (mkdir(dst, st.st_mode & 07777) != 0 && errno != EEXIST) fail("mkdir", dst);
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    if (mknod(dst, st.st_mode, st.st_rdev) != 0 && errno != EEXIST) fail("mknod", dst);
  } else {
    return;
  }
  if (lchown(dst, st.st_uid, st.st_gid) != 0) fail("chown", dst);
  if (!S_ISLNK(st.st_mode) && chmod(dst, st.st_mode & 07777) != 0) fail("chmod", dst);
  struct timespec times[2] = { st.st_atim, st.st_mtim };
  utimensat(AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW);
}

static const char *const CAPS[] = {
  "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
  "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
  "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
  "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
  "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
  "checkpoint_restore",
};
#define NCAPS ((int)(sizeof CAPS / sizeof CAPS[0]))

static int last_cap(void) {
  char buf[16] = "";
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) return atoi(buf);
  }
  return NCAPS - 1;
}

/* bounding_set keeps only the capabilities "-all,+a,+b" names in the bounding set. */
static void bounding_set(const char *spec) {
  char keep[64] = { 0 };
  char buf[1024];
  if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf) fail_msg("--bounding-set too long: ", spec);
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    if (strcmp(tok, "-all") == 0) continue;
    if (tok[0] != '+') fail_msg("unsupported --bounding-set item: ", tok);
    int found = 0;
    for (int i = 0; i < NCAPS; i++) {
      if (strcasecmp(tok + 1, CAPS[i]) == 0) { keep[i] = 1; found = 1; }
    }
    if (!found) fail_msg("unknown capability: ", tok + 1);
  }
  int last = last_cap();
  for (int i = 0; i <= last && i < 64; i++) {
    if (!keep[i] && prctl(PR_CAPBSET_DROP, i, 0, 0, 0) != 0 && errno != EINVAL) fail("drop capability", i < NCAPS ? CAPS[i] : "?");
  }
}

/* clear_inheritable empties the inheritable set (and with it the ambient one). */
static void clear_inheritable(void) {
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) != 0) fail("capget", "");
  data[0].inheritable = data[1].inheritable = 0;
  if (syscall(SYS_capset, &hdr, data) != 0) fail("capset", "");
}

/* privileges applies setpriv's options (the ones privilegeOptions writes), in setpriv's order. */
static void privileges(const char *opts) {
  char buf[4096];
  const char *bounding = NULL;
  int inh = 0, nnp = 0, have_uid = 0, have_gid = 0, have_groups = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  gid_t groups[256];
  size_t ngroups = 0;
  if (snprintf(buf, sizeof buf, "%s", opts) >= (int)sizeof buf) fail_msg("privileges too long: ", opts);
  for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
    if (strncmp(tok, "--bounding-set=", 15) == 0) bounding = tok + 15;
    else if (strcmp(tok, "--inh-caps=-all") == 0) inh = 1;
    else if (strcmp(tok, "--no-new-privs") == 0) nnp = 1;
    else if (strncmp(tok, "--reuid=", 8) == 0) { uid = (uid_t)strtoul(tok + 8, NULL, 10); have_uid = 1; }
    else if (strncmp(tok, "--regid=", 8) == 0) { gid = (gid_t)strtoul(tok + 8, NULL, 10); have_gid = 1; }
    else if (strncmp(tok, "--groups=", 9) == 0) {
      have_groups = 1;
      for (char *g = tok + 9; *g && ngroups < 256;) {
        groups[ngroups++] = (gid_t)strtoul(g, &g, 10);
        if (*g == ',') g++;
      }
    } else fail_msg("unsupported privilege option: ", tok);
  }
  /* strtok's buffer is reused below: bounding points into it, so it is applied before anything else is parsed. */
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("no_new_privs", "");
  if (bounding) bounding_set(bounding);
  if (have_gid && setresgid(gid, gid, gid) != 0) fail("setresgid", "");
  if (have_groups && setgroups(ngroups, groups) != 0) fail("setgroups", "");
  if (have_uid && setresuid(uid, uid, uid) != 0) fail("setresuid", "");
  if (inh) clear_inheritable();
}

/* setup is steps 1-5 (see the top); argv[1..] are the setup script's arguments. It returns only when the exec failed. */
static int setup(int argc, char **argv) {
  if (argc < 16) fail_msg("usage: tskube-init [--net=F] [--uts=F] [--ipc=F] [--pid=F] [--new=pid,mount,uts,ipc] merged upper work hostname workingDir rootfs privileges setpriv envcommand cgroups oomScoreAdj devDir devices shm N (src dst ro|rw)... -- argv...", "");
  const char *m = argv[1], *up = argv[2], *wk = argv[3], *hn = argv[4], *wd = argv[5], *rofs = argv[6], *priv = argv[7];
  const char *cg = argv[10], *oom = argv[11], *devdir = argv[12], *devs = argv[13], *shm = argv[14];
  long n = strtol(argv[15], NULL, 10);
  if (n < 0 || 16 + 3 * n >= argc || strcmp(argv[16 + 3 * n], "--") != 0 || 16 + 3 * n + 1 >= argc) fail_msg("bad mount list or no command", "");
  char **cmd = argv + 16 + 3 * n + 1;
  char path[MAX_PATH], buf[MAX_PATH];

  /* Every process of the container is born in its cgroups, with its oom_score_adj. */
  if (*cg) {
    if (snprintf(buf, sizeof buf, "%s", cg) >= (int)sizeof buf) fail_msg("cgroups too long", "");
    for (char *f = strtok(buf, " "); f; f = strtok(NULL, " ")) write_file(f, "0");
  }
  if (*oom && strcmp(oom, "0") != 0) write_file("/proc/self/oom_score_adj", oom);

  /* Modes as mkdir -p gives them (0777 less the umask); a directory mount point 0755, as mount's X-mount.mkdir. */
  mkdir_p(up, 0777);
  mkdir_p(wk, 0777);
  mkdir_p(m, 0777);
  if (snprintf(buf, sizeof buf, "lowerdir=/,upperdir=%s,workdir=%s", up, wk) >= (int)sizeof buf) fail_msg("overlay options too long", "");
  do_mount("overlay", m, "overlay", 0, buf);
  at(path, m, "/proc");
  do_mount("proc", path, "proc", 0, NULL);
  at(path, m, "/tmp");
  do_mount("tmpfs", path, "tmpfs", 0, "mode=1777");
  at(path, m, "/dev");
  do_mount("tmpfs", path, "tmpfs", MS_NOSUID, "mode=755,size=65536k");
  at(path, m, "/sys");
  do_mount("/sys", path, NULL, MS_BIND | MS_REC, NULL);

  /* /dev: the template's links and mount points, then the device nodes. */
  char devpath[MAX_PATH];
  at(devpath, m, "/dev");
  DIR *d = opendir(devdir);
  if (!d) fail("open", devdir);
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    if (snprintf(path, sizeof path, "%s/%s", devdir, e->d_name) >= (int)sizeof path) fail_msg("path too long: ", e->d_name);
    copy_node(path, devpath, e->d_name);
  }
  closedir(d);
  if (*devs) {
    if (snprintf(buf, sizeof buf, "%s", devs) >= (int)sizeof buf) fail_msg("device list too long", "");
    for (char *dev = strtok(buf, " "); dev; dev = strtok(NULL, " ")) {
      const char *name = strrchr(dev, '/');
      copy_node(dev, devpath, name ? name + 1 : dev);
    }
  }
  at(path, m, "/dev/pts");
  do_mount("/dev/pts", path, NULL, MS_BIND, NULL);
  at(path, m, "/dev/shm");
  if (*shm) do_mount(shm, path, NULL, MS_BIND, NULL);
  else do_mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");

  for (long i = 0; i < n; i++) {
    const char *src = argv[16 + 3 * i], *ro = argv[18 + 3 * i];
    char dst[MAX_PATH], parent[MAX_PATH];
    if (snprintf(dst, sizeof dst, "%s", argv[17 + 3 * i]) >= (int)sizeof dst) fail_msg("path too long: ", argv[17 + 3 * i]);
    /* A symlinked directory on the way (/var/run -> /run) would resolve against the node's root. */
    char *slash = strrchr(dst, '/');
    if (slash && slash != dst) {
      *slash = '\0';
      if (has_symlink_dir(m, dst)) {
        resolve_in_root(m, dst, parent);
        char base[MAX_PATH];
        snprintf(base, sizeof base, "%s", slash + 1);
        if (snprintf(dst, sizeof dst, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent, base) >= (int)sizeof dst) fail_msg("path too long: ", base);
      } else {
        *slash = '/';
      }
    }
    at(path, m, dst);
    struct stat st;
    /* A symlink at the mount point itself (/etc/resolv.conf -> /run/...) is replaced by the mount point. */
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && unlink(path) != 0) fail("unlink", path);
    if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
      mkdir_p(path, 0755);
    } else {
      snprintf(parent, sizeof parent, "%s", path);
      char *ps = strrchr(parent, '/');
      if (ps && ps != parent) { *ps = '\0'; mkdir_p(parent, 0777); }
      if (access(path, F_OK) != 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) fail("create", path);
        close(fd);
      }
    }
    do_mount(src, path, NULL, MS_BIND, NULL);
    if (strcmp(ro, "ro") == 0) remount_ro(path);
  }

  if (*hn && sethostname(hn, strlen(hn)) != 0) fail("sethostname", hn);
  at(path, m, wd);
  mkdir_p(path, 0777);
  if (strcmp(rofs, "ro") == 0) remount_ro(m);
  /* fd 5: the container's filesystem is ready (the runtime need not poll); the container does not inherit it. */
  if (write(5, "\n", 1) < 0) { /* nobody listens */ }
  close(5);
  if (dup2(3, 2) < 0) fail("dup2", "3");
  close(3);

  if (chroot(m) != 0) fail("chroot", m);
  if (chdir("/") != 0) fail("chdir", "/");
  if (*priv) privileges(priv);
  if (chdir(wd) != 0) {
    fprintf(stderr, "env: cannot change directory to '%s': %s\n", wd, strerror(errno));
    exit(125);
  }
  execvp(cmd[0], cmd);
  int err = errno;
  fprintf(stderr, "env: '%s': %s\n", cmd[0], strerror(err));
  return err == ENOENT ? 127 : 126;
}

/*
 * The namespaces, before the set-up (what `nsenter --net=F --uts=F --ipc=F --pid=F unshare --pid
 * --mount --fork --kill-child` did): join the files given (the sandbox's pins; a PID namespace to
 * share), make the new ones asked for, every mount private in a new mount namespace, then fork:
 * the child is the container's PID 1 (a new PID namespace's first process) and does the set-up;
 * it is killed if this parent dies. The parent waits and exits as its child did, a fatal signal
 * re-raised (unshare 2.38 cannot: it exits 1 with "sigprocmask unblock failed").
 */
int main(int argc, char **argv) {
  static const struct { const char *opt; int type; } JOIN[] = {
    { "--ipc=", CLONE_NEWIPC }, { "--uts=", CLONE_NEWUTS }, { "--net=", CLONE_NEWNET }, { "--pid=", CLONE_NEWPID },
  };
  int join_fd[4] = { -1, -1, -1, -1 };
  int unshare_flags = 0, k = 1;
  for (; k < argc && strncmp(argv[k], "--", 2) == 0 && argv[k][2]; k++) {
    int known = 0;
    for (int j = 0; j < 4; j++) {
      size_t len = strlen(JOIN[j].opt);
      if (strncmp(argv[k], JOIN[j].opt, len) != 0) continue;
      join_fd[j] = open(argv[k] + len, O_RDONLY | O_CLOEXEC);
      if (join_fd[j] < 0) fail("open namespace", argv[k] + len);
      known = 1;
    }
    if (strncmp(argv[k], "--new=", 6) == 0) {
      char buf[64];
      snprintf(buf, sizeof buf, "%s", argv[k] + 6);
      for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        if (strcmp(t, "pid") == 0) unshare_flags |= CLONE_NEWPID;
        else if (strcmp(t, "mount") == 0) unshare_flags |= CLONE_NEWNS;
        else if (strcmp(t, "uts") == 0) unshare_flags |= CLONE_NEWUTS;
        else if (strcmp(t, "ipc") == 0) unshare_flags |= CLONE_NEWIPC;
        else fail_msg("unknown namespace in --new: ", t);
      }
      known = 1;
    }
    if (!known) fail_msg("unknown option: ", argv[k]);
  }
  if (k == 1) return setup(argc, argv);
  for (int j = 0; j < 4; j++) {
    if (join_fd[j] >= 0 && setns(join_fd[j], JOIN[j].type) != 0) fail("setns", JOIN[j].opt);
    if (join_fd[j] >= 0) close(join_fd[j]);
  }
  if (unshare_flags && unshare(unshare_flags) != 0) fail("unshare", "");
  if ((unshare_flags & CLONE_NEWNS) && mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) fail("make mounts private", "/");
  pid_t parent = getpid();
  pid_t child = fork();
  if (child < 0) fail("fork", "");
  if (child == 0) {
    /* In a new PID namespace the parent is outside it and getppid() is 0; else a parent gone before the prctl shows as another. */
    pid_t pp = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || (pp != 0 && pp != parent)) _exit(1);
    return setup(argc - k + 1, argv + k - 1);
  }
  /* The parent only waits: a terminal's signals are the container's business (the runtime signals its PID 1). */
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  int status;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) fail("wait", "");
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  int sig = WTERMSIG(status);
  struct rlimit no_core = { 0, 0 };
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  kill(getpid(), sig);
  return 128 + sig;
}
