/*
 * clsync native addon: kernel mechanisms only (inotify reader thread,
 * directory walk that watches as it goes, syslog, path operations beneath
 * a directory fd, dlopen of a --mode=so module). No policy lives here:
 * which directories to walk or watch is decided in JavaScript.
 */
#ifndef CLSYNC_NATIVE_H
#define CLSYNC_NATIVE_H

#include <node_api.h>

/* Throw a JS Error and return NULL from the calling napi callback. */
#define THROW_RET(env, msg)                      \
  do {                                           \
    napi_throw_error((env), NULL, (msg));        \
    return NULL;                                 \
  } while (0)

/* Evaluate a napi call; on failure throw and return NULL. */
#define NAPI_OK(env, call)                                   \
  do {                                                       \
    if ((call) != napi_ok) THROW_RET((env), "napi call failed: " #call); \
  } while (0)

/* Each module registers its functions on the exports object. */
napi_status register_inotify_reader(napi_env env, napi_value exports);
napi_status register_walk(napi_env env, napi_value exports);
napi_status register_syslog(napi_env env, napi_value exports);
napi_status register_beneath(napi_env env, napi_value exports);
napi_status register_shared_object(napi_env env, napi_value exports);
napi_status register_process(napi_env env, napi_value exports);
napi_status register_control(napi_env env, napi_value exports);

/* The inotify fd behind a reader handle (a napi external), or -1. */
int inotify_reader_fd(napi_env env, napi_value handle);

/* A JS string as a malloc'd UTF-8 C string in *out: 1, or 0 when it is not a string (or no memory). */
int string_dup(napi_env env, napi_value v, char **out);

/* Helper: define one function property. */
napi_status define_fn(napi_env env, napi_value exports, const char *name,
                      napi_callback cb);

#endif
