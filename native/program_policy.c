/* Parsing and applying a program's policy: see program_policy.h. */
#define _GNU_SOURCE
#include "program_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* mount_setattr(2) (Linux 5.12): one call makes a whole mount tree read-only or nodev. */
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NODEV 0x00000004
struct mount_attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static int fail(char *err, size_t errlen, const char *what, const char *arg) {
  snprintf(err, errlen, "%s%s%s: %s", what, arg ? " " : "", arg ? arg : "", strerror(errno));
  return -1;
}

static int bad(char *err, size_t errlen, const char *option, const char *value) {
  snprintf(err, errlen, "bad value for %s: \"%s\"", option, value);
  return -1;
}

static int parse_u32(const char *s, uint32_t *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v > 0xfffffffful) return -1;
  *out = (uint32_t)v;
  return 0;
}

int policy_take_option(struct program_policy *p, char **argv, int argc, int *i, char *err, size_t errlen) {
  const char *opt = argv[*i];
  if (strcmp(opt, "--private-dev") == 0) {
    p->private_dev = 1;
    *i += 1;
    return 1;
  }
  static const char *const with_value[] = {"--as-uid", "--as-gid", "--as-groups", "--ambient", "--unshare", "--root", "--pivot", "--keep-mount", NULL};
  int known = 0;
  for (const char *const *o = with_value; *o; o++) known |= strcmp(opt, *o) == 0;
  if (!known) return 0;
  if (*i + 1 >= argc) return bad(err, errlen, opt, "");
  char *val = argv[*i + 1];
  *i += 2;
  uint32_t n;
  if (strcmp(opt, "--as-uid") == 0) {
    if (parse_u32(val, &n)) return bad(err, errlen, opt, val);
    p->set_uid = 1, p->uid = n;
  } else if (strcmp(opt, "--as-gid") == 0) {
    if (parse_u32(val, &n)) return bad(err, errlen, opt, val);
    p->set_gid = 1, p->gid = n;
  } else if (strcmp(opt, "--as-groups") == 0) {
    p->set_groups = 1, p->ngroups = 0;
    if (strcmp(val, "-") == 0) return 1;
    char *copy = strdup(val), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      if (p->ngroups == POLICY_MAX_GROUPS || parse_u32(t, &n)) {
        free(copy);
        return bad(err, errlen, opt, val);
      }
      p->groups[p->ngroups++] = n;
    }
    free(copy);
  } else if (strcmp(opt, "--ambient") == 0) {
    if (strcmp(val, "keep") == 0) p->ambient = AMBIENT_KEEP;
    else if (strcmp(val, "all") == 0) p->ambient = AMBIENT_ALL;
    else {
      char *end;
      errno = 0;
      p->ambient_mask = strtoull(val, &end, 16);
      if (errno || *val == '\0' || *end != '\0') return bad(err, errlen, opt, val);
      p->ambient = AMBIENT_MASK;
    }
  } else if (strcmp(opt, "--unshare") == 0) {
    char *copy = strdup(val), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      if (strcmp(t, "net") == 0) p->unshare_flags |= CLONE_NEWNET;
      else if (strcmp(t, "ipc") == 0) p->unshare_flags |= CLONE_NEWIPC;
      else if (strcmp(t, "uts") == 0) p->unshare_flags |= CLONE_NEWUTS;
      else {
        free(copy);
        return bad(err, errlen, opt, val);
      }
    }
    free(copy);
  } else if (strcmp(opt, "--root") == 0) {
    if (val[0] != '/') return bad(err, errlen, opt, val);
    p->root = val;
  } else if (strcmp(opt, "--pivot") == 0) {
    if (strcmp(val, "off") == 0) p->pivot = PIVOT_OFF;
    else if (strcmp(val, "direct") == 0) p->pivot = PIVOT_DIRECT;
    else if (strcmp(val, "auto") == 0) p->pivot = PIVOT_AUTO;
    else if (strcmp(val, "auto-ro") == 0) p->pivot = PIVOT_AUTO_RO;
    else return bad(err, errlen, opt, val);
  } else { /* --keep-mount */
    if (p->nkeep == POLICY_MAX_KEEP || val[0] != '/') return bad(err, errlen, opt, val);
    p->keep[p->nkeep++] = val;
  }
  return 1;
}

int policy_is_empty(const struct program_policy *p) {
  return !p->set_uid && !p->set_gid && !p->set_groups && p->ambient == AMBIENT_NONE_SET && !p->unshare_flags && !p->root &&
         !p->private_dev;
}

/* Every mount below `from` gets `attr` (recursively); a kernel without mount_setattr gets a plain bind remount of `from`. */
static int set_mount_attr(const char *from, uint64_t attr, unsigned long fallback_flags) {
  struct mount_attr a = {.attr_set = attr};
  if (syscall(SYS_mount_setattr, AT_FDCWD, from, AT_RECURSIVE, &a, sizeof a) == 0) return 0;
  if (errno != ENOSYS) return -1;
  return mount(NULL, from, NULL, MS_REMOUNT | MS_BIND | fallback_flags, NULL);
}

/* Decode the octal escapes (\040 for a space) of a /proc/self/mountinfo field, in place. */
static void unescape_mount_path(char *s) {
  char *out = s;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
      s += 3;
    } else {
      *out++ = *s;
    }
  }
  *out = '\0';
}

static int is_kept(const struct program_policy *p, const char *mount_point) {
  for (size_t k = 0; k < p->nkeep; k++)
    if (strcmp(p->keep[k], mount_point) == 0) return 1;
  return 0;
}

static int by_length_desc(const void *a, const void *b) {
  return (int)(strlen(*(char *const *)b) - strlen(*(char *const *)a));
}

/* After the pivot: detach every mount but "/" and the kept ones, deepest first. */
static int unmount_others(const struct program_policy *p, char *err, size_t errlen) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return 0; /* no /proc in the new root: nothing visible to list, nothing to keep apart */
  char *line = NULL, **points = NULL;
  size_t cap = 0, n = 0, room = 0;
  while (getline(&line, &cap, f) > 0) {
    char *save = NULL, *field = strtok_r(line, " ", &save);
    for (int k = 1; field && k < 5; k++) field = strtok_r(NULL, " ", &save);
    if (!field) continue;
    unescape_mount_path(field);
    if (strcmp(field, "/") == 0 || is_kept(p, field)) continue;
    if (n == room) points = realloc(points, (room = room ? room * 2 : 32) * sizeof *points);
    points[n++] = strdup(field);
  }
  free(line);
  fclose(f);
  qsort(points, n, sizeof *points, by_length_desc);
  int rc = 0;
  for (size_t k = 0; k < n; k++) {
    if (rc == 0 && umount2(points[k], MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) rc = fail(err, errlen, "umount", points[k]);
    free(points[k]);
  }
  free(points);
  return rc;
}

static int enter_root(const struct program_policy *p, char *err, size_t errlen) {
  if (p->pivot == PIVOT_OFF) {
    if (chroot(p->root) != 0) return fail(err, errlen, "chroot", p->root);
    return chdir("/") == 0 ? 0 : fail(err, errlen, "chdir", "/");
  }
  if (p->pivot == PIVOT_AUTO || p->pivot == PIVOT_AUTO_RO) {
    if (mount(p->root, p->root, NULL, MS_BIND | MS_REC, NULL) != 0) return fail(err, errlen, "bind mount", p->root);
    if (p->pivot == PIVOT_AUTO_RO && set_mount_attr(p->root, MOUNT_ATTR_RDONLY, MS_RDONLY) != 0)
      return fail(err, errlen, "read-only remount", p->root);
  }
  /* pivot_root(".", "."): the old root ends up stacked on the new one, and is detached at once (no put_old directory). */
  if (chdir(p->root) != 0) return fail(err, errlen, "chdir", p->root);
  if (syscall(SYS_pivot_root, ".", ".") != 0) return fail(err, errlen, "pivot_root", p->root);
  if (umount2(".", MNT_DETACH) != 0) return fail(err, errlen, "detach the old root", NULL);
  if (chdir("/") != 0) return fail(err, errlen, "chdir", "/");
  return p->nkeep ? unmount_others(p, err, errlen) : 0;
}

/* Only these device nodes stay usable (those the C clsync's cgroup lets through). */
static const char *const allowed_devices[] = {"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/console"};
#define N_ALLOWED_DEVICES (sizeof allowed_devices / sizeof *allowed_devices)

/* Clear nodev on one mount (the bind mount of an allowed node). */
static int allow_devices_on(const char *path) {
  struct mount_attr a = {.attr_clr = MOUNT_ATTR_NODEV};
  if (syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &a, sizeof a) == 0) return 0;
  if (errno != ENOSYS) return -1;
  return mount(NULL, path, NULL, MS_REMOUNT | MS_BIND, NULL);
}

/*
 * Every mount nodev, so that no device node anywhere (the tree, /tmp, /dev)
 * can be opened; the allowed nodes of /dev are bind-mounted onto
 * themselves first and get their own mount back without nodev. /dev's other
 * mounts (/dev/shm, /dev/pts) stay where they are.
 */
static int private_dev(char *err, size_t errlen) {
  int bound[N_ALLOWED_DEVICES] = {0};
  struct stat st;
  for (size_t k = 0; k < N_ALLOWED_DEVICES; k++) {
    if (lstat(allowed_devices[k], &st) != 0 || !S_ISCHR(st.st_mode)) continue;
    if (mount(allowed_devices[k], allowed_devices[k], NULL, MS_BIND, NULL) != 0) return fail(err, errlen, "bind mount", allowed_devices[k]);
    bound[k] = 1;
  }
  if (set_mount_attr("/", MOUNT_ATTR_NODEV, MS_NODEV) != 0) return fail(err, errlen, "nodev remount", "/");
  for (size_t k = 0; k < N_ALLOWED_DEVICES; k++)
    if (bound[k] && allow_devices_on(allowed_devices[k]) != 0) return fail(err, errlen, "allow devices on", allowed_devices[k]);
  return 0;
}

static int set_capabilities(uint64_t permitted, uint64_t effective, uint64_t inheritable) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {
      {(uint32_t)effective, (uint32_t)permitted, (uint32_t)inheritable},
      {(uint32_t)(effective >> 32), (uint32_t)(permitted >> 32), (uint32_t)(inheritable >> 32)},
  };
  return (int)syscall(SYS_capset, &hdr, data);
}

static uint64_t permitted_capabilities(void) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) != 0) return 0;
  return (uint64_t)data[1].permitted << 32 | data[0].permitted;
}

/* The program (not root) keeps exactly `mask` of what is permitted now, as ambient capabilities that survive its exec. */
static int keep_ambient(uint64_t mask, char *err, size_t errlen) {
  uint64_t keep = mask & permitted_capabilities();
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return fail(err, errlen, "clear ambient capabilities", NULL);
  if (set_capabilities(keep, keep, keep) != 0) return fail(err, errlen, "capset", NULL);
  for (int cap = 0; cap < 64; cap++)
    if (keep >> cap & 1 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) return fail(err, errlen, "raise an ambient capability", NULL);
  return 0;
}

int policy_apply(const struct program_policy *p, const char *cwd, char *err, size_t errlen) {
  int mounts = p->root || p->private_dev;
  if (p->unshare_flags || mounts) {
    if (unshare(p->unshare_flags | (mounts ? CLONE_NEWNS : 0)) != 0) return fail(err, errlen, "unshare", NULL);
  }
  if (mounts && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return fail(err, errlen, "make mounts private", NULL);
  if (p->root && enter_root(p, err, errlen) != 0) return -1;
  if (p->private_dev && private_dev(err, errlen) != 0) return -1;
  if (p->root && cwd && chdir(cwd) != 0 && chdir("/") != 0) return fail(err, errlen, "chdir", "/");

  uint64_t ambient = p->ambient == AMBIENT_ALL ? permitted_capabilities() : p->ambient_mask;
  int switch_user = p->set_uid && p->uid != geteuid();
  if (switch_user && p->ambient != AMBIENT_NONE_SET && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return fail(err, errlen, "keep capabilities", NULL);
  if (p->set_groups && setgroups(p->ngroups, p->groups) != 0) return fail(err, errlen, "setgroups", NULL);
  if (p->set_gid && setresgid(p->gid, p->gid, p->gid) != 0) return fail(err, errlen, "setresgid", NULL);
  if (p->set_uid && setresuid(p->uid, p->uid, p->uid) != 0) return fail(err, errlen, "setresuid", NULL);
  if (geteuid() != 0 && (p->ambient == AMBIENT_MASK || p->ambient == AMBIENT_ALL)) return keep_ambient(ambient, err, errlen);
  return 0;
}
