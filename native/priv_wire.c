/* The wire between clsync-exec --via and clsync-priv: see priv_wire.h. */
#define _GNU_SOURCE
#include "priv_wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int wire_write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n, len -= (size_t)n;
  }
  return 0;
}

int wire_read_all(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n, len -= (size_t)n;
  }
  return 0;
}

int wire_put_u32(int fd, uint32_t v) {
  unsigned char b[4] = {v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff, v >> 24 & 0xff};
  return wire_write_all(fd, b, 4);
}

int wire_get_u32(int fd, uint32_t *v) {
  unsigned char b[4];
  if (wire_read_all(fd, b, 4)) return -1;
  *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  return 0;
}

int wire_put_list(int fd, char *const *words, uint32_t n) {
  if (wire_put_u32(fd, n)) return -1;
  for (uint32_t i = 0; i < n; i++) {
    size_t len = strlen(words[i]);
    if (wire_put_u32(fd, (uint32_t)len) || wire_write_all(fd, words[i], len)) return -1;
  }
  return 0;
}

char **wire_get_list(int fd, uint32_t *n, size_t *budget) {
  if (wire_get_u32(fd, n) || (size_t)*n + 1 > *budget / sizeof(char *)) return NULL;
  *budget -= ((size_t)*n + 1) * sizeof(char *);
  char **words = calloc((size_t)*n + 1, sizeof(char *));
  if (!words) return NULL;
  for (uint32_t i = 0; i < *n; i++) {
    uint32_t len;
    if (wire_get_u32(fd, &len) || (size_t)len + 1 > *budget || !(words[i] = malloc((size_t)len + 1)) || wire_read_all(fd, words[i], len))
      return NULL; /* the session ends at once: nothing to free */
    *budget -= (size_t)len + 1;
    words[i][len] = '\0';
    if (memchr(words[i], '\0', len)) return NULL;
  }
  return words;
}

int wire_send_fds(int sock, const int *fds, int n) {
  char byte = 'x';
  struct iovec iov = {&byte, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
  for (;;) {
    ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (r == 1) return 0;
    if (r < 0 && errno == EINTR) continue;
    return -1;
  }
}

int wire_recv_fds(int sock, int *fds) {
  char byte;
  struct iovec iov = {&byte, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  ssize_t r;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r <= 0) return (int)r;
  int n = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (n < WIRE_MAX_FDS) fds[n++] = fd;
      else close(fd);
    }
  }
  if (msg.msg_flags & MSG_CTRUNC) {
    for (int i = 0; i < n; i++) close(fds[i]);
    return -1;
  }
  return n;
}
