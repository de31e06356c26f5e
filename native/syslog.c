/* syslog(3) wrapper for `-Y syslog`: the ident is fixed at the first openlog. */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "clsync_native.h"

/* openlog keeps the pointer: the ident must outlive it, so it is kept here. */
static char *ident_kept;


static void open_with(char *ident) {
  closelog();
  free(ident_kept);
  ident_kept = ident;
  openlog(ident_kept, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* syslogOpen(ident: string, facility?: number) */
static napi_value js_syslog_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *ident;
  if (argc < 1 || !string_dup(env, argv[0], &ident)) THROW_RET(env, "syslogOpen(ident): ident must be a string");
  int32_t facility = LOG_DAEMON;
  if (argc > 1) napi_get_value_int32(env, argv[1], &facility);
  closelog();
  free(ident_kept);
  ident_kept = ident;
  openlog(ident_kept, LOG_PID | LOG_NDELAY, facility);
  return NULL;
}

/* syslog(priority: number, message: string) */
static napi_value js_syslog(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) THROW_RET(env, "syslog(priority, message): missing arguments");
  int32_t prio;
  NAPI_OK(env, napi_get_value_int32(env, argv[0], &prio));
  char *msg;
  if (!string_dup(env, argv[1], &msg)) THROW_RET(env, "syslog: message must be a string");
  if (!ident_kept) {
    char *ident = strdup("clsync");
    if (ident) open_with(ident);
  }
  syslog(prio, "%s", msg); /* never pass the message as a format */
  free(msg);
  return NULL;
}

napi_status register_syslog(napi_env env, napi_value exports) {
  napi_status st = define_fn(env, exports, "syslogOpen", js_syslog_open);
  if (st != napi_ok) return st;
  return define_fn(env, exports, "syslog", js_syslog);
}
