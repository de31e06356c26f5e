/*
 * dlopen of a `--mode=so|rsyncso` shared object and calls of its
 * clsyncapi_* functions (include/clsync-node.h). Mechanism only: the file
 * checks, the retries and the timeout are decided in TypeScript
 * (src/handlers/shared-object.ts).
 *
 * Each call runs in a new detached thread and resolves a Promise with the
 * function's int result, so a slow module never blocks the event loop, and
 * a call abandoned past --timeout-sync never holds up the process's exit
 * (a Node.js worker or the libuv pool would be joined at exit). The data a
 * call needs is copied into its job. The object is never dlclose'd: an
 * abandoned call may still be running inside it.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clsync_native.h"
#include "../include/clsync-node.h"

struct so_handle {
  void *dl;
  clsyncapi_init_t init;
  clsyncapi_sync_t sync;
  clsyncapi_rsync_t rsync;
  clsyncapi_deinit_t deinit;
  /* kept for the module's life: clsyncapi_init may keep the pointer */
  clsyncnode_context_t ctx;
  char *strings[4];
};

/* Bits of soSymbols(): which functions the object exports. */
enum { HAS_INIT = 1, HAS_SYNC = 2, HAS_RSYNC = 4, HAS_DEINIT = 8 };

static struct so_handle *get_handle(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return data;
}

/* A Buffer's bytes, which must end in NUL (so they are a C string). */
static const char *get_cstring(napi_env env, napi_value v, size_t *len) {
  void *data;
  size_t n;
  if (napi_get_buffer_info(env, v, &data, &n) != napi_ok || n == 0 || ((char *)data)[n - 1] != '\0') return NULL;
  if (len) *len = n - 1;
  return data;
}

static napi_value int_value(napi_env env, int32_t n) {
  napi_value out;
  NAPI_OK(env, napi_create_int32(env, n, &out));
  return out;
}

/* soOpen(path: Buffer NUL-terminated): a handle, or throws with dlerror(). */
static napi_value js_so_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const char *path = argc == 1 ? get_cstring(env, argv[0], NULL) : NULL;
  if (!path) THROW_RET(env, "soOpen(path): path must be a NUL-terminated Buffer");
  void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    const char *why = dlerror();
    THROW_RET(env, why ? why : "dlopen failed");
  }
  struct so_handle *h = calloc(1, sizeof *h);
  if (!h) THROW_RET(env, "out of memory");
  h->dl = dl;
  h->init = (clsyncapi_init_t)dlsym(dl, "clsyncapi_init");
  h->sync = (clsyncapi_sync_t)dlsym(dl, "clsyncapi_sync");
  h->rsync = (clsyncapi_rsync_t)dlsym(dl, "clsyncapi_rsync");
  h->deinit = (clsyncapi_deinit_t)dlsym(dl, "clsyncapi_deinit");
  napi_value out;
  /* no finalizer: the handle lives as long as the process (see the top) */
  NAPI_OK(env, napi_create_external(env, h, NULL, NULL, &out));
  return out;
}

/* soSymbols(handle): HAS_* bits. */
static napi_value js_so_symbols(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct so_handle *h = argc == 1 ? get_handle(env, argv[0]) : NULL;
  if (!h) THROW_RET(env, "soSymbols(handle): bad handle");
  return int_value(env, (h->init ? HAS_INIT : 0) | (h->sync ? HAS_SYNC : 0) | (h->rsync ? HAS_RSYNC : 0) |
                            (h->deinit ? HAS_DEINIT : 0));
}

enum op { OP_INIT, OP_SYNC, OP_RSYNC, OP_DEINIT };

/* One call: what it needs (owned copies), and how its result gets back. */
struct job {
  enum op op;
  struct so_handle *h;
  int rc;
  napi_deferred deferred;
  napi_threadsafe_function done;
  int n;
  api_eventinfo_t *events;
  char *paths; /* the events' paths, or the include list then the exclude list */
  char *exclist;
};

static void job_free(struct job *j) {
  free(j->events);
  free(j->paths);
  free(j);
}

/* In the JS thread: settle the call's Promise with the result. */
static void job_settle(napi_env env, napi_value js_cb, void *context, void *data) {
  struct job *j = data;
  napi_value rc;
  if (env && napi_create_int32(env, j->rc, &rc) == napi_ok) napi_resolve_deferred(env, j->deferred, rc);
  napi_release_threadsafe_function(j->done, napi_tsfn_release);
  job_free(j);
}

static void *job_run(void *arg) {
  struct job *j = arg;
  struct so_handle *h = j->h;
  switch (j->op) {
    case OP_INIT: j->rc = h->init(&h->ctx, NULL); break;
    case OP_SYNC: j->rc = h->sync(j->n, j->events); break;
    case OP_RSYNC: j->rc = h->rsync(j->paths, j->exclist); break;
    case OP_DEINIT: j->rc = h->deinit(); break;
  }
  napi_call_threadsafe_function(j->done, j, napi_tsfn_blocking);
  return NULL;
}

/* Start `j` in a detached thread; returns its Promise (or NULL after throwing; `j` is freed). */
static napi_value job_start(napi_env env, struct job *j) {
  napi_value promise, name;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "clsyncapi call", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, job_settle, &j->done) != napi_ok) {
    job_free(j);
    THROW_RET(env, "clsyncapi call: cannot set up the call");
  }
  pthread_attr_t attr;
  pthread_t thread;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int err = pthread_create(&thread, &attr, job_run, j);
  pthread_attr_destroy(&attr);
  if (err) {
    napi_release_threadsafe_function(j->done, napi_tsfn_abort);
    job_free(j);
    THROW_RET(env, "clsyncapi call: cannot start a thread");
  }
  return promise;
}

static struct job *job_new(napi_env env, struct so_handle *h, enum op op) {
  struct job *j = calloc(1, sizeof *j);
  if (j) {
    j->h = h;
    j->op = op;
  }
  return j;
}

/* soInit(handle, label, watchDir, destinationDir, mode: Buffers NUL-terminated): Promise of clsyncapi_init's result. */
static napi_value js_so_init(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct so_handle *h = argc == 5 ? get_handle(env, argv[0]) : NULL;
  if (!h || !h->init) THROW_RET(env, "soInit(handle, …): bad handle or no clsyncapi_init");
  for (int i = 0; i < 4; i++) {
    const char *s = get_cstring(env, argv[i + 1], NULL);
    if (!s) THROW_RET(env, "soInit: strings must be NUL-terminated Buffers");
    free(h->strings[i]);
    h->strings[i] = strdup(s);
    if (!h->strings[i]) THROW_RET(env, "out of memory");
  }
  h->ctx.api_version = CLSYNC_API_VERSION;
  h->ctx.label = h->strings[0];
  h->ctx.watch_dir = h->strings[1];
  h->ctx.destination_dir = h->strings[2];
  h->ctx.mode = h->strings[3];
  struct job *j = job_new(env, h, OP_INIT);
  if (!j) THROW_RET(env, "out of memory");
  return job_start(env, j);
}

/*
 * soSync(handle, masks: Uint32Array, flags: Uint32Array, types: Uint8Array
 * (old, new per event), paths: Buffer of n NUL-terminated paths):
 * Promise of clsyncapi_sync's result.
 */
static napi_value js_so_sync(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct so_handle *h = argc == 5 ? get_handle(env, argv[0]) : NULL;
  if (!h || !h->sync) THROW_RET(env, "soSync(handle, …): bad handle or no clsyncapi_sync");
  void *masks, *flags, *types;
  size_t n, nflags, ntypes;
  NAPI_OK(env, napi_get_typedarray_info(env, argv[1], NULL, &n, &masks, NULL, NULL));
  NAPI_OK(env, napi_get_typedarray_info(env, argv[2], NULL, &nflags, &flags, NULL, NULL));
  NAPI_OK(env, napi_get_typedarray_info(env, argv[3], NULL, &ntypes, &types, NULL, NULL));
  void *paths;
  size_t paths_len;
  NAPI_OK(env, napi_get_buffer_info(env, argv[4], &paths, &paths_len));
  if (nflags != n || ntypes != 2 * n) THROW_RET(env, "soSync: array lengths differ");
  struct job *j = job_new(env, h, OP_SYNC);
  if (!j || !(j->events = calloc(n ? n : 1, sizeof *j->events)) || !(j->paths = malloc(paths_len ? paths_len : 1))) {
    if (j) job_free(j);
    THROW_RET(env, "out of memory");
  }
  memcpy(j->paths, paths, paths_len);
  j->n = (int)n;
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    char *start = j->paths + off;
    char *end = off < paths_len ? memchr(start, '\0', paths_len - off) : NULL;
    if (!end) {
      job_free(j);
      THROW_RET(env, "soSync: fewer paths than events");
    }
    api_eventinfo_t *e = &j->events[i];
    e->evmask = ((uint32_t *)masks)[i];
    e->flags = ((uint32_t *)flags)[i];
    e->path = start;
    e->path_len = (size_t)(end - start);
    e->objtype_old = ((uint8_t *)types)[2 * i];
    e->objtype_new = ((uint8_t *)types)[2 * i + 1];
    off += e->path_len + 1;
  }
  return job_start(env, j);
}

/* soRsync(handle, inclist: Buffer, exclist: Buffer | null): Promise of clsyncapi_rsync's result. */
static napi_value js_so_rsync(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct so_handle *h = argc == 3 ? get_handle(env, argv[0]) : NULL;
  if (!h || !h->rsync) THROW_RET(env, "soRsync(handle, …): bad handle or no clsyncapi_rsync");
  size_t inc_len = 0, exc_len = 0;
  const char *inc = get_cstring(env, argv[1], &inc_len);
  napi_valuetype t;
  NAPI_OK(env, napi_typeof(env, argv[2], &t));
  const char *exc = t == napi_null ? NULL : get_cstring(env, argv[2], &exc_len);
  if (!inc || (t != napi_null && !exc)) THROW_RET(env, "soRsync: lists must be NUL-terminated Buffers (exclist may be null)");
  struct job *j = job_new(env, h, OP_RSYNC);
  if (!j || !(j->paths = malloc(inc_len + exc_len + 2))) {
    if (j) job_free(j);
    THROW_RET(env, "out of memory");
  }
  memcpy(j->paths, inc, inc_len + 1);
  if (exc) {
    j->exclist = j->paths + inc_len + 1;
    memcpy(j->exclist, exc, exc_len + 1);
  }
  return job_start(env, j);
}

/* soDeinit(handle): Promise of clsyncapi_deinit's result. */
static napi_value js_so_deinit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct so_handle *h = argc == 1 ? get_handle(env, argv[0]) : NULL;
  if (!h || !h->deinit) THROW_RET(env, "soDeinit(handle): bad handle or no clsyncapi_deinit");
  struct job *j = job_new(env, h, OP_DEINIT);
  if (!j) THROW_RET(env, "out of memory");
  return job_start(env, j);
}

napi_status register_shared_object(napi_env env, napi_value exports) {
  napi_status st;
  if ((st = define_fn(env, exports, "soOpen", js_so_open)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "soSymbols", js_so_symbols)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "soInit", js_so_init)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "soSync", js_so_sync)) != napi_ok) return st;
  if ((st = define_fn(env, exports, "soRsync", js_so_rsync)) != napi_ok) return st;
  return define_fn(env, exports, "soDeinit", js_so_deinit);
}
