/*
 * clsync-node.h: the C interface of `--mode=so` and `--mode=rsyncso` in
 * clsync for Node.js. A shared object given with -S exports:
 *
 *   int clsyncapi_sync(int n, api_eventinfo_t *events);           (mode so)
 *   int clsyncapi_rsync(const char *inclist, const char *exclist); (mode rsyncso;
 *       exclist is NULL with --rsync-prefer-include)
 *   int clsyncapi_init(const clsyncnode_context_t *ctx, void *reserved);  (optional)
 *   int clsyncapi_deinit(void);                                    (optional)
 *
 * Return 0 for success; any other value is a failed sync, retried as a
 * failed handler program is (-r, -w; -x codes count as success).
 *
 * clsyncapi_sync and clsyncapi_rsync keep the signatures and the event
 * layout of the C clsync's clsync.h (API version 2), so a module written for
 * it that only reads its arguments builds against this header unchanged.
 * clsyncapi_init differs: the C tool passes its internal `struct ctx` and
 * `struct indexes`, which this implementation does not have; it passes the
 * small context below and NULL.
 *
 * The functions are called in one worker thread, one call at a time; the
 * event array and its paths are valid only during the call. The context
 * stays valid until clsyncapi_deinit has returned.
 */
#ifndef CLSYNC_NODE_H
#define CLSYNC_NODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLSYNC_API_VERSION 2

/* The kind of object at an event's path before and after it (the C tool's values). */
enum eventobjtype {
  EOT_UNKNOWN = 0,     /* not known */
  EOT_DOESNTEXIST = 1, /* no object: not created yet, or deleted */
  EOT_FILE = 2,        /* any object but a directory (the C tool's meaning) */
  EOT_DIR = 3,         /* a directory */
};
typedef enum eventobjtype eventobjtype_t;

/* api_eventinfo_t.flags */
enum eventinfo_flags {
  EVIF_NONE = 0x00000000,
  EVIF_RECURSIVELY = 0x00000001,        /* sync the object and everything below it */
  EVIF_CONTENTRECURSIVELY = 0x00000002, /* not set by this implementation */
};
typedef enum eventinfo_flags eventinfo_flags_t;

/* One changed path (layout of the C tool's struct api_eventinfo). */
struct api_eventinfo {
  uint32_t evmask;            /* inotify bits (linux/inotify.h), merged over the collection window */
  uint32_t flags;             /* eventinfo_flags */
  size_t path_len;            /* strlen(path) */
  const char *path;           /* relative to the watch dir, "" for the root; NUL-terminated bytes */
  eventobjtype_t objtype_old; /* before the changes */
  eventobjtype_t objtype_new; /* now */
};
typedef struct api_eventinfo api_eventinfo_t;

/* What clsyncapi_init gets (ours: not the C tool's struct ctx). */
struct clsyncnode_context {
  int api_version;             /* CLSYNC_API_VERSION */
  const char *label;           /* -l */
  const char *watch_dir;       /* -W, no trailing slash */
  const char *destination_dir; /* -D, no trailing slash; "" when not given */
  const char *mode;            /* "so" or "rsyncso" */
};
typedef struct clsyncnode_context clsyncnode_context_t;

typedef int (*clsyncapi_init_t)(const clsyncnode_context_t *ctx, void *reserved);
typedef int (*clsyncapi_sync_t)(int n, api_eventinfo_t *events);
typedef int (*clsyncapi_rsync_t)(const char *inclist, const char *exclist);
typedef int (*clsyncapi_deinit_t)(void);

#ifdef __cplusplus
}
#endif

#endif
