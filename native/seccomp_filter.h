/*
 * The system-call allow-list of the unprivileged daemon (--seccomp-filter),
 * installed by clsync-priv right before it execs Node.js: a single-threaded
 * process, so the filter holds for every thread Node.js will start. Calls
 * not on the list fail with EPERM; a process of another architecture (or
 * the x32 ABI) is killed.
 */
#ifndef CLSYNC_SECCOMP_FILTER_H
#define CLSYNC_SECCOMP_FILTER_H

/* Install it (sets no_new_privs first). Returns 0 or -1 with errno. */
int seccomp_install_daemon_filter(void);

#endif
