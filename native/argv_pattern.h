/*
 * Argument vectors the privileged helper may run (--check-execvp-arguments).
 * The daemon registers them at start, before it drops its rights, one
 * pattern per vector: words separated by spaces, each word the hex of its
 * bytes with `*` standing for any bytes (a %MACRO% part), or the word `**`
 * for any number of words (%INCLUDE-LIST%), or `(p,p,...)` for any number
 * of words each matching one of the word patterns p (the option words of
 * rsync runs). Bytes a wildcard matches may not
 * make a `..` path component, so a pattern such as `/watch/` followed by a wildcard keeps beneath
 * /watch.
 */
#ifndef CLSYNC_ARGV_PATTERN_H
#define CLSYNC_ARGV_PATTERN_H

struct argv_pattern;

/* Parse one pattern; NULL when it is malformed. */
struct argv_pattern *argv_pattern_parse(const char *text);
/* Whether `argv` (NULL-terminated) matches. */
int argv_pattern_match(const struct argv_pattern *p, char *const *argv);

#endif
