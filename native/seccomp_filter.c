/*
 * The daemon's allow-list: see seccomp_filter.h. Written against the names
 * modern glibc and libuv call (openat, newfstatat, statx, pselect6,
 * epoll_pwait, clone3 ...) on x86-64 and arm64, unlike the C clsync's list of
 * old names that made its filter kill the daemon on current systems (its
 * issues #138, #177). Node.js's JIT needs mprotect and mmap; they stay.
 * Left out on purpose, so they fail: ptrace, mount/umount, pivot_root,
 * chroot, bpf, kexec_*, init_module/finit_module/delete_module, setns,
 * unshare, keyctl/add_key/request_key, perf_event_open, userfaultfd,
 * process_vm_*, open_by_handle_at, io_uring_* (its requests would bypass the
 * filter; libuv falls back to its thread pool), mknod, the set*id family,
 * reboot, swapon, settimeofday and the rest.
 */
#define _GNU_SOURCE
#include "seccomp_filter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define CLSYNC_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CLSYNC_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "--seccomp-filter knows x86-64 and arm64 only"
#endif

static const int allowed[] = {
  /* files and directories */
  SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_preadv, SYS_pwritev, SYS_preadv2, SYS_pwritev2,
  SYS_openat, SYS_openat2, SYS_close, SYS_close_range, SYS_lseek, SYS_fstat, SYS_newfstatat, SYS_statx, SYS_statfs, SYS_fstatfs,
  SYS_faccessat, SYS_faccessat2, SYS_getdents64, SYS_getcwd, SYS_chdir, SYS_fchdir, SYS_renameat, SYS_renameat2, SYS_mkdirat,
  SYS_unlinkat, SYS_linkat, SYS_symlinkat, SYS_readlinkat, SYS_fchmod, SYS_fchmodat, SYS_fchown, SYS_fchownat, SYS_umask,
  SYS_utimensat, SYS_fcntl, SYS_flock, SYS_fsync, SYS_fdatasync, SYS_ftruncate, SYS_truncate, SYS_fallocate, SYS_fadvise64,
  SYS_copy_file_range, SYS_sendfile, SYS_ioctl, SYS_dup, SYS_dup3, SYS_pipe2, SYS_memfd_create, SYS_name_to_handle_at,
  SYS_inotify_init1, SYS_inotify_add_watch, SYS_inotify_rm_watch,
#ifdef SYS_open
  SYS_open, SYS_stat, SYS_lstat, SYS_access, SYS_rename, SYS_mkdir, SYS_rmdir, SYS_unlink, SYS_link, SYS_symlink, SYS_readlink,
  SYS_chmod, SYS_chown, SYS_lchown, SYS_creat, SYS_getdents, SYS_dup2, SYS_pipe, SYS_utimes, SYS_futimesat, SYS_inotify_init,
  SYS_poll, SYS_select, SYS_epoll_create, SYS_epoll_wait, SYS_eventfd, SYS_signalfd, SYS_fork, SYS_vfork, SYS_alarm, SYS_time,
  SYS_getpgrp, SYS_arch_prctl,
#endif
  /* memory (V8 and its JIT) */
  SYS_mmap, SYS_munmap, SYS_mprotect, SYS_mremap, SYS_madvise, SYS_brk, SYS_msync, SYS_mincore, SYS_mlock, SYS_munlock,
  SYS_membarrier, SYS_pkey_alloc, SYS_pkey_free, SYS_pkey_mprotect,
  /* event loop, threads, time */
  SYS_epoll_create1, SYS_epoll_ctl, SYS_epoll_pwait, SYS_epoll_pwait2, SYS_ppoll, SYS_pselect6, SYS_eventfd2, SYS_signalfd4,
  SYS_timerfd_create, SYS_timerfd_settime, SYS_timerfd_gettime, SYS_futex, SYS_set_robust_list, SYS_get_robust_list,
  SYS_set_tid_address, SYS_rseq, SYS_clone, SYS_clone3, SYS_sched_yield, SYS_sched_getaffinity, SYS_sched_getparam,
  SYS_sched_getscheduler, SYS_sched_get_priority_max, SYS_sched_get_priority_min, SYS_getcpu, SYS_nanosleep,
  SYS_clock_nanosleep, SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday, SYS_getitimer, SYS_setitimer,
  SYS_getrandom, SYS_restart_syscall,
  /* signals and processes (children start through clsync-exec) */
  SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_rt_sigpending, SYS_rt_sigtimedwait, SYS_rt_sigsuspend,
  SYS_sigaltstack, SYS_kill, SYS_tgkill, SYS_tkill, SYS_execve, SYS_wait4, SYS_waitid, SYS_exit, SYS_exit_group,
  SYS_getpid, SYS_getppid, SYS_gettid, SYS_setpgid, SYS_getpgid, SYS_getsid, SYS_setsid, SYS_prctl,
  SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid, SYS_getresuid, SYS_getresgid, SYS_getgroups, SYS_capget,
  SYS_getrlimit, SYS_setrlimit, SYS_prlimit64, SYS_getrusage, SYS_getpriority, SYS_setpriority, SYS_sysinfo, SYS_times,
  SYS_uname,
  /* sockets (the privileged helper's channel, syslog, the control socket) */
  SYS_socket, SYS_socketpair, SYS_connect, SYS_accept, SYS_accept4, SYS_bind, SYS_listen, SYS_shutdown, SYS_sendto,
  SYS_recvfrom, SYS_sendmsg, SYS_recvmsg, SYS_sendmmsg, SYS_recvmmsg, SYS_getsockname, SYS_getpeername, SYS_setsockopt,
  SYS_getsockopt,
};

#define N_ALLOWED (sizeof allowed / sizeof *allowed)

int seccomp_install_daemon_filter(void) {
  /* load arch; kill on another; load nr; x32 (x86-64 only) killed; one jeq per allowed call; else EPERM */
  struct sock_filter prog[8 + N_ALLOWED * 2];
  size_t k = 0;
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLSYNC_AUDIT_ARCH, 1, 0);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
  prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
  for (size_t i = 0; i < N_ALLOWED; i++) {
    prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)allowed[i], 0, 1);
    prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
  struct sock_fprog fprog = {.len = (unsigned short)k, .filter = prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
}
