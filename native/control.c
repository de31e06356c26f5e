/*
 * Mechanisms for the control side (src/control/): the credentials of a
 * unix-socket peer (SO_PEERCRED, which Node does not expose) and one
 * datagram sent to a unix socket (systemd's NOTIFY_SOCKET; Node has no
 * unix datagram sockets). Who may connect and what is sent is decided in
 * TypeScript.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clsync_native.h"

/* peerCred(fd: number): [pid, uid, gid], or -errno */
static napi_value js_peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) THROW_RET(env, "peerCred(fd): fd must be a number");
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    NAPI_OK(env, napi_create_int32(env, -errno, &out));
    return out;
  }
  NAPI_OK(env, napi_create_array_with_length(env, 3, &out));
  napi_value v;
  NAPI_OK(env, napi_create_int32(env, cred.pid, &v));
  NAPI_OK(env, napi_set_element(env, out, 0, v));
  NAPI_OK(env, napi_create_uint32(env, cred.uid, &v));
  NAPI_OK(env, napi_set_element(env, out, 1, v));
  NAPI_OK(env, napi_create_uint32(env, cred.gid, &v));
  NAPI_OK(env, napi_set_element(env, out, 2, v));
  return out;
}

/*
 * datagramSend(path: Buffer, message: Buffer): 0 or -errno. A path starting
 * with '@' names an abstract socket (the '@' becomes the leading NUL).
 */
static napi_value js_datagram_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *path, *msg;
  size_t path_len, msg_len;
  if (argc < 2 || napi_get_buffer_info(env, argv[0], &path, &path_len) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &msg, &msg_len) != napi_ok)
    THROW_RET(env, "datagramSend(path, message): both must be Buffers");
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (path_len == 0 || path_len >= sizeof(addr.sun_path)) {
    NAPI_OK(env, napi_create_int32(env, -ENAMETOOLONG, &out));
    return out;
  }
  memcpy(addr.sun_path, path, path_len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len);
  int result = 0;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    result = -errno;
  } else {
    if (sendto(fd, msg, msg_len, MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len) < 0) result = -errno;
    close(fd);
  }
  NAPI_OK(env, napi_create_int32(env, result, &out));
  return out;
}

napi_status register_control(napi_env env, napi_value exports) {
  napi_status st = define_fn(env, exports, "peerCred", js_peer_cred);
  if (st != napi_ok) return st;
  return define_fn(env, exports, "datagramSend", js_datagram_send);
}
