/*
 * The wire between a daemon-side clsync-exec (`--via`) and a session of the
 * privileged helper (clsync-priv): length-prefixed words on a stream socket,
 * and file descriptors passed with SCM_RIGHTS. Mechanism only.
 *
 * Request (exec helper -> session): "CLX1", then argv, env and cwd as counted
 * lists of counted byte strings (u32 little-endian lengths).
 * Replies (session -> exec helper): one byte and a u32:
 *   'S' wait status of the program (it ended), 'E' errno of a failed exec,
 *   'R' refused (a u32 length and the reason follow).
 * Signals (exec helper -> session): 'K' and the signal number.
 */
#ifndef CLSYNC_PRIV_WIRE_H
#define CLSYNC_PRIV_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC "CLX1"
/* A request larger than this is refused: argv and env of a handler run stay far below (the C tool caps a run at 256 paths). */
#define WIRE_MAX_REQUEST (64u << 20)
#define WIRE_MAX_FDS 4

int wire_write_all(int fd, const void *buf, size_t len);
int wire_read_all(int fd, void *buf, size_t len);
int wire_put_u32(int fd, uint32_t v);
int wire_get_u32(int fd, uint32_t *v);
/* Write a counted list of NUL-terminated strings. */
int wire_put_list(int fd, char *const *words, uint32_t n);
/* Read a counted list: a NULL-terminated array of NUL-terminated strings (malloc'd), or NULL. */
char **wire_get_list(int fd, uint32_t *n, size_t *budget);
/* Send one byte with up to WIRE_MAX_FDS descriptors. */
int wire_send_fds(int sock, const int *fds, int n);
/* Receive one byte and up to WIRE_MAX_FDS descriptors (close-on-exec): returns the count, 0 at EOF, -1 on error. */
int wire_recv_fds(int sock, int *fds);

#endif
