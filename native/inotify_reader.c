/*
 * inotify instance drained by a dedicated reader thread.
 *
 * Why a thread: with the fd polled from the event loop, a ~100 ms stall of
 * the JS loop overflows the kernel queue (16384 events) under a busy writer
 * (FACTS.md). The thread reads everything the kernel has into a growing
 * user-space buffer as soon as it arrives, and wakes JS through a
 * thread-safe function. At most one wake-up is pending at a time: JS takes
 * the whole accumulated buffer of raw `struct inotify_event` records in one
 * call, so a burst costs one JS call, not one per read().
 *
 * Add/remove watch are plain syscalls returning the result or -errno, so the
 * hot path never throws. Closing is done by the thread because closing an fd
 * holding 100k watches takes ~100 ms.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>

#include "clsync_native.h"

/* One read() of 64 KiB takes up to ~4000 records; big enough to amortise the
 * syscall, small enough to live on the thread's stack. */
#define READ_CHUNK (64 * 1024)
/* Under a stream of events, wait this long after a wake-up before reading,
 * so that one read() and one JS call carry many records instead of one:
 * a writer producing events one by one otherwise costs a poll, a read and
 * a JS call per event (measured: ~85 ms of daemon CPU per 1000 file
 * operations). An event that arrives after a quiet spell (see
 * STREAM_GAP_NS) is read at once, so latency stays minimal when it matters.
 * Each wake-up costs ~150 us of context switching in this VM (perf), so a
 * stream is read every 20 ms: at 170k events/s that is ~3400 records, far
 * below the kernel queue (16384). */
#define COALESCE_NS (20 * 1000 * 1000)
#define STREAM_GAP_NS (40 * 1000 * 1000)
/* Keep at most this much capacity between bursts; bigger buffers are freed. */
#define KEEP_CAPACITY (1024 * 1024)

typedef struct reader {
  int fd;      /* inotify fd; closed by the thread on stop */
  int wake_fd; /* eventfd: wakes the thread to re-read its flags */
  pthread_t thread;
  int thread_started;

  pthread_mutex_t mu; /* guards everything below up to `stop` */
  char *buf;
  size_t len, cap, peak;
  int call_pending; /* a JS call is queued and has not taken the buffer yet */
  int paused;       /* debug/test: the thread stops reading the fd */
  int stop;

  /* main thread only */
  int js_closed; /* no JS callbacks after close() */
  int refs;      /* the JS external + the thread-safe function */
  napi_threadsafe_function tsfn;
  napi_deferred close_deferred;
} reader_t;

static void reader_unref(reader_t *r) {
  if (--r->refs > 0) return;
  pthread_mutex_destroy(&r->mu);
  free(r->buf);
  free(r);
}

static void wake_thread(reader_t *r) {
  uint64_t one = 1;
  ssize_t n = write(r->wake_fd, &one, sizeof one);
  (void)n; /* an eventfd write only fails on counter overflow: already woken */
}

static void request_stop(reader_t *r) {
  pthread_mutex_lock(&r->mu);
  r->stop = 1;
  pthread_mutex_unlock(&r->mu);
  wake_thread(r);
}

/* Append bytes to the shared buffer; returns 0 on allocation failure. */
static int append_locked(reader_t *r, const char *data, size_t n) {
  if (r->cap - r->len < n) {
    size_t cap = r->cap ? r->cap : READ_CHUNK;
    while (cap - r->len < n) cap *= 2;
    char *nb = realloc(r->buf, cap);
    if (!nb) return 0;
    r->buf = nb;
    r->cap = cap;
  }
  memcpy(r->buf + r->len, data, n);
  r->len += n;
  if (r->len > r->peak) r->peak = r->len;
  return 1;
}

/* Read what the kernel has queued; wake JS once if nothing is pending.
 * Returns the number of bytes read (0: the queue was empty). */
static size_t drain(reader_t *r, char *chunk) {
  int wake = 0;
  size_t total = 0;
  for (;;) {
    ssize_t n = read(r->fd, chunk, READ_CHUNK);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; /* EAGAIN: drained */
    total += (size_t)n;
    pthread_mutex_lock(&r->mu);
    int ok = append_locked(r, chunk, (size_t)n);
    if (ok && !r->call_pending) {
      r->call_pending = 1;
      wake = 1;
    }
    pthread_mutex_unlock(&r->mu);
    if (!ok) {
      /* Out of memory: these records are lost. The kernel queue will fill
       * and report IN_Q_OVERFLOW, which makes JS rescan, so the loss is not
       * silent. Back off instead of spinning. */
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
      break;
    }
    /* A short read took all there was; what arrives now waits for the next round. */
    if ((size_t)n < READ_CHUNK - (sizeof(struct inotify_event) + NAME_MAX + 1)) break;
  }
  if (wake && napi_call_threadsafe_function(r->tsfn, NULL, napi_tsfn_nonblocking) == napi_closing) {
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_mutex_unlock(&r->mu);
  }
  return total;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *reader_main(void *arg) {
  reader_t *r = arg;
  char *chunk = malloc(READ_CHUNK);
  long long last_drain = 0;
  for (; chunk;) {
    pthread_mutex_lock(&r->mu);
    int stop = r->stop, paused = r->paused;
    pthread_mutex_unlock(&r->mu);
    if (stop) break;
    struct pollfd pfd[2] = {
        {.fd = paused ? -1 : r->fd, .events = POLLIN}, /* poll ignores fd -1 */
        {.fd = r->wake_fd, .events = POLLIN},
    };
    int n = poll(pfd, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pfd[1].revents & POLLIN) {
      uint64_t v;
      ssize_t rd = read(r->wake_fd, &v, sizeof v);
      (void)rd;
    }
    if (!(pfd[0].revents & POLLIN)) continue;
    /* After a quiet spell the first events go at once (latency); right
     * after a drain they wait COALESCE_NS to travel together. */
    if (now_ns() - last_drain < STREAM_GAP_NS) {
      struct timespec ts = {0, COALESCE_NS};
      nanosleep(&ts, NULL);
    }
    /* Stream mode: sleep, read, hand over, until a round finds nothing.
     * One sleep per round instead of a poll wake-up plus a sleep: in this
     * VM each context switch is what the thread's CPU goes to (perf). */
    while (drain(r, chunk) > 0) {
      last_drain = now_ns();
      struct timespec ts = {0, COALESCE_NS};
      nanosleep(&ts, NULL);
      pthread_mutex_lock(&r->mu);
      int leave = r->stop || r->paused;
      pthread_mutex_unlock(&r->mu);
      if (leave) break;
    }
  }
  free(chunk);
  close(r->fd); /* slow with many watches: that is why it happens here */
  r->fd = -1;
  napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
  return NULL;
}

/* Runs on the JS thread: hand the accumulated bytes to the callback. */
static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)data;
  reader_t *r = context;
  if (env == NULL || js_cb == NULL) return; /* torn down */
  napi_value buffer = NULL;
  void *dst;
  pthread_mutex_lock(&r->mu);
  size_t len = r->len;
  if (len > 0 && !r->js_closed) napi_create_buffer_copy(env, len, r->buf, &dst, &buffer);
  r->len = 0;
  r->call_pending = 0;
  if (r->cap > KEEP_CAPACITY) {
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
  }
  pthread_mutex_unlock(&r->mu);
  if (buffer == NULL) return;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, js_cb, 1, &buffer, NULL);
}

/* Runs on the JS thread once the thread released the function (or at exit). */
static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  reader_t *r = data;
  if (r->thread_started) {
    request_stop(r); /* no-op after a normal close; needed at env teardown */
    pthread_join(r->thread, NULL);
    r->thread_started = 0;
  }
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  close(r->wake_fd);
  r->js_closed = 1;
  if (r->close_deferred) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, r->close_deferred, undefined);
    r->close_deferred = NULL;
  }
  reader_unref(r);
}

/* The JS handle was garbage collected: stop the thread if close() was never called. */
static void external_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  reader_t *r = data;
  if (!r->js_closed) {
    r->js_closed = 1;
    request_stop(r);
  }
  reader_unref(r);
}

static reader_t *get_reader(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

int inotify_reader_fd(napi_env env, napi_value handle) {
  reader_t *r = get_reader(env, handle);
  return r && !r->js_closed ? r->fd : -1;
}

/* inotifyOpen(onData: (buf: Buffer) => void): handle */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function)
    THROW_RET(env, "inotifyOpen(onData): onData must be a function");

  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    char msg[200];
    snprintf(msg, sizeof msg,
             "inotify_init1 failed: %s (raise fs.inotify.max_user_instances if the limit is reached)",
             strerror(errno));
    THROW_RET(env, msg);
  }
  int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    close(fd);
    THROW_RET(env, "eventfd failed");
  }
  reader_t *r = calloc(1, sizeof *r);
  if (!r) {
    close(fd);
    close(wake_fd);
    THROW_RET(env, "out of memory");
  }
  r->fd = fd;
  r->wake_fd = wake_fd;
  pthread_mutex_init(&r->mu, NULL);
  r->refs = 2;

  napi_value name;
  napi_create_string_utf8(env, "clsync-inotify", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, r, tsfn_finalize, r,
                                      call_js, &r->tsfn) != napi_ok) {
    close(fd);
    close(wake_fd);
    pthread_mutex_destroy(&r->mu);
    free(r);
    THROW_RET(env, "napi_create_threadsafe_function failed");
  }
  if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
    /* Releasing runs tsfn_finalize, which closes the fds and drops one ref. */
    r->js_closed = 1;
    r->refs = 1; /* no external will exist: the finalizer frees the reader */
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    THROW_RET(env, "pthread_create failed for the inotify reader thread");
  }
  r->thread_started = 1;
  pthread_setname_np(r->thread, "clsync-inotify"); /* visible in top -H and /proc: its CPU is ours */

  napi_value handle;
  NAPI_OK(env, napi_create_external(env, r, external_finalize, NULL, &handle));
  return handle;
}

/* Read (handle, ...) args; throws when the handle is not a reader. */
static reader_t *reader_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_error(env, NULL, "inotify: missing arguments");
    return NULL;
  }
  reader_t *r = get_reader(env, argv[0]);
  if (!r) napi_throw_type_error(env, NULL, "inotify: first argument is not an inotify handle");
  return r;
}

static napi_value int_value(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

/* inotifyAddWatch(handle, path: Buffer, mask): wd or -errno */
static napi_value js_add_watch(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  reader_t *r = reader_args(env, info, 3, argv);
  if (!r) return NULL;
  if (r->js_closed) return int_value(env, -EBADF);
  char *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[1], (void **)&data, &len) != napi_ok)
    THROW_RET(env, "inotifyAddWatch: path must be a Buffer");
  uint32_t mask;
  NAPI_OK(env, napi_get_value_uint32(env, argv[2], &mask));
  if (len >= PATH_MAX) return int_value(env, -ENAMETOOLONG);
  char path[PATH_MAX];
  memcpy(path, data, len);
  path[len] = 0;
  int wd = inotify_add_watch(r->fd, path, mask);
  return int_value(env, wd < 0 ? -errno : wd);
}

/* inotifyRmWatch(handle, wd): 0 or -errno */
static napi_value js_rm_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  reader_t *r = reader_args(env, info, 2, argv);
  if (!r) return NULL;
  if (r->js_closed) return int_value(env, -EBADF);
  int32_t wd;
  NAPI_OK(env, napi_get_value_int32(env, argv[1], &wd));
  return int_value(env, inotify_rm_watch(r->fd, wd) < 0 ? -errno : 0);
}

/* inotifyClose(handle): Promise<void>, resolved once the thread closed the fd. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  reader_t *r = reader_args(env, info, 1, argv);
  if (!r) return NULL;
  napi_value promise;
  napi_deferred deferred;
  NAPI_OK(env, napi_create_promise(env, &deferred, &promise));
  if (r->js_closed) {
    /* Already closed (or closing): nothing more will be called back. */
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, deferred, undefined);
    return promise;
  }
  r->js_closed = 1;
  r->close_deferred = deferred;
  request_stop(r);
  return promise;
}

/* inotifyRef(handle, ref: boolean): whether the reader keeps the event loop alive. */
static napi_value js_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  reader_t *r = reader_args(env, info, 2, argv);
  if (!r) return NULL;
  bool ref;
  NAPI_OK(env, napi_get_value_bool(env, argv[1], &ref));
  if (!r->js_closed) {
    if (ref) napi_ref_threadsafe_function(env, r->tsfn);
    else napi_unref_threadsafe_function(env, r->tsfn);
  }
  return NULL;
}

/* inotifyPause(handle, paused: boolean): test hook — the thread stops reading
 * the fd, so the kernel queue fills as it would under a stalled reader. */
static napi_value js_pause(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  reader_t *r = reader_args(env, info, 2, argv);
  if (!r) return NULL;
  bool paused;
  NAPI_OK(env, napi_get_value_bool(env, argv[1], &paused));
  pthread_mutex_lock(&r->mu);
  r->paused = paused;
  pthread_mutex_unlock(&r->mu);
  wake_thread(r);
  return NULL;
}

/* inotifyPeakBuffered(handle): largest user-space backlog seen, in bytes. */
static napi_value js_peak(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  reader_t *r = reader_args(env, info, 1, argv);
  if (!r) return NULL;
  pthread_mutex_lock(&r->mu);
  size_t peak = r->peak;
  pthread_mutex_unlock(&r->mu);
  return int_value(env, (int64_t)peak);
}

napi_status register_inotify_reader(napi_env env, napi_value exports) {
  napi_status st;
  if ((st = define_fn(env, exports, "inotifyOpen", js_open)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "inotifyAddWatch", js_add_watch)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "inotifyRmWatch", js_rm_watch)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "inotifyClose", js_close)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "inotifyRef", js_ref)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "inotifyPause", js_pause)) != napi_ok) return st;
  return define_fn(env, exports, "inotifyPeakBuffered", js_peak);
}
