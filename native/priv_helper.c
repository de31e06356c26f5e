/*
 * clsync-priv: starts the daemon with fewer rights, and (with --server) keeps
 * a privileged helper beside it that runs the daemon's programs.
 *
 *   clsync-priv [<option>...] -- <node> <daemon argument>...
 *
 * The daemon (TypeScript) decides everything and execs this program (same
 * pid) before it starts anything: Node.js is multi-threaded, and
 * capabilities, no_new_privs, unshare and seccomp hold only for the thread
 * that sets them, so they must be set here, single-threaded, before Node.js
 * is exec'd again. In this order:
 *
 *  1. `--unshare-all net,ipc,uts`: new namespaces for the daemon and the
 *     helper alike (so also for the programs).
 *  2. `--server`: a SOCK_SEQPACKET socketpair; a child is forked that stays
 *     as it is (or becomes `--privileged-uid/gid`, keeping its
 *     capabilities), dies with the daemon (PR_SET_PDEATHSIG, and the
 *     channel's end), and runs programs on request: for each request it forks
 *     a session that reads argv, environment and working directory, checks
 *     them (`--check`: the argv must match an `--allow` pattern,
 *     argv_pattern.h; the working directory one of `--allow-cwd`; of the
 *     environment only CLSYNC_* variables are taken, the rest is the
 *     helper's own), starts the program in a process group of its own with
 *     the program policy (program_policy.h options given here), relays
 *     signals to that group, and answers how it ended. The daemon's end of
 *     the channel becomes fd 3 (CLSYNC_PRIVILEGED_FD=3 in its environment).
 *  3. The daemon: `--daemon-unshare`, `--daemon-groups/gid/uid` with the
 *     capabilities in `--daemon-caps` (hex mask) kept as ambient
 *     capabilities (the only way they survive the exec of Node.js as
 *     another user), `--no-new-privs`, `--seccomp` (seccomp_filter.h), then
 *     exec.
 *
 * Everything printed here is one line, "clsync-priv: ...", and a failure
 * before the exec ends with 125, nothing started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argv_pattern.h"
#include "priv_wire.h"
#include "program_policy.h"
#include "seccomp_filter.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

#define EXIT_FAILED 125
#define DAEMON_CHANNEL_FD 3
#define MAX_ALLOWED 4096

extern char **environ;

static void die(const char *what, const char *arg) {
  fprintf(stderr, "clsync-priv: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
  exit(EXIT_FAILED);
}

static void usage(const char *why) {
  fprintf(stderr, "clsync-priv: %s\nusage: clsync-priv [<option>...] -- <program> [<argument>...]\n", why);
  exit(EXIT_FAILED);
}

static uint32_t parse_id(const char *s) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v > 0xfffffffful) usage("bad id");
  return (uint32_t)v;
}

/* --- the launcher's settings --------------------------------------------- */

static struct {
  int unshare_all, daemon_unshare;
  int set_uid, set_gid, set_groups;
  uid_t uid;
  gid_t gid;
  size_t ngroups;
  gid_t groups[64];
  uint64_t caps;
  int no_new_privs, seccomp;
  int server, check;
  int set_priv_uid, set_priv_gid;
  uid_t priv_uid;
  gid_t priv_gid;
  size_t nallowed, ncwds;
  struct argv_pattern *allowed[MAX_ALLOWED];
  const char *cwds[64];
  struct program_policy policy;
} cfg;

static int unshare_flags(const char *list) {
  struct program_policy tmp = {0};
  char *argv[] = {"--unshare", (char *)list, NULL};
  int i = 0;
  char err[256];
  if (policy_take_option(&tmp, argv, 2, &i, err, sizeof err) != 1) usage(err);
  return tmp.unshare_flags;
}

static int parse_options(int argc, char **argv) {
  int i = 1;
  char err[512];
  while (i < argc && strcmp(argv[i], "--") != 0) {
    int taken = policy_take_option(&cfg.policy, argv, argc, &i, err, sizeof err);
    if (taken < 0) usage(err);
    if (taken) continue;
    const char *o = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int flag = 1;
    if (strcmp(o, "--server") == 0) cfg.server = 1;
    else if (strcmp(o, "--check") == 0) cfg.check = 1;
    else if (strcmp(o, "--no-new-privs") == 0) cfg.no_new_privs = 1;
    else if (strcmp(o, "--seccomp") == 0) cfg.seccomp = 1;
    else flag = 0;
    if (flag) {
      i++;
      continue;
    }
    if (!v) usage("an option lacks its value");
    if (strcmp(o, "--unshare-all") == 0) cfg.unshare_all = unshare_flags(v);
    else if (strcmp(o, "--daemon-unshare") == 0) cfg.daemon_unshare = unshare_flags(v);
    else if (strcmp(o, "--daemon-uid") == 0) cfg.set_uid = 1, cfg.uid = parse_id(v);
    else if (strcmp(o, "--daemon-gid") == 0) cfg.set_gid = 1, cfg.gid = parse_id(v);
    else if (strcmp(o, "--daemon-groups") == 0) {
      cfg.set_groups = 1;
      if (strcmp(v, "-") != 0) {
        char *copy = strdup(v), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
          if (cfg.ngroups == 64) usage("too many groups");
          cfg.groups[cfg.ngroups++] = parse_id(t);
        }
      }
    } else if (strcmp(o, "--daemon-caps") == 0) {
      char *end;
      cfg.caps = strtoull(v, &end, 16);
      if (*v == '\0' || *end != '\0') usage("bad --daemon-caps");
    } else if (strcmp(o, "--privileged-uid") == 0) cfg.set_priv_uid = 1, cfg.priv_uid = parse_id(v);
    else if (strcmp(o, "--privileged-gid") == 0) cfg.set_priv_gid = 1, cfg.priv_gid = parse_id(v);
    else if (strcmp(o, "--allow") == 0) {
      if (cfg.nallowed == MAX_ALLOWED) usage("too many --allow");
      if (!(cfg.allowed[cfg.nallowed++] = argv_pattern_parse(v))) usage("bad --allow pattern");
    } else if (strcmp(o, "--allow-cwd") == 0) {
      if (cfg.ncwds == 64) usage("too many --allow-cwd");
      cfg.cwds[cfg.ncwds++] = v;
    } else {
      fprintf(stderr, "clsync-priv: unknown option %s\n", o);
      exit(EXIT_FAILED);
    }
    i += 2;
  }
  if (i + 1 >= argc) usage("no program after --");
  return i + 1;
}

/* --- a session: one program run for the daemon ----------------------------- */

static void refuse(int sock, const char *fmt, const char *arg) {
  char why[1024];
  int n = snprintf(why, sizeof why, fmt, arg);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof why) n = sizeof why - 1;
  fprintf(stderr, "clsync-priv: refused: %s\n", why);
  unsigned char kind = 'R';
  wire_write_all(sock, &kind, 1);
  wire_put_u32(sock, (uint32_t)n);
  wire_write_all(sock, why, (size_t)n);
  _exit(EXIT_FAILED);
}

static void reply(int sock, unsigned char kind, uint32_t value) {
  wire_write_all(sock, &kind, 1);
  wire_put_u32(sock, value);
}

/* The program's environment under --check: the helper's own, plus the CLSYNC_* variables of the request. */
static char **checked_environment(char **requested, char **own) {
  size_t n = 0, k = 0;
  for (char **e = own; *e; e++) n++;
  for (char **e = requested; *e; e++) n++;
  char **env = calloc(n + 1, sizeof *env);
  for (char **e = own; *e; e++)
    if (strncmp(*e, "CLSYNC_", 7) != 0) env[k++] = *e;
  for (char **e = requested; *e; e++)
    if (strncmp(*e, "CLSYNC_", 7) == 0 && strchr(*e, '=')) env[k++] = *e;
  return env;
}

static int cwd_allowed(const char *cwd) {
  for (size_t k = 0; k < cfg.ncwds; k++)
    if (strcmp(cfg.cwds[k], cwd) == 0) return 1;
  return 0;
}

static int argv_allowed(char **argv) {
  for (size_t k = 0; k < cfg.nallowed; k++)
    if (argv_pattern_match(cfg.allowed[k], argv)) return 1;
  return 0;
}

static void run_session(int sock, const int stdio[3]) {
  signal(SIGCHLD, SIG_DFL);
  char magic[4];
  size_t budget = WIRE_MAX_REQUEST;
  uint32_t nargs, nenv, ncwd;
  char **argv, **env, **cwd;
  if (wire_read_all(sock, magic, 4) || memcmp(magic, WIRE_MAGIC, 4) || !(argv = wire_get_list(sock, &nargs, &budget)) ||
      !(env = wire_get_list(sock, &nenv, &budget)) || !(cwd = wire_get_list(sock, &ncwd, &budget)) || nargs == 0 || ncwd != 1)
    _exit(EXIT_FAILED); /* not our exec helper: nothing to answer */
  if (cfg.check) {
    if (!argv_allowed(argv)) refuse(sock, "\"%s\" with these arguments is not a registered handler or hook (--check-execvp-arguments)", argv[0]);
    if (cwd[0][0] && !cwd_allowed(cwd[0])) refuse(sock, "working directory \"%s\" is not registered (--check-execvp-arguments)", cwd[0]);
    env = checked_environment(env, environ);
  }

  sigset_t chld, none;
  sigemptyset(&chld);
  sigemptyset(&none);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sigchld = signalfd(-1, &chld, SFD_CLOEXEC);
  int report[2];
  if (sigchld < 0 || pipe2(report, O_CLOEXEC) != 0) _exit(EXIT_FAILED);
  pid_t child = fork();
  if (child < 0) {
    reply(sock, 'E', (uint32_t)errno);
    _exit(EXIT_FAILED);
  }
  if (child == 0) {
    setpgid(0, 0);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int k = 0; k < 3; k++)
      if (dup2(stdio[k], k) < 0) _exit(EXIT_FAILED);
    char err[512];
    int code = 0;
    if (!policy_is_empty(&cfg.policy) && policy_apply(&cfg.policy, cwd[0][0] ? cwd[0] : NULL, err, sizeof err) != 0) {
      fprintf(stderr, "clsync-priv: cannot confine \"%s\": %s\n", argv[0], err);
      code = EPERM;
    } else if (!cfg.policy.root && cwd[0][0] && chdir(cwd[0]) != 0) {
      code = errno;
      fprintf(stderr, "clsync-priv: cannot enter the working directory \"%s\" for \"%s\": %s\n", cwd[0], argv[0], strerror(code));
    } else {
      execvpe(argv[0], argv, env);
      code = errno;
    }
    wire_write_all(report[1], &code, sizeof code);
    _exit(EXIT_FAILED);
  }
  close(report[1]);
  for (int k = 0; k < 3; k++) close(stdio[k]);
  int code;
  if (wire_read_all(report[0], &code, sizeof code) == 0) {
    waitpid(child, NULL, 0);
    reply(sock, 'E', (uint32_t)code);
    _exit(0);
  }
  struct pollfd pfd[2] = {{sock, POLLIN, 0}, {sigchld, POLLIN, 0}};
  for (;;) {
    int status;
    if (waitpid(child, &status, WNOHANG) == child) {
      reply(sock, 'S', (uint32_t)status);
      _exit(0);
    }
    if (poll(pfd, 2, -1) < 0 && errno != EINTR) break;
    if (pfd[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      (void)!read(sigchld, &si, sizeof si);
    }
    if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      unsigned char kind;
      uint32_t sig;
      if (wire_read_all(sock, &kind, 1) || wire_get_u32(sock, &sig)) break; /* the exec helper died: so does the program */
      if (kind == 'K' && sig > 0 && sig < (uint32_t)NSIG) kill(-child, (int)sig);
    }
  }
  kill(-child, SIGKILL);
  waitpid(child, NULL, 0);
  _exit(0);
}

/* --- the privileged helper ------------------------------------------------- */

static void serve(int channel, pid_t daemon) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("prctl(PR_SET_PDEATHSIG)", NULL);
  if (getppid() != daemon) _exit(0);
  /* Ctrl-C at a terminal reaches the whole foreground group: the daemon decides, its helper stays until it is gone. */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGCHLD, SIG_IGN); /* sessions are reaped by the kernel */
  if (cfg.set_priv_gid && setresgid(cfg.priv_gid, cfg.priv_gid, cfg.priv_gid) != 0) die("setresgid", NULL);
  if (cfg.set_priv_uid && cfg.priv_uid != geteuid()) {
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || setresuid(cfg.priv_uid, cfg.priv_uid, cfg.priv_uid) != 0) die("setresuid", NULL);
    /* keep every capability it had: raise the effective set again */
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0) die("capget", NULL);
    data[0].effective = data[0].permitted, data[1].effective = data[1].permitted;
    if (syscall(SYS_capset, &hdr, data) != 0) die("capset", NULL);
  }
  for (;;) {
    int fds[WIRE_MAX_FDS];
    int n = wire_recv_fds(channel, fds);
    if (n == 0) _exit(0); /* the daemon is gone */
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(0);
    }
    if (n != 4) {
      for (int k = 0; k < n; k++) close(fds[k]);
      continue;
    }
    pid_t session = fork();
    if (session == 0) {
      close(channel);
      run_session(fds[0], fds + 1);
    }
    for (int k = 0; k < n; k++) close(fds[k]);
  }
}

/* --- the daemon's side ------------------------------------------------------ */

static void drop_daemon_rights(void) {
  if (cfg.daemon_unshare && unshare(cfg.daemon_unshare) != 0) die("unshare", NULL);
  int switch_user = cfg.set_uid && cfg.uid != geteuid();
  if (switch_user && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) die("prctl(PR_SET_KEEPCAPS)", NULL);
  if (cfg.set_groups && setgroups(cfg.ngroups, cfg.groups) != 0) die("setgroups", NULL);
  if (cfg.set_gid && setresgid(cfg.gid, cfg.gid, cfg.gid) != 0) die("setresgid", NULL);
  if (cfg.set_uid && setresuid(cfg.uid, cfg.uid, cfg.uid) != 0) die("setresuid", NULL);
  if (switch_user) {
    /* exactly the kept capabilities: permitted, effective, inheritable, and ambient so that they survive exec */
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {
        {(uint32_t)cfg.caps, (uint32_t)cfg.caps, (uint32_t)cfg.caps},
        {(uint32_t)(cfg.caps >> 32), (uint32_t)(cfg.caps >> 32), (uint32_t)(cfg.caps >> 32)},
    };
    if (syscall(SYS_capset, &hdr, data) != 0) die("capset", NULL);
    for (int cap = 0; cap < 64; cap++)
      if (cfg.caps >> cap & 1 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) die("raise an ambient capability", NULL);
  }
  if (cfg.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("prctl(PR_SET_NO_NEW_PRIVS)", NULL);
  if (cfg.seccomp && seccomp_install_daemon_filter() != 0) die("seccomp", NULL);
}

int main(int argc, char **argv) {
  int first = parse_options(argc, argv);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (cfg.unshare_all && unshare(cfg.unshare_all) != 0) die("unshare", NULL);
  if (cfg.server) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) != 0) die("socketpair", NULL);
    pid_t daemon = getpid();
    pid_t helper = fork();
    if (helper < 0) die("fork", NULL);
    if (helper == 0) {
      close(pair[0]);
      if (fcntl(pair[1], F_SETFD, FD_CLOEXEC) != 0) die("fcntl", NULL);
      serve(pair[1], daemon);
    }
    close(pair[1]);
    if (pair[0] != DAEMON_CHANNEL_FD) {
      if (dup2(pair[0], DAEMON_CHANNEL_FD) < 0) die("dup2", NULL);
      close(pair[0]);
    }
    setenv("CLSYNC_PRIVILEGED_FD", "3", 1);
  }
  drop_daemon_rights();
  execv(argv[first], argv + first);
  die("exec", argv[first]);
}
