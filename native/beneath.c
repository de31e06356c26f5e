/*
 * Path operations beneath a directory fd that never follow a symlink.
 *
 * Why: the destination is written by rsync, which mirrors the symlinks a
 * hostile writer of the source planted. A plain path such as "dst/L/x" runs
 * through such a link; a rename or removal by the daemon (root) must not.
 * Every relative path is resolved with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) from a root fd opened once,
 * and the last component is acted on with *at calls that do not follow it
 * either (renameat2, unlinkat, openat O_NOFOLLOW). Linux >= 5.6; glibc may
 * lack an openat2 wrapper, so the syscall is called directly.
 *
 * Mechanism only: results are 0, an fd, or -errno; the caller decides.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include "clsync_native.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Ours, not the kernel's: rename only when `from` is a directory (else -ENOTDIR). */
#define RENAME_ONLY_DIRECTORY (1u << 30)

#define BENEATH_RESOLVE (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* Longest relative path accepted (as the kernel's PATH_MAX). */
#define REL_MAX 4096

/* A directory beneath root_fd ("" = root_fd itself), never through a symlink: an O_PATH fd or -errno. */
static int open_dir_beneath(int root_fd, const char *rel) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = BENEATH_RESOLVE;
  long fd = syscall(SYS_openat2, root_fd, rel[0] ? rel : ".", &how, sizeof how);
  return fd < 0 ? -errno : (int)fd;
}

/*
 * Split `path` (NUL-terminated, in a writable buffer) at its last '/': the
 * parent in `path` ("" at the top) and the base name returned. NULL when the
 * base is not a plain name ("", ".", "..").
 */
static char *split_base(char *path) {
  char *slash = strrchr(path, '/');
  char *base = slash ? slash + 1 : path;
  if (slash) *slash = 0;
  if (!base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) return NULL;
  return base;
}

/* The parent directory fd of `path` (modified in place) and its base name; -errno when either is bad. */
static int open_parent(int root_fd, char *path, char **base) {
  char *b = split_base(path);
  if (!b) return -EINVAL;
  *base = b;
  const char *parent = b == path ? "" : path;
  return open_dir_beneath(root_fd, parent);
}

/* Copy a JS Buffer argument into `out` (REL_MAX bytes) with a NUL; 0 or -errno. */
static int get_rel(napi_env env, napi_value v, char *out) {
  char *data;
  size_t len;
  if (napi_get_buffer_info(env, v, (void **)&data, &len) != napi_ok) return -EINVAL;
  if (len >= REL_MAX) return -ENAMETOOLONG;
  if (memchr(data, 0, len)) return -EINVAL;
  memcpy(out, data, len);
  out[len] = 0;
  if (out[0] == '/') return -EINVAL; /* relative paths only; openat2 would refuse it anyway */
  return 0;
}

static napi_value int_value(napi_env env, int v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

/* dirOpen(path: Buffer): fd | -errno. The path is the admin's (trusted): symlinks in it are followed. */
static napi_value js_dir_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *data;
  size_t len;
  if (argc < 1 || napi_get_buffer_info(env, argv[0], (void **)&data, &len) != napi_ok) THROW_RET(env, "dirOpen(path: Buffer)");
  char *path = malloc(len + 1);
  if (!path) THROW_RET(env, "dirOpen: out of memory");
  memcpy(path, data, len);
  path[len] = 0;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int err = errno;
  free(path);
  return int_value(env, fd < 0 ? -err : fd);
}

/* fdClose(fd): 0 | -errno */
static napi_value js_fd_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) THROW_RET(env, "fdClose(fd: number)");
  return int_value(env, close(fd) == 0 ? 0 : -errno);
}

/* beneathAvailable(rootFd): 0 when openat2 resolves beneath it, -ENOSYS on kernels before 5.6, other -errno. */
static napi_value js_beneath_available(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) THROW_RET(env, "beneathAvailable(rootFd: number)");
  int d = open_dir_beneath(fd, "");
  if (d < 0) return int_value(env, d);
  close(d);
  return int_value(env, 0);
}

/* renameBeneath(rootFd, from: Buffer, to: Buffer, flags): 0 | -errno (renameat2 flags) */
static napi_value js_rename_beneath(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t root_fd;
  uint32_t flags;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || napi_get_value_int32(env, argv[0], &root_fd) != napi_ok || napi_get_value_uint32(env, argv[3], &flags) != napi_ok)
    THROW_RET(env, "renameBeneath(rootFd, from: Buffer, to: Buffer, flags)");
  char from[REL_MAX], to[REL_MAX];
  int err = get_rel(env, argv[1], from);
  if (!err) err = get_rel(env, argv[2], to);
  if (err) return int_value(env, err);
  char *from_base, *to_base;
  int from_dir = open_parent(root_fd, from, &from_base);
  if (from_dir < 0) return int_value(env, from_dir);
  int to_dir = open_parent(root_fd, to, &to_base);
  if (to_dir < 0) {
    close(from_dir);
    return int_value(env, to_dir);
  }
  long r = 0;
  if (flags & RENAME_ONLY_DIRECTORY) {
    /* a directory rename replayed: whatever else stands at `from` now (a symlink rsync mirrored) stays */
    struct stat st;
    if (fstatat(from_dir, from_base, &st, AT_SYMLINK_NOFOLLOW) != 0) r = -1;
    else if (!S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      r = -1;
    }
  }
  /* renameat2 never follows the last component of either path */
  if (r == 0) r = syscall(SYS_renameat2, from_dir, from_base, to_dir, to_base, flags & ~RENAME_ONLY_DIRECTORY);
  err = r == 0 ? 0 : -errno;
  close(from_dir);
  close(to_dir);
  return int_value(env, err);
}

/* ---- looking without following: the source tree ---- */

/*
 * statBeneath(rootFd, path: Buffer, out: Float64Array(5 or 16)): 0 | -errno.
 * lstat of `path` (relative; "" = root) with no symlink followed in any
 * component: out = [st_mode, st_nlink, st_dev, st_ino, st_size], and when
 * `out` has room for 16 (modification signatures need every field):
 * [..., st_uid, st_gid, st_rdev, st_blksize, st_blocks, atime s, atime ns,
 * mtime s, mtime ns, ctime s, ctime ns].
 * ELOOP/ENOTDIR: an ancestor is a symlink or not a directory; ENOENT: gone.
 */
static napi_value js_stat_beneath(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t root_fd;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &root_fd) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array || length < 5)
    THROW_RET(env, "statBeneath(rootFd, path: Buffer, out: Float64Array(5))");
  char rel[REL_MAX];
  int err = get_rel(env, argv[1], rel);
  if (err) return int_value(env, err);
  struct stat st;
  if (!rel[0]) {
    err = fstat(root_fd, &st) == 0 ? 0 : -errno;
  } else {
    char *base;
    int dfd = open_parent(root_fd, rel, &base);
    if (dfd < 0) return int_value(env, dfd);
    err = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
    close(dfd);
  }
  if (err) return int_value(env, err);
  double *out = data;
  out[0] = st.st_mode;
  out[1] = (double)st.st_nlink;
  out[2] = (double)st.st_dev;
  out[3] = (double)st.st_ino;
  out[4] = (double)st.st_size;
  if (length >= 16) {
    out[5] = st.st_uid;
    out[6] = st.st_gid;
    out[7] = (double)st.st_rdev;
    out[8] = st.st_blksize;
    out[9] = (double)st.st_blocks;
    out[10] = (double)st.st_atim.tv_sec;
    out[11] = st.st_atim.tv_nsec;
    out[12] = (double)st.st_mtim.tv_sec;
    out[13] = st.st_mtim.tv_nsec;
    out[14] = (double)st.st_ctim.tv_sec;
    out[15] = st.st_ctim.tv_nsec;
  }
  return int_value(env, 0);
}

/*
 * listBeneath(rootFd, path: Buffer): Buffer | -errno. The entries of the
 * directory at `path`, opened with no symlink followed in any component,
 * packed as { u8 d_type, u8 name length, name bytes } ("." and ".." left out).
 */
static napi_value js_list_beneath(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t root_fd;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_int32(env, argv[0], &root_fd) != napi_ok) THROW_RET(env, "listBeneath(rootFd, path: Buffer)");
  char rel[REL_MAX];
  int err = get_rel(env, argv[1], rel);
  if (err) return int_value(env, err);
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = BENEATH_RESOLVE;
  int dfd = (int)syscall(SYS_openat2, root_fd, rel[0] ? rel : ".", &how, sizeof how);
  if (dfd < 0) return int_value(env, -errno);
  size_t cap = 4096, len = 0;
  char *out = malloc(cap);
  char *dents = malloc(32768);
  if (!out || !dents) {
    free(out);
    free(dents);
    close(dfd);
    THROW_RET(env, "listBeneath: out of memory");
  }
  for (;;) {
    long n = syscall(SYS_getdents64, dfd, dents, 32768);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) err = -errno;
      break;
    }
    for (long off = 0; off < n;) {
      struct dirent64 *d = (struct dirent64 *)(dents + off);
      off += d->d_reclen;
      const char *nm = d->d_name;
      if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
      size_t nl = strlen(nm);
      if (nl > 255) continue; /* cannot happen on Linux (NAME_MAX) */
      if (len + 2 + nl > cap) {
        char *bigger = realloc(out, cap * 2 + nl);
        if (!bigger) {
          err = -ENOMEM;
          break;
        }
        out = bigger;
        cap = cap * 2 + nl;
      }
      out[len++] = (char)d->d_type;
      out[len++] = (char)nl;
      memcpy(out + len, nm, nl);
      len += nl;
    }
    if (err) break;
  }
  free(dents);
  close(dfd);
  napi_value result;
  if (err) {
    free(out);
    return int_value(env, err);
  }
  void *copy;
  napi_status st = napi_create_buffer_copy(env, len, len ? out : "", &copy, &result);
  free(out);
  if (st != napi_ok) THROW_RET(env, "listBeneath: cannot create a buffer");
  return result;
}

/* ---- recursive removal, in the thread pool ---- */

#define REMOVE_DENTS 4096

/* Remove everything in the directory `dfd` (not following symlinks); 0 or the first -errno. */
static int empty_dir(int dfd) {
  char *buf = malloc(REMOVE_DENTS);
  if (!buf) return -ENOMEM;
  int err = 0;
  for (;;) {
    /* entries are removed while the directory is read: read from the start again until none is left */
    if (lseek(dfd, 0, SEEK_SET) < 0) {
      err = -errno;
      break;
    }
    int removed = 0, failed = 0;
    for (;;) {
      long n = syscall(SYS_getdents64, dfd, buf, REMOVE_DENTS);
      if (n < 0) {
        if (errno == EINTR) continue;
        err = -errno;
        break;
      }
      if (n == 0) break;
      for (long off = 0; off < n;) {
        struct dirent64 *d = (struct dirent64 *)(buf + off);
        off += d->d_reclen;
        const char *nm = d->d_name;
        if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
        int e = 0;
        if (unlinkat(dfd, nm, 0) != 0) {
          e = errno;
          if (e == EISDIR || e == EPERM) {
            int sub = openat(dfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
              if (errno != ENOTDIR) e = errno; /* ENOTDIR: not a directory after all, keep unlink's error */
            } else {
              int r = empty_dir(sub);
              close(sub);
              e = r < 0 ? -r : (unlinkat(dfd, nm, AT_REMOVEDIR) == 0 ? 0 : errno);
            }
          }
        }
        if (e == 0) removed++;
        else if (e != ENOENT) {
          failed++;
          if (!err) err = -e;
        }
      }
      if (err) break;
    }
    if (err || !removed || failed) break;
  }
  free(buf);
  return err;
}

/* Remove `base` in the directory `dfd`: a non-directory, or a directory with its content. */
static int remove_at(int dfd, const char *base) {
  if (unlinkat(dfd, base, 0) == 0) return 0;
  if (errno != EISDIR && errno != EPERM) return -errno;
  int sub = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub < 0) return -errno;
  int err = empty_dir(sub);
  close(sub);
  if (err) return err;
  return unlinkat(dfd, base, AT_REMOVEDIR) == 0 ? 0 : -errno;
}

typedef struct {
  int root_fd;
  char path[REL_MAX];
  int result;
  napi_async_work work;
  napi_deferred deferred;
} remove_t;

static void remove_execute(napi_env env, void *data) {
  (void)env;
  remove_t *r = data;
  char *base;
  int dfd = open_parent(r->root_fd, r->path, &base);
  if (dfd < 0) {
    r->result = dfd;
    return;
  }
  r->result = remove_at(dfd, base);
  close(dfd);
}

static void remove_complete(napi_env env, napi_status status, void *data) {
  remove_t *r = data;
  napi_value v;
  napi_create_int32(env, status == napi_ok ? r->result : -ECANCELED, &v);
  napi_resolve_deferred(env, r->deferred, v);
  napi_delete_async_work(env, r->work);
  close(r->root_fd);
  free(r);
}

/* removeBeneath(rootFd, path: Buffer): Promise<0 | -errno> */
static napi_value js_remove_beneath(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t root_fd;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_int32(env, argv[0], &root_fd) != napi_ok) THROW_RET(env, "removeBeneath(rootFd, path: Buffer)");
  remove_t *r = calloc(1, sizeof *r);
  if (!r) THROW_RET(env, "removeBeneath: out of memory");
  r->result = get_rel(env, argv[1], r->path);
  /* dup: the root stays open until the removal ends even if the caller closes it meanwhile */
  r->root_fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (r->root_fd < 0 && !r->result) r->result = -errno;
  napi_value promise, name;
  if (napi_create_promise(env, &r->deferred, &promise) != napi_ok) {
    if (r->root_fd >= 0) close(r->root_fd);
    free(r);
    THROW_RET(env, "removeBeneath: cannot create a promise");
  }
  if (r->result) {
    napi_resolve_deferred(env, r->deferred, int_value(env, r->result));
    if (r->root_fd >= 0) close(r->root_fd);
    free(r);
    return promise;
  }
  napi_create_string_utf8(env, "clsync-remove", NAPI_AUTO_LENGTH, &name);
  NAPI_OK(env, napi_create_async_work(env, NULL, name, remove_execute, remove_complete, r, &r->work));
  NAPI_OK(env, napi_queue_async_work(env, r->work));
  return promise;
}

napi_status register_beneath(napi_env env, napi_value exports) {
  napi_status st;
  if ((st = define_fn(env, exports, "dirOpen", js_dir_open)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "fdClose", js_fd_close)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "beneathAvailable", js_beneath_available)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "renameBeneath", js_rename_beneath)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "statBeneath", js_stat_beneath)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "listBeneath", js_list_beneath)) != napi_ok) return st;
  return define_fn(env, exports, "removeBeneath", js_remove_beneath);
}
