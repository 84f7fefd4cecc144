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
 *
 * On any failure: one line "STEP ERRNO MESSAGE\n" on the report fd (stderr without one), then _exit(127).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

#define MAX_FD_OPTIONS 256
#define MAX_EXTRA_GROUPS 256

static int report_fd = -1;

static const char *opt_chdir, *opt_user, *opt_group, *opt_groups;
static bool opt_setsid, opt_close_fds, opt_no_new_privs;
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

/* Parses the options; returns the index of the executable. A usage error is recorded, not reported, so that it
   can go to the report fd once that is known. */
static int parse_options(int argc, char **argv) {
    int i = 1;
    for (; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--") == 0) return i + 1;
        bool takes_value = strcmp(opt, "--report-fd") == 0 || strcmp(opt, "--chdir") == 0
                || strcmp(opt, "--user") == 0 || strcmp(opt, "--group") == 0 || strcmp(opt, "--groups") == 0
                || strcmp(opt, "--keep-fd") == 0 || strcmp(opt, "--rename-fd") == 0;
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
        } else {
            usage("unknown option: %s", opt);
            return argc;
        }
    }
    usage("missing \"--\" before the executable");
    return argc;
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

static void drop_credentials(void) {
    bool have_uid = false, have_gid = false;
    uid_t uid = 0;
    gid_t gid = 0;
    char user_name[256] = "";

    if (opt_user != NULL) {
        long number;
        struct passwd *pw;
        errno = 0;
        if (parse_number(opt_user, UINT_MAX - 1, &number)) {
            pw = getpwuid((uid_t) number); /* may be NULL: a bare uid is allowed */
            uid = (uid_t) number;
        } else {
            pw = getpwnam(opt_user);
            if (pw == NULL) failf("user", ENOENT, "no such user: %s", opt_user);
            uid = pw->pw_uid;
        }
        if (pw != NULL) {
            /* Copied: getgrnam below may reuse getpw*'s static storage. */
            if (strlen(pw->pw_name) >= sizeof user_name) failf("user", ENAMETOOLONG, "user name too long");
            strcpy(user_name, pw->pw_name);
            gid = pw->pw_gid;
            have_gid = true;
        }
        have_uid = true;
    }
    if (opt_group != NULL) {
        gid = resolve_group("group", opt_group);
        have_gid = true;
    }
    if (have_uid && !have_gid) {
        /* Falling back to our own gid would keep root's group 0. */
        failf("group", EINVAL, "uid %u has no passwd entry: give --group", (unsigned) uid);
    }
    if (!have_uid && !have_gid && opt_groups == NULL) return;

    if (user_name[0] != '\0') {
        int n = NGROUPS_MAX;
        if (getgrouplist(user_name, gid, groups, &n) < 0) {
            failf("initgroups", E2BIG, "user %s is in more than %d groups", user_name, NGROUPS_MAX);
        }
        n_groups = n;
    }
    if (opt_groups != NULL) add_extra_groups();

    if (setgroups((size_t) n_groups, groups) < 0) fail("setgroups", errno);
    if (have_gid && setresgid(gid, gid, gid) < 0) fail("setgid", errno);
    if (have_uid && setresuid(uid, uid, uid) < 0) fail("setuid", errno);

    /* Never run a service as root by mistake: check what the kernel says, and that root cannot come back. */
    if (have_gid) {
        gid_t r, e, s;
        if (getresgid(&r, &e, &s) < 0 || r != gid || e != gid || s != gid) {
            failf("setgid", EPERM, "gid is not %u after setgid", (unsigned) gid);
        }
    }
    if (have_uid) {
        uid_t r, e, s;
        if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid) {
            failf("setuid", EPERM, "uid is not %u after setuid", (unsigned) uid);
        }
        if (uid != 0 && setuid(0) == 0) failf("setuid", EPERM, "could become root again after setuid(%u)", (unsigned) uid);
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

    reset_signals();
    if (opt_setsid && getsid(0) != getpid() && setsid() < 0) fail("setsid", errno);
    drop_credentials();
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
