/*
 * clsync-exec: every child of the daemon is started through this helper.
 *
 *   clsync-exec <parent-pid> [<policy option>...] [--via FD] [--hex] -- <program> [<argument>...]
 *
 * With `--hex` every word after `--` is the hex of its bytes: Node's spawn
 * passes arguments as UTF-8 only, and a file name may be any bytes.
 *
 * It exists so that a daemon killed with SIGKILL leaves no child behind:
 * Node cannot set PR_SET_PDEATHSIG between fork and exec, and a handler's own
 * children are out of reach of any per-process setting anyway. So the helper
 *
 *  - is the leader of its process group (the daemon spawns it `detached`),
 *    and runs the program in that same group: a signal the daemon sends to the
 *    group (TERM on a timeout or at exit, KILL after the grace) reaches the
 *    program and its children directly, nothing is forwarded;
 *  - asks the kernel for SIGHUP when its parent dies (PR_SET_PDEATHSIG) and
 *    then SIGKILLs the whole group; <parent-pid> closes the race of a parent
 *    that died before the prctl call, and tells a stray SIGHUP from a real
 *    parent death;
 *  - ends as the program ended: the same exit code, or the same signal
 *    raised on itself, so the daemon sees the true end; a program that could
 *    not be started ends it with 127 (not found) or 126 (any other reason)
 *    and one line "clsync-exec: cannot run ..." on stderr.
 *
 * Standard input, output and error are passed through untouched. The helper
 * waits with every signal blocked (sigwaitinfo), so signals meant for the
 * program do not end the helper first; the program gets the signal mask the
 * helper was started with. Single-threaded, libc only, and free of policy.
 *
 * Policy options (program_policy.h: credentials, capabilities, namespaces,
 * root, devices) are applied to the helper itself before it starts the
 * program, so they hold for the program and everything it starts; the
 * parent-death signal is asked for after them (a change of credentials
 * clears it).
 *
 * `--via FD`: the program is not started here but by the privileged helper
 * (clsync-priv, --splitting=process) listening on FD; this helper passes it
 * its standard input, output and error, its argv, environment and working
 * directory (priv_wire.h), forwards the signals it gets, and ends as the
 * program ended. A helper that dies (even by SIGKILL) closes its end, and
 * the privileged side then kills the program's group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "priv_wire.h"
#include "program_policy.h"

extern char **environ;

/* Our own failures (bad arguments, no fork), told apart from the program's codes as env(1) and timeout(1) do. */
#define EXIT_HELPER_FAILED 125
#define EXIT_NOT_FOUND 127
#define EXIT_CANNOT_RUN 126

/* The signal the kernel sends when the parent dies. */
#define PARENT_DEATH_SIGNAL SIGHUP

static void usage(void) {
  fputs("usage: clsync-exec <parent-pid> [<policy option>...] [--via FD] [--hex] -- <program> [<argument>...]\n", stderr);
  exit(EXIT_HELPER_FAILED);
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Decode each hex word in place (the bytes take half the room); a word that is not hex is a usage error. */
static void decode_hex_words(char **words) {
  for (; *words; words++) {
    char *w = *words;
    size_t n = strlen(w);
    if (n % 2) usage();
    for (size_t i = 0; i < n; i += 2) {
      int hi = hex_digit(w[i]), lo = hex_digit(w[i + 1]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) usage();
      w[i / 2] = (char)(hi << 4 | lo);
    }
    w[n / 2] = '\0';
  }
}

static pid_t parse_pid(const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v <= 0 || v != (pid_t)v) usage();
  return (pid_t)v;
}

/* Kill the whole group (the program, its children, and this helper). */
static void kill_group(void) {
  kill(0, SIGKILL);
  _exit(EXIT_HELPER_FAILED); /* not reached */
}

/* End the way the program ended. */
static void end_like(int status) {
  if (WIFEXITED(status)) exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  /* A program that dumped core already did; the helper must not write a second core. */
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  raise(sig);
  sigprocmask(SIG_UNBLOCK, &one, NULL);
  /* A signal whose default is not to end (cannot happen for a killed program): say so with the shell's code. */
  exit(128 + sig);
}

/* The signals passed on to the program in --via mode (the others end or stop this helper as they would the program). */
static const int forwarded_signals[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGWINCH};

/*
 * --via: hand the program to the privileged helper and stand in for it here.
 * Returns only on a failure of our own.
 */
static int run_via(int via, pid_t parent, char **command, int signals) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    fprintf(stderr, "clsync-exec: socketpair: %s\n", strerror(errno));
    return EXIT_HELPER_FAILED;
  }
  int fds[4] = {pair[1], 0, 1, 2};
  if (wire_send_fds(via, fds, 4) != 0) {
    fprintf(stderr, "clsync-exec: the privileged helper is gone: %s\n", strerror(errno));
    return EXIT_HELPER_FAILED;
  }
  close(pair[1]);
  close(via);
  int sock = pair[0];
  char cwd[4096];
  char *cwd_list[1] = {getcwd(cwd, sizeof cwd) ? cwd : ""};
  uint32_t nargs = 0, nenv = 0;
  while (command[nargs]) nargs++;
  while (environ[nenv]) nenv++;
  if (wire_write_all(sock, WIRE_MAGIC, 4) || wire_put_list(sock, command, nargs) || wire_put_list(sock, environ, nenv) ||
      wire_put_list(sock, cwd_list, 1)) {
    fprintf(stderr, "clsync-exec: cannot reach the privileged helper: %s\n", strerror(errno));
    return EXIT_HELPER_FAILED;
  }
  struct pollfd pfd[2] = {{sock, POLLIN, 0}, {signals, POLLIN, 0}};
  for (;;) {
    if (poll(pfd, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return EXIT_HELPER_FAILED;
    }
    if (pfd[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(signals, &si, sizeof si) == (ssize_t)sizeof si) {
        if (getppid() != parent) return EXIT_HELPER_FAILED; /* closing the socket makes the other side kill the program */
        unsigned char k = 'K';
        if (wire_write_all(sock, &k, 1) || wire_put_u32(sock, si.ssi_signo)) return EXIT_HELPER_FAILED;
      }
    }
    if (pfd[0].revents & (POLLIN | POLLHUP)) {
      unsigned char kind;
      uint32_t value;
      if (wire_read_all(sock, &kind, 1) || wire_get_u32(sock, &value)) {
        fputs("clsync-exec: the privileged helper ended the run without a word\n", stderr);
        return EXIT_HELPER_FAILED;
      }
      if (kind == 'S') end_like((int)value);
      if (kind == 'E') {
        fprintf(stderr, "clsync-exec: cannot run \"%s\": %s\n", command[0], strerror((int)value));
        return value == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
      }
      if (kind == 'R' && value < 65536) {
        char why[65536];
        if (wire_read_all(sock, why, value) == 0) {
          fprintf(stderr, "clsync-exec: the privileged helper refused to run \"%s\": %.*s\n", command[0], (int)value, why);
          return EXIT_CANNOT_RUN;
        }
      }
      return EXIT_HELPER_FAILED;
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 4) usage();
  pid_t parent = parse_pid(argv[1]);
  struct program_policy policy = {0};
  char err[512];
  int i = 2, via = -1, hex = 0;
  while (i < argc && strcmp(argv[i], "--") != 0) {
    int taken = policy_take_option(&policy, argv, argc, &i, err, sizeof err);
    if (taken < 0) {
      fprintf(stderr, "clsync-exec: %s\n", err);
      return EXIT_HELPER_FAILED;
    }
    if (taken) continue;
    if (strcmp(argv[i], "--hex") == 0) hex = 1, i++;
    else if (strcmp(argv[i], "--via") == 0 && i + 1 < argc) via = (int)parse_pid(argv[i + 1]), i += 2;
    else usage();
  }
  if (i + 1 >= argc) usage();
  char **command = argv + i + 1;
  if (hex) decode_hex_words(command);

  /* Lead a process group of our own, so kill_group reaches only what we started. */
  if (getpgrp() != getpid() && setpgid(0, 0) != 0) {
    fprintf(stderr, "clsync-exec: setpgid: %s\n", strerror(errno));
    return EXIT_HELPER_FAILED;
  }

  /* Block everything catchable before anything can arrive: signals stay pending until sigwaitinfo takes them. */
  sigset_t original, all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &original);

  if (!policy_is_empty(&policy) && policy_apply(&policy, NULL, err, sizeof err) != 0) {
    fprintf(stderr, "clsync-exec: cannot confine \"%s\": %s\n", command[0], err);
    return EXIT_CANNOT_RUN;
  }
  if (prctl(PR_SET_PDEATHSIG, PARENT_DEATH_SIGNAL) != 0) {
    fprintf(stderr, "clsync-exec: prctl(PR_SET_PDEATHSIG): %s\n", strerror(errno));
    return EXIT_HELPER_FAILED;
  }
  /* The parent may have died before the prctl: then nobody waits for us, start nothing. */
  if (getppid() != parent) return EXIT_HELPER_FAILED;

  if (via >= 0) {
    sigset_t wanted;
    sigemptyset(&wanted);
    for (size_t k = 0; k < sizeof forwarded_signals / sizeof *forwarded_signals; k++) sigaddset(&wanted, forwarded_signals[k]);
    int signals = signalfd(-1, &wanted, SFD_CLOEXEC);
    if (signals < 0) {
      fprintf(stderr, "clsync-exec: signalfd: %s\n", strerror(errno));
      return EXIT_HELPER_FAILED;
    }
    return run_via(via, parent, command, signals);
  }

  /*
   * vfork: the helper waits until the program has been exec'd (or could not
   * be), and the child's errno comes back through the shared memory; it costs
   * less than fork plus a reporting pipe. The child only calls
   * sigprocmask, execvp and _exit, which is what vfork allows
   * (PR_SET_PDEATHSIG is not inherited: the program is left as it was).
   */
  static volatile int exec_errno;
  pid_t child = vfork();
  if (child < 0) {
    fprintf(stderr, "clsync-exec: vfork: %s\n", strerror(errno));
    return EXIT_HELPER_FAILED;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &original, NULL);
    execvp(command[0], command);
    exec_errno = errno;
    _exit(EXIT_CANNOT_RUN);
  }
  if (exec_errno != 0) {
    waitpid(child, NULL, 0);
    fprintf(stderr, "clsync-exec: cannot run \"%s\": %s\n", command[0], strerror(exec_errno));
    return exec_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
  }

  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGCHLD);
  sigaddset(&wanted, PARENT_DEATH_SIGNAL);
  for (;;) {
    int status;
    pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child) end_like(status);
    if (done < 0 && errno != EINTR) {
      fprintf(stderr, "clsync-exec: waitpid: %s\n", strerror(errno));
      return EXIT_HELPER_FAILED;
    }
    if (getppid() != parent) kill_group();
    /* Other signals (TERM, INT, QUIT ... sent to the group) stay pending: they are the program's to act on. */
    sigwaitinfo(&wanted, NULL);
  }
}
