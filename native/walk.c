/*
 * One breadth-first level of a directory walk, run in the libuv thread pool.
 *
 * Shape (why): whether to descend into or watch a directory is policy (user
 * rules), which lives in JS. So JS hands over one level at a time — a list of
 * absolute directory paths, each with flags — and gets back, per directory,
 * the watch descriptor (or -errno) and its entries, all packed in one Buffer
 * (no JS object per entry). JS filters the entries and sends the next level:
 * the number of round trips is the depth of the tree, not its size.
 *
 * Per directory, in this order:
 *   open(O_DIRECTORY|O_NOFOLLOW) -> [fstat: same device?] -> [add watch] -> [read]
 * The watch is added before the directory is read, so an entry created during
 * the read is either listed or reported by an event — never missed.
 *
 * The tree is written by users the daemon must not trust: one can swap a
 * directory for a symlink (to /etc, say) while the walk runs. So the
 * directory is opened with openat2(RESOLVE_NO_SYMLINKS): no component of the
 * path is followed (the watch dir itself is given as its real path), and the
 * watch goes on the directory that was opened (/proc/self/fd/N), not on the
 * path again. A symlink in an ancestor means the directory is not where the
 * walk thought it was any more: reported as -ENOENT (gone; JS looks for it
 * under its parent's current path); the directory itself a symlink: -ELOOP.
 * Kernels before 5.6 (no openat2): open(O_NOFOLLOW) and the watch on the path,
 * as before.
 * Entry types come from getdents64's d_type; lstat only when it is DT_UNKNOWN.
 *
 * Input:  paths  = concatenation of NUL-terminated absolute paths (bytes)
 *         flags  = one byte per path: WALK_WATCH | WALK_READ | WALK_LIST_FILES | WALK_SAME_DEV
 *                  | WALK_LIST_LINKED (regular files with more than one link
 *                  are listed, lstat'ed for it, with DT_LINKED added to d_type)
 * Output: per path a 16-byte header { int32 wd, int32 status, uint32 listed,
 *         uint32 others } (little endian) then `listed` entries { u8 d_type,
 *         u8 name length, name bytes }.
 *         wd: >0 watch, 0 not asked, <0 -errno of inotify_add_watch.
 *         status: 0 read, <0 -errno of open/getdents, 1 on another device.
 *         others: entries that are not directories and were not listed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include "clsync_native.h"

#define WALK_WATCH 1
#define WALK_READ 2
#define WALK_LIST_FILES 4
#define WALK_SAME_DEV 8
#define WALK_LIST_LINKED 16

/* Added to d_type: a regular file with more than one link (with WALK_LIST_LINKED). */
#define DT_LINKED 0x80

#define DENTS_BUF (64 * 1024)

typedef struct {
  /* input (owned copies: the JS buffers may move or die meanwhile) */
  char *paths;
  size_t paths_len;
  uint8_t *flags;
  size_t count;
  int ino_fd; /* dup of the inotify fd, or -1 */
  uint32_t mask;
  dev_t dev;
  /* output */
  char *out;
  size_t out_len, out_cap;
  int oom;
  napi_async_work work;
  napi_deferred deferred;
} walk_t;

static int reserve(walk_t *w, size_t n) {
  if (w->out_cap - w->out_len >= n) return 1;
  size_t cap = w->out_cap ? w->out_cap : 64 * 1024;
  while (cap - w->out_len < n) cap *= 2;
  char *nb = realloc(w->out, cap);
  if (!nb) return 0;
  w->out = nb;
  w->out_cap = cap;
  return 1;
}

static void put_u32(char *p, uint32_t v) { memcpy(p, &v, 4); } /* x86/arm LE */

/* Is the entry a directory? Uses d_type; lstat only for DT_UNKNOWN. */
static unsigned char entry_type(int dfd, struct dirent64 *d) {
  if (d->d_type != DT_UNKNOWN) return d->d_type;
  struct stat st;
  if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return DT_UNKNOWN;
  if (S_ISDIR(st.st_mode)) return DT_DIR;
  if (S_ISREG(st.st_mode)) return DT_REG;
  if (S_ISLNK(st.st_mode)) return DT_LNK;
  return DT_UNKNOWN;
}

/* Read one directory's entries after its header at offset `hdr`. */
static int read_entries(walk_t *w, int dfd, size_t hdr, int list_files, int list_linked, char *dents) {
  uint32_t listed = 0, others = 0;
  for (;;) {
    ssize_t n = getdents64(dfd, dents, DENTS_BUF);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      struct dirent64 *d = (struct dirent64 *)(dents + off);
      off += d->d_reclen;
      const char *nm = d->d_name;
      if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
      unsigned char type = entry_type(dfd, d);
      if (type == DT_REG && list_linked) {
        struct stat st;
        if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1) type |= DT_LINKED;
      }
      if (type != DT_DIR && !(type & DT_LINKED) && !list_files) {
        others++;
        continue;
      }
      size_t len = strlen(nm); /* NAME_MAX is 255: fits the u8 length */
      if (!reserve(w, len + 2)) {
        w->oom = 1;
        return -ENOMEM;
      }
      w->out[w->out_len] = (char)type;
      w->out[w->out_len + 1] = (char)(uint8_t)len;
      memcpy(w->out + w->out_len + 2, nm, len);
      w->out_len += len + 2;
      listed++;
    }
  }
  put_u32(w->out + hdr + 8, listed);
  put_u32(w->out + hdr + 12, others);
  return 0;
}

/* 0: not known yet, 1: openat2 works, -1: ENOSYS (kernel < 5.6) */
static int have_openat2 = 0;

/*
 * Open the directory at `path` without following a symlink in any component.
 * Sets *by_fd when the result may be watched through /proc/self/fd.
 */
static int open_dir_nofollow(const char *path, int *by_fd) {
  *by_fd = 0;
  if (have_openat2 >= 0) {
    struct open_how how = {
      .flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
      .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) {
      have_openat2 = 1;
      if (fd >= 0) {
        *by_fd = 1;
        return fd;
      }
      if (errno != ELOOP) return -1;
      /* ELOOP: the directory itself is a symlink, or an ancestor is one (then it is not here) */
      char *parent = strdup(path);
      char *slash = parent ? strrchr(parent, '/') : NULL;
      int ancestor = 0;
      if (slash && slash != parent) {
        *slash = 0;
        struct open_how up = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                               .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
        int pfd = (int)syscall(SYS_openat2, AT_FDCWD, parent, &up, sizeof up);
        if (pfd >= 0) close(pfd);
        else ancestor = 1;
      }
      free(parent);
      errno = ancestor ? ENOENT : ELOOP;
      return -1;
    }
    have_openat2 = -1;
  }
  return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Watch the directory open as `dfd` (by_fd), else the path; -errno on failure. */
static int add_watch(walk_t *w, int dfd, int by_fd, const char *path) {
  if (by_fd) {
    char proc[32];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", dfd);
    /* the magic link must be followed to reach the directory: no IN_DONT_FOLLOW here */
    int wd = inotify_add_watch(w->ino_fd, proc, w->mask & ~IN_DONT_FOLLOW);
    if (wd >= 0 || errno != ENOENT) return wd >= 0 ? wd : -errno;
    /* no /proc mounted: fall back to the path */
  }
  int wd = inotify_add_watch(w->ino_fd, path, w->mask);
  return wd >= 0 ? wd : -errno;
}

static void walk_one(walk_t *w, const char *path, uint8_t flags, char *dents) {
  if (!reserve(w, 16)) {
    w->oom = 1;
    return;
  }
  size_t hdr = w->out_len;
  w->out_len += 16;
  int32_t wd = 0, status = 0;
  memset(w->out + hdr, 0, 16);

  int by_fd;
  int dfd = open_dir_nofollow(path, &by_fd);
  if (dfd < 0) {
    status = -errno;
  } else {
    struct stat st;
    if ((flags & WALK_SAME_DEV) && fstat(dfd, &st) == 0 && st.st_dev != w->dev) {
      status = 1;
    } else {
      if ((flags & WALK_WATCH) && w->ino_fd >= 0) {
        wd = add_watch(w, dfd, by_fd, path);
      }
      if (flags & WALK_READ) status = read_entries(w, dfd, hdr, flags & WALK_LIST_FILES, flags & WALK_LIST_LINKED, dents);
    }
    close(dfd);
  }
  /* out may have moved during read_entries: write through the offset */
  memcpy(w->out + hdr, &wd, 4);
  memcpy(w->out + hdr + 4, &status, 4);
}

static void walk_execute(napi_env env, void *data) {
  (void)env;
  walk_t *w = data;
  char *dents = malloc(DENTS_BUF);
  if (!dents) {
    w->oom = 1;
    return;
  }
  const char *p = w->paths;
  for (size_t i = 0; i < w->count && !w->oom; i++) {
    walk_one(w, p, w->flags[i], dents);
    p += strlen(p) + 1;
  }
  free(dents);
}

static void walk_free(walk_t *w) {
  if (w->ino_fd >= 0) close(w->ino_fd);
  free(w->paths);
  free(w->flags);
  free(w->out);
  free(w);
}

static void walk_complete(napi_env env, napi_status status, void *data) {
  walk_t *w = data;
  napi_value result;
  if (status != napi_ok || w->oom) {
    napi_value msg;
    napi_create_string_utf8(env, w->oom ? "walk: out of memory" : "walk: cancelled",
                            NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &result);
    napi_reject_deferred(env, w->deferred, result);
  } else {
    void *dst;
    if (napi_create_buffer_copy(env, w->out_len, w->out ? w->out : "", &dst, &result) == napi_ok)
      napi_resolve_deferred(env, w->deferred, result);
    else {
      napi_value msg;
      napi_create_string_utf8(env, "walk: cannot create result buffer", NAPI_AUTO_LENGTH, &msg);
      napi_create_error(env, NULL, msg, &result);
      napi_reject_deferred(env, w->deferred, result);
    }
  }
  napi_delete_async_work(env, w->work);
  walk_free(w);
}

/* walkLevel(inotify: handle|null, paths: Buffer, flags: Uint8Array, mask, dev): Promise<Buffer> */
static napi_value js_walk_level(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) THROW_RET(env, "walkLevel(inotify, paths, flags, mask, dev): missing arguments");

  char *paths;
  size_t paths_len;
  if (napi_get_buffer_info(env, argv[1], (void **)&paths, &paths_len) != napi_ok)
    THROW_RET(env, "walkLevel: paths must be a Buffer");
  napi_typedarray_type tt;
  size_t count;
  void *flags;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, argv[2], &tt, &count, &flags, &ab, &off) != napi_ok ||
      tt != napi_uint8_array)
    THROW_RET(env, "walkLevel: flags must be a Uint8Array");
  size_t nuls = 0;
  for (size_t i = 0; i < paths_len; i++) nuls += paths[i] == 0;
  if (nuls != count || (paths_len > 0 && paths[paths_len - 1] != 0))
    THROW_RET(env, "walkLevel: paths must hold one NUL-terminated path per flag");
  uint32_t mask;
  NAPI_OK(env, napi_get_value_uint32(env, argv[3], &mask));
  double dev;
  NAPI_OK(env, napi_get_value_double(env, argv[4], &dev));

  int ino_fd = -1;
  napi_valuetype vt;
  NAPI_OK(env, napi_typeof(env, argv[0], &vt));
  if (vt == napi_external) {
    int fd = inotify_reader_fd(env, argv[0]);
    /* dup: the instance stays alive until the walk ends even if closed meanwhile */
    if (fd >= 0) ino_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  }

  walk_t *w = calloc(1, sizeof *w);
  if (!w) THROW_RET(env, "walk: out of memory");
  w->paths = malloc(paths_len ? paths_len : 1);
  w->flags = malloc(count ? count : 1);
  if (!w->paths || !w->flags) {
    w->ino_fd = ino_fd;
    walk_free(w);
    THROW_RET(env, "walk: out of memory");
  }
  memcpy(w->paths, paths, paths_len);
  memcpy(w->flags, flags, count);
  w->paths_len = paths_len;
  w->count = count;
  w->ino_fd = ino_fd;
  w->mask = mask;
  w->dev = (dev_t)dev;

  napi_value promise, name;
  NAPI_OK(env, napi_create_promise(env, &w->deferred, &promise));
  napi_create_string_utf8(env, "clsync-walk", NAPI_AUTO_LENGTH, &name);
  NAPI_OK(env, napi_create_async_work(env, NULL, name, walk_execute, walk_complete, w, &w->work));
  NAPI_OK(env, napi_queue_async_work(env, w->work));
  return promise;
}

napi_status register_walk(napi_env env, napi_value exports) {
  return define_fn(env, exports, "walkLevel", js_walk_level);
}
