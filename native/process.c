/*
 * execve(2) from Node.js, for the one moment the daemon replaces itself with
 * clsync-priv (src/security/launch.ts): same pid, nothing started yet. The
 * other threads of the process end with it, as execve does; descriptors
 * Node.js opened are close-on-exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "clsync_native.h"

static char *string_at(napi_env env, napi_value array, uint32_t i) {
  napi_value v;
  char *s = NULL;
  if (napi_get_element(env, array, i, &v) != napi_ok || !string_dup(env, v, &s)) return NULL;
  return s;
}

static char **string_array(napi_env env, napi_value array) {
  uint32_t n;
  if (napi_get_array_length(env, array, &n) != napi_ok) return NULL;
  char **out = calloc((size_t)n + 1, sizeof *out);
  for (uint32_t i = 0; out && i < n; i++)
    if (!(out[i] = string_at(env, array, i))) return NULL;
  return out;
}

/*
 * execve(path: string, argv: string[], env: string[], keep: number[]):
 * returns -errno only if it failed. The descriptors in `keep` (standard
 * input, output and error, which Node.js made close-on-exec and
 * non-blocking) are handed on as a program expects them.
 */
static napi_value js_execve(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) THROW_RET(env, "execve(path, argv, env, keep): missing arguments");
  size_t len;
  char path[4096];
  NAPI_OK(env, napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len));
  char **args = string_array(env, argv[1]), **envp = string_array(env, argv[2]);
  if (!args || !envp) THROW_RET(env, "execve: argv and env must be arrays of strings");
  uint32_t nkeep;
  NAPI_OK(env, napi_get_array_length(env, argv[3], &nkeep));
  for (uint32_t i = 0; i < nkeep; i++) {
    napi_value v;
    int32_t fd;
    NAPI_OK(env, napi_get_element(env, argv[3], i, &v));
    NAPI_OK(env, napi_get_value_int32(env, v, &fd));
    int fdflags = fcntl(fd, F_GETFD), flflags = fcntl(fd, F_GETFL);
    if (fdflags >= 0) fcntl(fd, F_SETFD, fdflags & ~FD_CLOEXEC);
    if (flflags >= 0) fcntl(fd, F_SETFL, flflags & ~O_NONBLOCK);
  }
  /* The new program starts with no signal blocked (libuv may block some in this thread). */
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, NULL);
  execve(path, args, envp);
  int err = errno;
  napi_value rc;
  NAPI_OK(env, napi_create_int32(env, -err, &rc));
  return rc;
}

napi_status register_process(napi_env env, napi_value exports) {
  return define_fn(env, exports, "execve", js_execve);
}
