/*
 * What a program started by the daemon runs as, and what it sees: the
 * credentials, the capabilities it inherits and the namespaces, root and
 * devices it is confined to. The daemon (TypeScript) decides the policy and
 * writes it as options; this part only parses them and applies them, in the
 * child between fork and exec, where they hold for the program and
 * everything it starts (a multi-threaded Node.js cannot apply them itself).
 *
 * Options (each optional; every one may appear in clsync-exec's and in
 * clsync-priv's argument vector):
 *   --as-uid N --as-gid N       credentials to switch to (setresuid/setresgid)
 *   --as-groups N[,N...]|-      supplementary groups ("-": none)
 *   --ambient HEX|keep|all      capabilities the program keeps when it is not
 *                               root: a mask, as they are, or all permitted
 *   --unshare net,ipc,uts       new namespaces of these kinds
 *   --root DIR --pivot off|direct|auto|auto-ro
 *   --keep-mount DIR            (repeatable) with a pivot: mounts kept
 *   --private-dev               every mount nodev but those of /dev's null,
 *                               zero, random, urandom and console
 */
#ifndef CLSYNC_PROGRAM_POLICY_H
#define CLSYNC_PROGRAM_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define POLICY_MAX_GROUPS 64
#define POLICY_MAX_KEEP 32

enum ambient_mode { AMBIENT_NONE_SET = 0, AMBIENT_MASK, AMBIENT_KEEP, AMBIENT_ALL };
enum pivot_mode { PIVOT_OFF = 0, PIVOT_DIRECT, PIVOT_AUTO, PIVOT_AUTO_RO };

struct program_policy {
  int set_uid, set_gid, set_groups;
  uid_t uid;
  gid_t gid;
  size_t ngroups;
  gid_t groups[POLICY_MAX_GROUPS];
  enum ambient_mode ambient;
  uint64_t ambient_mask;
  int unshare_flags;
  const char *root;
  enum pivot_mode pivot;
  size_t nkeep;
  const char *keep[POLICY_MAX_KEEP];
  int private_dev;
};

/*
 * Take the policy option at argv[*i] (and its value) if it is one: returns 1
 * and advances *i past it, 0 when argv[*i] is not a policy option, -1 on a
 * bad value (message in err).
 */
int policy_take_option(struct program_policy *p, char **argv, int argc, int *i, char *err, size_t errlen);

/* Whether the policy changes anything. */
int policy_is_empty(const struct program_policy *p);

/*
 * Apply the policy to the calling (single-threaded, about to exec) process.
 * `cwd`: the directory the program starts in, looked up again inside the new
 * root (NULL: leave it). Returns 0, or -1 with a message in err.
 */
int policy_apply(const struct program_policy *p, const char *cwd, char *err, size_t errlen);

#endif
