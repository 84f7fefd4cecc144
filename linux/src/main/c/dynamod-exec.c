/*
 * dynamod-exec: the steps between fork and exec that the JVM cannot run in a child of its own (posix_spawn
 * starts this helper; the helper drops credentials, lays out fds and execs the service).
 *
 *   dynamod-exec [options] -- /absolute/executable argv0 [arg ...]
 *
 * Options (before "--"):
 *   --report-fd N       report failures here; set close-on-exec first, so a successful execve closes it (EOF = ok)
 *   --setsid            start a new session (skipped when already a session leader, e.g. after POSIX_SPAWN_SETSID)
 *   --chdir DIR         change directory, after dropping credentials so the target user's permissions apply
 *   --user NAME|UID     run as this user: its primary group and supplementary groups (getgrouplist) unless overridden
 *   --group NAME|GID    primary group (required for a numeric uid without a passwd entry)
 *   --groups A,B,...    extra supplementary groups, names or numbers
 *   --keep-fd N         with --close-fds: keep this fd open (repeatable)
 *   --close-fds         close every fd above 2 except kept fds, rename targets and the report fd
 *   --rename-fd F:T     dup2(F, T) and close F (repeatable, applied in order)
 *   --no-new-privs      prctl(PR_SET_NO_NEW_PRIVS)
 *   --cgroup DIR        join the cgroup v2 directory DIR (write 0 to DIR/cgroup.procs) before any other step, so the
 *                       service and everything it forks, the pid namespace's child included, is in it from the start
 *
 * Isolation (see linux/README.md; each failure aborts the spawn with its step):
 *   --unshare LIST      namespaces of its own, comma-separated: pid,mnt,net,uts,ipc,user,cgroup. With pid or user the
 *                       helper forks into them (clone): the child is the service (PID 1 of a new pid namespace) and the
 *                       parent writes "pid N" on the report fd (and, for user, the uid/gid maps) and exits
 *   --private-tmp       fresh tmpfs on /tmp and /var/tmp
 *   --protect-system L  yes: /usr /boot /efi read-only; full: also /etc; strict: all but /dev /proc /sys (recursively)
 *   --bind SRC DST      bind mount, read-only (recursively); --bind-rw SRC DST: writable
 *   --hostname NAME     the uts namespace's host name (implies uts)
 *   --cap-bound LIST    keep only these capability numbers in the bounding set (comma-separated; "" drops all)
 * Mount options and pid imply mnt; the new mount tree is made a recursive slave first, so nothing reaches the host.
 *
 * On any failure: one line "STEP ERRNO MESSAGE\n" on the report fd (stderr without one), then _exit(127).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_FD_OPTIONS 256
#define MAX_EXTRA_GROUPS 256

static int report_fd = -1;

static const char *opt_chdir, *opt_user, *opt_group, *opt_groups, *opt_cgroup;
static bool opt_setsid, opt_close_fds, opt_no_new_privs;

#define MAX_BINDS 64
enum protect { PROTECT_NO, PROTECT_YES, PROTECT_FULL, PROTECT_STRICT };
struct bind {
    const char *source, *target;
    bool writable, directory;
    int tree; /* a detached copy of the source (open_tree), taken before namespaces or mounts change what its path means */
};
static int opt_unshare; /* CLONE_NEW* flags */
static bool opt_private_tmp;
static enum protect opt_protect = PROTECT_NO;
static struct bind binds[MAX_BINDS];
static int n_binds;
static const char *opt_hostname;
static bool opt_cap_bound;
static unsigned long long cap_keep; /* bit n: keep capability n */
static int keep_fds[MAX_FD_OPTIONS], n_keep;
static int rename_from[MAX_FD_OPTIONS], rename_to[MAX_FD_OPTIONS], n_rename;

/* Static, not on the stack: NGROUPS_MAX is 65536 on Linux. */
static gid_t groups[NGROUPS_MAX + MAX_EXTRA_GROUPS];
static int n_groups;

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += w;
        n -= (size_t) w;
    }
}

__attribute__((noreturn, format(printf, 3, 4)))
static void failf(const char *step, int err, const char *format, ...) {
    char message[900], line[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    int n = snprintf(line, sizeof line, "%s %d %s", step, err, message);
    if (n < 0) n = 0;
    if (n > (int) sizeof line - 2) n = (int) sizeof line - 2;
    for (int i = 0; i < n; i++) {
        if (line[i] == '\n' || line[i] == '\r') line[i] = ' '; /* one line per report */
    }
    line[n++] = '\n';
    write_all(report_fd >= 0 ? report_fd : STDERR_FILENO, line, (size_t) n);
    _exit(127);
}

__attribute__((noreturn))
static void fail(const char *step, int err) {
    failf(step, err, "%s", strerror(err));
}

/* Plain decimal digits only (strtol alone would take signs and spaces). */
static bool parse_number(const char *s, long max, long *out) {
    if (*s < '0' || *s > '9') return false;
    char *end;
    errno = 0;
    long value = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || value > max) return false;
    *out = value;
    return true;
}

static char usage_error[512];

/* Only the first usage error is kept. */
__attribute__((format(printf, 1, 2)))
static void usage(const char *format, ...) {
    if (usage_error[0] != '\0') return;
    va_list args;
    va_start(args, format);
    vsnprintf(usage_error, sizeof usage_error, format, args);
    va_end(args);
}

static bool parse_fd(const char *s, int *fd) {
    long value;
    if (!parse_number(s, INT_MAX, &value)) return false;
    *fd = (int) value;
    return true;
}

static const struct {
    const char *name;
    int flag;
} NAMESPACES[] = {
    {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS}, {"net", CLONE_NEWNET}, {"uts", CLONE_NEWUTS},
    {"ipc", CLONE_NEWIPC}, {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP},
};

static void parse_namespaces(const char *list) {
    for (const char *p = list; *p != '\0';) {
        size_t len = strcspn(p, ",");
        bool known = false;
        for (size_t i = 0; i < sizeof NAMESPACES / sizeof NAMESPACES[0]; i++) {
            if (strlen(NAMESPACES[i].name) == len && strncmp(p, NAMESPACES[i].name, len) == 0) {
                opt_unshare |= NAMESPACES[i].flag;
                known = true;
            }
        }
        if (!known) usage("--unshare: unknown namespace in %s (pid, mnt, net, uts, ipc, user, cgroup)", list);
        p += len;
        if (*p == ',') p++;
    }
}

static void parse_capabilities(const char *list) {
    opt_cap_bound = true;
    for (const char *p = list; *p != '\0';) {
        char number[8];
        size_t len = strcspn(p, ",");
        long cap;
        if (len == 0 || len >= sizeof number) {
            usage("--cap-bound: expected capability numbers, got %s", list);
            return;
        }
        memcpy(number, p, len);
        number[len] = '\0';
        if (!parse_number(number, 63, &cap)) {
            usage("--cap-bound: expected capability numbers 0-63, got %s", list);
            return;
        }
        cap_keep |= 1ULL << cap;
        p += len;
        if (*p == ',') p++;
    }
}

/* Parses the options; returns the index of the executable. A usage error is recorded, not reported, so that it
   can go to the report fd once that is known. */
static int parse_options(int argc, char **argv) {
    int i = 1;
    for (; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--") == 0) return i + 1;
        if (strcmp(opt, "--bind") == 0 || strcmp(opt, "--bind-rw") == 0) {
            if (i + 2 >= argc) {
                usage("%s needs a source and a target", opt);
                return argc;
            }
            if (n_binds == MAX_BINDS) usage("more than %d bind mounts", MAX_BINDS);
            else binds[n_binds++] = (struct bind) {argv[i + 1], argv[i + 2], strcmp(opt, "--bind-rw") == 0, false, -1};
            i += 2;
            continue;
        }
        bool takes_value = strcmp(opt, "--report-fd") == 0 || strcmp(opt, "--chdir") == 0
                || strcmp(opt, "--user") == 0 || strcmp(opt, "--group") == 0 || strcmp(opt, "--groups") == 0
                || strcmp(opt, "--keep-fd") == 0 || strcmp(opt, "--rename-fd") == 0 || strcmp(opt, "--unshare") == 0
                || strcmp(opt, "--protect-system") == 0 || strcmp(opt, "--hostname") == 0 || strcmp(opt, "--cap-bound") == 0
                || strcmp(opt, "--cgroup") == 0;
        if (takes_value) {
            if (i + 1 >= argc) {
                usage("%s needs a value", opt);
                return argc;
            }
            const char *value = argv[++i];
            if (strcmp(opt, "--report-fd") == 0) {
                if (!parse_fd(value, &report_fd)) usage("--report-fd: not an fd: %s", value);
            } else if (strcmp(opt, "--chdir") == 0) {
                opt_chdir = value;
            } else if (strcmp(opt, "--user") == 0) {
                opt_user = value;
            } else if (strcmp(opt, "--group") == 0) {
                opt_group = value;
            } else if (strcmp(opt, "--groups") == 0) {
                opt_groups = value;
            } else if (strcmp(opt, "--unshare") == 0) {
                parse_namespaces(value);
            } else if (strcmp(opt, "--protect-system") == 0) {
                if (strcmp(value, "yes") == 0) opt_protect = PROTECT_YES;
                else if (strcmp(value, "full") == 0) opt_protect = PROTECT_FULL;
                else if (strcmp(value, "strict") == 0) opt_protect = PROTECT_STRICT;
                else usage("--protect-system: expected yes, full or strict, got %s", value);
            } else if (strcmp(opt, "--hostname") == 0) {
                opt_hostname = value;
            } else if (strcmp(opt, "--cgroup") == 0) {
                opt_cgroup = value;
            } else if (strcmp(opt, "--cap-bound") == 0) {
                parse_capabilities(value);
            } else if (strcmp(opt, "--keep-fd") == 0) {
                if (n_keep == MAX_FD_OPTIONS) usage("too many --keep-fd options");
                else if (!parse_fd(value, &keep_fds[n_keep++])) usage("--keep-fd: not an fd: %s", value);
            } else {
                char from[32], to[32];
                const char *colon = strchr(value, ':');
                size_t len = colon ? (size_t) (colon - value) : 0;
                if (n_rename == MAX_FD_OPTIONS) {
                    usage("too many --rename-fd options");
                } else if (colon == NULL || len >= sizeof from || strlen(colon + 1) >= sizeof to) {
                    usage("--rename-fd: expected FROM:TO, got %s", value);
                } else {
                    memcpy(from, value, len);
                    from[len] = '\0';
                    strcpy(to, colon + 1);
                    if (!parse_fd(from, &rename_from[n_rename]) || !parse_fd(to, &rename_to[n_rename])) {
                        usage("--rename-fd: expected FROM:TO, got %s", value);
                    }
                    n_rename++;
                }
            }
        } else if (strcmp(opt, "--setsid") == 0) {
            opt_setsid = true;
        } else if (strcmp(opt, "--close-fds") == 0) {
            opt_close_fds = true;
        } else if (strcmp(opt, "--no-new-privs") == 0) {
            opt_no_new_privs = true;
        } else if (strcmp(opt, "--private-tmp") == 0) {
            opt_private_tmp = true;
        } else {
            usage("unknown option: %s", opt);
            return argc;
        }
    }
    usage("missing \"--\" before the executable");
    return argc;
}

/* One write(2) of text to a kernel file (cgroup.procs, uid_map, ...): its errno is the step's. */
static void write_file(const char *step, const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) failf(step, errno, "%s: %s", path, strerror(errno));
    ssize_t n = write(fd, text, strlen(text));
    int err = errno;
    close(fd);
    if (n != (ssize_t) strlen(text)) failf(step, n < 0 ? err : EIO, "%s: %s", path, strerror(n < 0 ? err : EIO));
}

/* Into the service's cgroup first: whatever this process forks from here on (the clone into a pid namespace
   too) is born in it, and the limits already apply to the steps that follow. */
static void join_cgroup(void) {
    char path[PATH_MAX];
    if (opt_cgroup[0] != '/') failf("cgroup", EINVAL, "not an absolute path: %s", opt_cgroup);
    if (snprintf(path, sizeof path, "%s/cgroup.procs", opt_cgroup) >= (int) sizeof path) failf("cgroup", ENAMETOOLONG, "%s", opt_cgroup);
    write_file("cgroup", path, "0");
}

static void reset_signals(void) {
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    /* SIG_IGN survives execve. The raw system call, because glibc's sigaction refuses its internal signals 32 and
       33; a zeroed kernel struct sigaction is SIG_DFL without flags whatever the architecture's layout. */
    unsigned long kernel_sigaction[4] = {0};
    for (int sig = 1; sig <= 64; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, kernel_sigaction, NULL, 8);
    }
}

static bool is_member(gid_t gid) {
    for (int i = 0; i < n_groups; i++) {
        if (groups[i] == gid) return true;
    }
    return false;
}

static gid_t resolve_group(const char *step, const char *name) {
    long number;
    if (parse_number(name, UINT_MAX - 1, &number)) return (gid_t) number;
    errno = 0;
    struct group *gr = getgrnam(name);
    if (gr == NULL) failf(step, errno != 0 ? errno : ENOENT, "no such group: %s", name);
    return gr->gr_gid;
}

/* --groups A,B,...: added to the supplementary groups. */
static void add_extra_groups(void) {
    const char *p = opt_groups;
    int added = 0;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t) (comma - p) : strlen(p);
        char name[256];
        if (len == 0 || len >= sizeof name) failf("groups", EINVAL, "bad --groups list: %s", opt_groups);
        memcpy(name, p, len);
        name[len] = '\0';
        gid_t gid = resolve_group("groups", name);
        if (!is_member(gid)) {
            if (added++ == MAX_EXTRA_GROUPS) failf("groups", E2BIG, "more than %d --groups", MAX_EXTRA_GROUPS);
            groups[n_groups++] = gid;
        }
        p += len;
        if (*p == ',') p++;
    }
}

/* The identity the service runs as, resolved once (before any namespace: user and group names are the host's). */
static bool have_uid, have_gid, set_groups;
static uid_t target_uid;
static gid_t target_gid;

static void resolve_credentials(void) {
    char user_name[256] = "";

    if (opt_user != NULL) {
        long number;
        struct passwd *pw;
        errno = 0;
        if (parse_number(opt_user, UINT_MAX - 1, &number)) {
            pw = getpwuid((uid_t) number); /* may be NULL: a bare uid is allowed */
            target_uid = (uid_t) number;
        } else {
            pw = getpwnam(opt_user);
            if (pw == NULL) failf("user", ENOENT, "no such user: %s", opt_user);
            target_uid = pw->pw_uid;
        }
        if (pw != NULL) {
            /* Copied: getgrnam below may reuse getpw*'s static storage. */
            if (strlen(pw->pw_name) >= sizeof user_name) failf("user", ENAMETOOLONG, "user name too long");
            strcpy(user_name, pw->pw_name);
            target_gid = pw->pw_gid;
            have_gid = true;
        }
        have_uid = true;
    }
    if (opt_group != NULL) {
        target_gid = resolve_group("group", opt_group);
        have_gid = true;
    }
    if (have_uid && !have_gid) {
        /* Falling back to our own gid would keep root's group 0. */
        failf("group", EINVAL, "uid %u has no passwd entry: give --group", (unsigned) target_uid);
    }
    set_groups = have_uid || have_gid || opt_groups != NULL;
    if (!set_groups) return;

    if (user_name[0] != '\0') {
        int n = NGROUPS_MAX;
        if (getgrouplist(user_name, target_gid, groups, &n) < 0) {
            failf("initgroups", E2BIG, "user %s is in more than %d groups", user_name, NGROUPS_MAX);
        }
        n_groups = n;
    }
    if (opt_groups != NULL) add_extra_groups();
}

static void set_supplementary_groups(void) {
    if (set_groups && setgroups((size_t) n_groups, groups) < 0) fail("setgroups", errno);
}

/* Switches to uid and gid, and checks what the kernel says: a service never runs as root by mistake. */
static void set_ids(bool set_uid, uid_t uid, bool set_gid, gid_t gid) {
    if (set_gid && setresgid(gid, gid, gid) < 0) fail("setgid", errno);
    if (set_uid && setresuid(uid, uid, uid) < 0) fail("setuid", errno);
    if (set_gid) {
        gid_t r, e, s;
        if (getresgid(&r, &e, &s) < 0 || r != gid || e != gid || s != gid) {
            failf("setgid", EPERM, "gid is not %u after setgid", (unsigned) gid);
        }
    }
    if (set_uid) {
        uid_t r, e, s;
        if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid) {
            failf("setuid", EPERM, "uid is not %u after setuid", (unsigned) uid);
        }
        if (uid != 0 && setuid(0) == 0) failf("setuid", EPERM, "could become root again after setuid(%u)", (unsigned) uid);
    }
}

// ---------------------------------------------------------------- isolation

static bool mount_namespace_needed(void) {
    return (opt_unshare & (CLONE_NEWNS | CLONE_NEWPID)) || opt_private_tmp || opt_protect != PROTECT_NO || n_binds > 0;
}

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

/* Taken first, as the manager's identity in the host's namespaces: a source under /tmp stays reachable after
   private-tmp covers /tmp, and a user namespace's root need not be able to reach it. Kernels before 5.2 have no
   open_tree: there the source is bound by its path, inside. */
static void open_bind_sources(void) {
    for (int i = 0; i < n_binds; i++) {
        struct bind *b = &binds[i];
        struct stat st;
        if (b->source[0] != '/' || b->target[0] != '/') {
            failf("bind-mount", EINVAL, "not an absolute path: %s -> %s", b->source, b->target);
        }
        if (stat(b->source, &st) < 0) failf("bind-mount", errno, "%s: %s", b->source, strerror(errno));
        b->directory = S_ISDIR(st.st_mode);
        b->tree = (int) syscall(SYS_open_tree, AT_FDCWD, b->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (b->tree < 0 && errno != ENOSYS) failf("bind-mount", errno, "%s: %s", b->source, strerror(errno));
    }
}

/* The parent's half of the user namespace: uid 0 inside is the service's user outside, gid 0 its group; setgroups
   denied (the supplementary groups were set before the clone and stay). Only a process outside may write these. */
static void write_id_maps(pid_t child) {
    char path[64], map[64];
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned) (have_uid ? target_uid : geteuid()));
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int) child);
    write_file("uid-map", path, map);
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int) child);
    write_file("gid-map", path, "deny");
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned) (have_gid ? target_gid : getegid()));
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int) child);
    write_file("gid-map", path, map);
}

/*
 * pid and user namespaces need a new process: clone into all the namespaces at once (the user namespace first, so it
 * owns the others). The child returns and becomes the service (PID 1 of its pid namespace). The parent stays
 * outside: it writes the id maps, lets the child go on, reports the child's pid and exits, so that the manager (a
 * child subreaper) adopts the service.
 */
static void fork_into_namespaces(void) {
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0) fail("fork", errno);
    pid_t child = (pid_t) syscall(SYS_clone, (unsigned long) opt_unshare | SIGCHLD, NULL, NULL, NULL, NULL);
    if (child < 0) {
        int err = errno;
        failf("unshare", err, "clone into namespaces: %s", strerror(err));
    }
    if (child == 0) {
        char byte;
        close(go[1]);
        ssize_t n;
        while ((n = read(go[0], &byte, 1)) < 0 && errno == EINTR) {}
        if (n != 1) _exit(127); /* the parent failed and reported it */
        close(go[0]);
        return;
    }
    close(go[0]);
    /* A failure here exits: the child then reads EOF on go and exits too. */
    if (opt_unshare & CLONE_NEWUSER) write_id_maps(child);
    char line[32];
    int n = snprintf(line, sizeof line, "pid %d\n", (int) child);
    write_all(report_fd >= 0 ? report_fd : STDERR_FILENO, line, (size_t) n);
    if (write(go[1], "x", 1) != 1) {
        kill(child, SIGKILL);
        fail("fork", errno);
    }
    _exit(0);
}

/* Octal escapes of /proc/self/mountinfo (\040 for a space) decoded in place. */
static void unescape(char *s) {
    char *out = s;
    for (char *in = s; *in != '\0'; in++) {
        if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' && in[3] >= '0' && in[3] <= '7') {
            *out++ = (char) ((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
            in += 3;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
}

static bool is_under(const char *path, const char *prefix) {
    if (strcmp(prefix, "/") == 0) return true;
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Remounts one mount read-only, keeping its other flags (a bind remount resets what it is not given). */
static void remount_read_only(const char *path) {
    struct statvfs st;
    if (statvfs(path, &st) < 0) {
        /* Gone meanwhile, or a FUSE mount that refuses even root: the service cannot reach it either. */
        if (errno == ENOENT || errno == EACCES) return;
        failf("protect-system", errno, "%s: %s", path, strerror(errno));
    }
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
    if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    if (!(st.f_flag & (ST_NOATIME | ST_RELATIME))) flags |= MS_STRICTATIME;
    if (mount(NULL, path, NULL, flags, NULL) < 0) {
        if (errno == ENOENT || errno == EACCES) return;
        failf("protect-system", errno, "read-only %s: %s", path, strerror(errno));
    }
}

/* Every mount at or under one of roots, but not under one of keep, made read-only. */
static void make_read_only(const char *const *roots, int n_roots, const char *const *keep, int n_keep_paths) {
    FILE *mounts = fopen("/proc/self/mountinfo", "re");
    if (mounts == NULL) failf("protect-system", errno, "/proc/self/mountinfo: %s", strerror(errno));
    char *line = NULL;
    size_t size = 0;
    while (getline(&line, &size, mounts) > 0) {
        /* ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ... */
        char *field = line, *point = NULL;
        for (int i = 0; i < 5 && field != NULL; i++) {
            char *space = strchr(field, ' ');
            if (i == 4) {
                if (space != NULL) *space = '\0';
                point = field;
            }
            field = space != NULL ? space + 1 : NULL;
        }
        if (point == NULL) continue;
        unescape(point);
        bool in = false, kept = false;
        for (int i = 0; i < n_roots; i++) in |= is_under(point, roots[i]);
        for (int i = 0; i < n_keep_paths; i++) kept |= is_under(point, keep[i]);
        if (in && !kept) remount_read_only(point);
    }
    free(line);
    fclose(mounts);
}

static void make_mount_point(const char *path, bool directory) {
    char partial[PATH_MAX];
    if (strlen(path) >= sizeof partial) failf("bind-mount", ENAMETOOLONG, "%s", path);
    strcpy(partial, path);
    for (char *slash = strchr(partial + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(partial, 0755) < 0 && errno != EEXIST) failf("bind-mount", errno, "mkdir %s: %s", partial, strerror(errno));
        *slash = '/';
    }
    if (directory) {
        if (mkdir(partial, 0755) < 0 && errno != EEXIST) failf("bind-mount", errno, "mkdir %s: %s", partial, strerror(errno));
    } else {
        int fd = open(partial, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EISDIR) failf("bind-mount", errno, "create %s: %s", partial, strerror(errno));
        if (fd >= 0) close(fd);
    }
}

static void private_tmp(const char *path) {
    struct stat st;
    if (strcmp(path, "/tmp") != 0 && stat(path, &st) < 0) return; /* /var/tmp only where there is one */
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0) {
        failf("private-tmp", errno, "tmpfs on %s: %s", path, strerror(errno));
    }
}

static void set_up_mounts(void) {
    /* First of all: nothing mounted from here on reaches the host (slave: the host's new mounts still come in). */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) fail("mount-propagation", errno);
    if (opt_private_tmp) {
        private_tmp("/tmp");
        private_tmp("/var/tmp");
    }
    for (int i = 0; i < n_binds; i++) {
        struct bind *b = &binds[i];
        make_mount_point(b->target, b->directory);
        int r = b->tree >= 0 ? (int) syscall(SYS_move_mount, b->tree, "", AT_FDCWD, b->target, MOVE_MOUNT_F_EMPTY_PATH)
                             : mount(b->source, b->target, NULL, MS_BIND | MS_REC, NULL);
        if (r < 0) failf("bind-mount", errno, "%s -> %s: %s", b->source, b->target, strerror(errno));
        if (!b->writable) {
            const char *roots[] = {b->target};
            make_read_only(roots, 1, NULL, 0);
        }
        if (b->tree >= 0) close(b->tree);
    }
    if (opt_protect != PROTECT_NO) {
        /* As systemd's ProtectSystem=: yes /usr /boot /efi; full also /etc; strict all but the API file systems. */
        const char *system[] = {"/usr", "/boot", "/efi", "/etc"};
        const char *everything[] = {"/"};
        const char *const *roots = opt_protect == PROTECT_STRICT ? everything : system;
        int n_roots = opt_protect == PROTECT_STRICT ? 1 : opt_protect == PROTECT_FULL ? 4 : 3;
        const char *keep[MAX_BINDS + 5];
        int n_kept = 0;
        if (opt_protect == PROTECT_STRICT) {
            keep[n_kept++] = "/dev";
            keep[n_kept++] = "/proc";
            keep[n_kept++] = "/sys";
        }
        if (opt_private_tmp) {
            keep[n_kept++] = "/tmp";
            keep[n_kept++] = "/var/tmp";
        }
        for (int i = 0; i < n_binds; i++) {
            if (binds[i].writable) keep[n_kept++] = binds[i].target;
        }
        /* A directory that is not a mount point of its own becomes one, so that it can be remounted. */
        for (int i = 0; opt_protect != PROTECT_STRICT && i < n_roots; i++) {
            struct stat st;
            if (stat(roots[i], &st) < 0) continue;
            if (mount(roots[i], roots[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
                failf("protect-system", errno, "bind %s: %s", roots[i], strerror(errno));
            }
        }
        make_read_only(roots, n_roots, keep, n_kept);
    }
    if (opt_unshare & CLONE_NEWPID) {
        /* The service's /proc shows its own pid namespace. */
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) fail("proc", errno);
    }
}

static void loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("loopback", errno);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) fail("loopback", errno);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) fail("loopback", errno);
    close(fd);
}

/* The bounding set: the most the service and everything it execs can ever hold. Dropped capabilities also leave
   the inheritable and ambient sets, which execve would otherwise carry past the bound. */
static void bound_capabilities(void) {
    int last = CAP_LAST_CAP;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f != NULL) {
        if (fscanf(f, "%d", &last) != 1) last = CAP_LAST_CAP;
        fclose(f);
    }
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) < 0) fail("capabilities", errno);
    for (int cap = 0; cap <= last && cap < 64; cap++) {
        if (cap_keep & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
            failf("capabilities", errno, "drop capability %d from the bounding set: %s", cap, strerror(errno));
        }
        data[cap / 32].inheritable &= ~(1U << (cap % 32));
    }
    if (syscall(SYS_capset, &header, data) < 0) fail("capabilities", errno);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail("capabilities", errno);
}

/*
 * Everything the service's isolation asks for, in the order that makes each step possible: bind sources and user
 * lookups in the host's view; namespaces (a fork for pid and user), in a user namespace at once as its uid 0; mounts,
 * hostname and loopback while still privileged in them; the capability bound; then the service's user (without a
 * user namespace).
 */
static void isolate_and_drop_credentials(void) {
    if (mount_namespace_needed()) opt_unshare |= CLONE_NEWNS;
    if (opt_hostname != NULL) opt_unshare |= CLONE_NEWUTS;
    resolve_credentials();
    open_bind_sources();
    bool user_namespace = (opt_unshare & CLONE_NEWUSER) != 0;
    /* Supplementary groups are set before a user namespace: it denies setgroups inside. */
    if (user_namespace) set_supplementary_groups();
    if (opt_unshare & (CLONE_NEWPID | CLONE_NEWUSER)) fork_into_namespaces();
    else if (opt_unshare != 0 && unshare(opt_unshare) < 0) fail("unshare", errno);
    /* uid and gid 0 of the user namespace (the service's user outside) before the mounts: the host's root, which the
       clone still is, is not mapped there, and whatever it would create (a bind mount's target) fails with EOVERFLOW.
       The capabilities in the namespace stay. */
    if (user_namespace) set_ids(true, 0, true, 0);
    if (opt_setsid && getsid(0) != getpid() && setsid() < 0) fail("setsid", errno);
    if (opt_unshare & CLONE_NEWNS) set_up_mounts();
    if (opt_hostname != NULL && sethostname(opt_hostname, strlen(opt_hostname)) < 0) fail("hostname", errno);
    if (opt_unshare & CLONE_NEWNET) loopback_up();
    if (opt_cap_bound) bound_capabilities();
    if (!user_namespace) {
        set_supplementary_groups();
        set_ids(have_uid, target_uid, have_gid, target_gid);
    }
}

static bool is_kept(int fd) {
    if (fd <= STDERR_FILENO || fd == report_fd) return true;
    for (int i = 0; i < n_keep; i++) {
        if (keep_fds[i] == fd) return true;
    }
    for (int i = 0; i < n_rename; i++) {
        if (rename_to[i] == fd) return true;
    }
    return false;
}

static void close_unkept_via_proc(void) {
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) failf("fds", errno, "/proc/self/fd: %s", strerror(errno));
    int dir_fd = dirfd(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        long fd;
        if (parse_number(entry->d_name, INT_MAX, &fd) && fd != dir_fd && !is_kept((int) fd)) close((int) fd);
    }
    closedir(dir);
}

static int smaller_kept_above(int best, int candidate, int fd) {
    return candidate > fd && (best < 0 || candidate < best) ? candidate : best;
}

/* The smallest kept fd above fd, or -1. */
static int next_kept_above(int fd) {
    int best = smaller_kept_above(-1, report_fd, fd);
    for (int i = 0; i < n_keep; i++) best = smaller_kept_above(best, keep_fds[i], fd);
    for (int i = 0; i < n_rename; i++) best = smaller_kept_above(best, rename_to[i], fd);
    return best;
}

static void close_unkept(void) {
    /* close_range over the gaps between kept fds; the kept set is small. */
    int low = STDERR_FILENO + 1;
    for (;;) {
        while (is_kept(low)) low++;
        int next = next_kept_above(low);
        unsigned int high = next < 0 ? ~0U : (unsigned int) next - 1;
        if (close_range((unsigned int) low, high, 0) < 0) {
            if (errno != ENOSYS) fail("fds", errno);
            close_unkept_via_proc(); /* kernels before 5.9 */
            return;
        }
        if (next < 0) return;
        low = next + 1;
    }
}

static void arrange_fds(void) {
    /* A rename onto the report fd moves the report fd out of the way first. */
    int highest = report_fd;
    bool clash = false;
    for (int i = 0; i < n_rename; i++) {
        if (rename_from[i] == report_fd && report_fd >= 0) failf("usage", EINVAL, "--rename-fd from the report fd %d", report_fd);
        if (rename_to[i] == report_fd) clash = true;
        if (rename_to[i] > highest) highest = rename_to[i];
    }
    for (int i = 0; i < n_keep; i++) {
        if (keep_fds[i] > highest) highest = keep_fds[i];
    }
    if (clash && report_fd >= 0) {
        int moved = fcntl(report_fd, F_DUPFD_CLOEXEC, highest + 1);
        if (moved < 0) fail("fds", errno);
        close(report_fd);
        report_fd = moved;
    }
    for (int i = 0; i < n_rename; i++) {
        int from = rename_from[i], to = rename_to[i];
        if (from == to) {
            int flags = fcntl(from, F_GETFD);
            if (flags < 0 || fcntl(from, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
                failf("fds", errno, "--rename-fd %d:%d: %s", from, to, strerror(errno));
            }
            continue;
        }
        if (dup2(from, to) < 0) failf("fds", errno, "--rename-fd %d:%d: %s", from, to, strerror(errno));
        close(from);
    }
    if (opt_close_fds) close_unkept();
}

int main(int argc, char **argv) {
    int exe = parse_options(argc, argv);

    if (report_fd >= 0) {
        int flags = fcntl(report_fd, F_GETFD);
        if (flags < 0 || fcntl(report_fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
            int err = errno;
            int bad = report_fd;
            report_fd = -1;
            failf("usage", err, "--report-fd %d: %s", bad, strerror(err));
        }
    }
    if (usage_error[0] != '\0') failf("usage", EINVAL, "%s", usage_error);
    if (exe >= argc) failf("usage", EINVAL, "no executable after \"--\"");
    const char *path = argv[exe];
    if (path[0] != '/') failf("usage", EINVAL, "the executable must be an absolute path: %s", path);
    /* The program's argv[0] follows its path; without one, the path serves. */
    char **program_argv = exe + 1 < argc ? &argv[exe + 1] : &argv[exe];

    if (opt_cgroup != NULL) join_cgroup();
    reset_signals();
    isolate_and_drop_credentials();
    if (opt_no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("no-new-privs", errno);
    if (opt_chdir != NULL && chdir(opt_chdir) < 0) {
        int err = errno;
        failf("chdir", err, "%s: %s", opt_chdir, strerror(err));
    }
    arrange_fds();

    execve(path, program_argv, environ);
    int err = errno;
    failf("exec", err, "%s: %s", path, strerror(err));
}
