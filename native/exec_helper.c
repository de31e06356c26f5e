/*
 * clsync-exec: every child of the daemon is started through this helper.
 *
 *   clsync-exec <parent-pid> [--hex] -- <program> [<argument>...]
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
 * helper was started with. Single-threaded, libc only, and free of policy:
 * a later release adds dropping capabilities and seccomp here, before the
 * fork, where they hold for the program and everything it starts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Our own failures (bad arguments, no fork), told apart from the program's codes as env(1) and timeout(1) do. */
#define EXIT_HELPER_FAILED 125
#define EXIT_NOT_FOUND 127
#define EXIT_CANNOT_RUN 126

/* The signal the kernel sends when the parent dies. */
#define PARENT_DEATH_SIGNAL SIGHUP

static void usage(void) {
  fputs("usage: clsync-exec <parent-pid> [--hex] -- <program> [<argument>...]\n", stderr);
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

int main(int argc, char **argv) {
  int hex = argc >= 5 && strcmp(argv[2], "--hex") == 0;
  if (argc < 4 + hex || strcmp(argv[2 + hex], "--") != 0) usage();
  pid_t parent = parse_pid(argv[1]);
  char **command = argv + 3 + hex;
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

  if (prctl(PR_SET_PDEATHSIG, PARENT_DEATH_SIGNAL) != 0) {
    fprintf(stderr, "clsync-exec: prctl(PR_SET_PDEATHSIG): %s\n", strerror(errno));
    return EXIT_HELPER_FAILED;
  }
  /* The parent may have died before the prctl: then nobody waits for us, start nothing. */
  if (getppid() != parent) return EXIT_HELPER_FAILED;

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
