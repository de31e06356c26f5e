/* Module entry point: registers the mechanisms of each native file. */
#include <stdlib.h>

#include "clsync_native.h"

napi_status define_fn(napi_env env, napi_value exports, const char *name,
                      napi_callback cb) {
  napi_value fn;
  napi_status st = napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  if (st != napi_ok) return st;
  return napi_set_named_property(env, exports, name, fn);
}

int string_dup(napi_env env, napi_value v, char **out) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return 0;
  char *s = malloc(len + 1);
  if (!s) return 0;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  *out = s;
  return 1;
}

static napi_value init(napi_env env, napi_value exports) {
  if (register_inotify_reader(env, exports) != napi_ok ||
      register_walk(env, exports) != napi_ok ||
      register_syslog(env, exports) != napi_ok ||
      register_beneath(env, exports) != napi_ok ||
      register_shared_object(env, exports) != napi_ok ||
      register_process(env, exports) != napi_ok ||
      register_control(env, exports) != napi_ok) {
    napi_throw_error(env, NULL, "clsync_native: failed to register functions");
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
