/* Matching argument vectors against registered patterns: see argv_pattern.h. */
#define _GNU_SOURCE
#include "argv_pattern.h"

#include <stdlib.h>
#include <string.h>

/* A word pattern: bytes where '\0' marks a wildcard (words themselves never hold NUL). */
struct word_pattern {
  int any_words; /* `**` */
  size_t nalts;  /* `(p,p,...)`: any number of words, each matching one of these */
  struct word_pattern *alts;
  int has_wildcard;
  size_t len;
  char *bytes;
};

struct argv_pattern {
  size_t n;
  struct word_pattern *words;
};

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static int parse_word(const char *s, size_t len, struct word_pattern *w) {
  if (len == 2 && s[0] == '*' && s[1] == '*') {
    w->any_words = 1;
    return 0;
  }
  if (len >= 2 && s[0] == '(' && s[len - 1] == ')') {
    w->any_words = 1;
    for (size_t i = 1; i < len - 1;) {
      const char *comma = memchr(s + i, ',', len - 1 - i);
      size_t alen = comma ? (size_t)(comma - (s + i)) : len - 1 - i;
      w->alts = realloc(w->alts, (w->nalts + 1) * sizeof *w->alts);
      memset(&w->alts[w->nalts], 0, sizeof *w->alts);
      if (alen == 0 || (s[i] == '(' ) || parse_word(s + i, alen, &w->alts[w->nalts++]) || w->alts[w->nalts - 1].any_words) return -1;
      i += alen + 1;
    }
    return w->nalts ? 0 : -1;
  }
  w->bytes = malloc(len + 1);
  if (!w->bytes) return -1;
  for (size_t i = 0; i < len;) {
    if (s[i] == '*') {
      w->bytes[w->len++] = '\0';
      w->has_wildcard = 1;
      i++;
      continue;
    }
    int hi = i + 1 < len ? hex_digit(s[i]) : -1, lo = i + 1 < len ? hex_digit(s[i + 1]) : -1;
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return -1;
    w->bytes[w->len++] = (char)(hi << 4 | lo);
    i += 2;
  }
  return 0;
}

struct argv_pattern *argv_pattern_parse(const char *text) {
  struct argv_pattern *p = calloc(1, sizeof *p);
  size_t room = 0;
  for (const char *s = text; *s;) {
    const char *end = strchr(s, ' ');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    if (len > 0) {
      if (p->n == room) p->words = realloc(p->words, (room = room ? room * 2 : 8) * sizeof *p->words);
      memset(&p->words[p->n], 0, sizeof *p->words);
      if (parse_word(s, len, &p->words[p->n++])) return NULL;
    }
    s += len + (end ? 1 : 0);
  }
  return p->n ? p : NULL;
}

/* A `..` component anywhere in the word (whole word, at either end, or between slashes). */
static int has_dotdot(const char *w) {
  for (const char *s = w; (s = strstr(s, "..")); s++) {
    int starts = s == w || s[-1] == '/', ends = s[2] == '\0' || s[2] == '/';
    if (starts && ends) return 1;
  }
  return 0;
}

static int glob(const char *pat, size_t plen, const char *word) {
  if (plen == 0) return *word == '\0';
  if (*pat == '\0') {
    for (const char *w = word;; w++) {
      if (glob(pat + 1, plen - 1, w)) return 1;
      if (*w == '\0') return 0;
    }
  }
  return *word == *pat && glob(pat + 1, plen - 1, word + 1);
}

static int word_match(const struct word_pattern *w, const char *word) {
  if (w->has_wildcard && has_dotdot(word)) return 0;
  return glob(w->bytes, w->len, word);
}

static int one_of(const struct word_pattern *w, const char *word) {
  if (!w->nalts) return !has_dotdot(word); /* `**` */
  for (size_t k = 0; k < w->nalts; k++)
    if (word_match(&w->alts[k], word)) return 1;
  return 0;
}

static int match_from(const struct argv_pattern *p, size_t i, char *const *argv) {
  if (i == p->n) return *argv == NULL;
  if (p->words[i].any_words) {
    for (char *const *a = argv;; a++) {
      if (match_from(p, i + 1, a)) return 1;
      if (*a == NULL || !one_of(&p->words[i], *a)) return 0;
    }
  }
  return *argv != NULL && word_match(&p->words[i], *argv) && match_from(p, i + 1, argv + 1);
}

int argv_pattern_match(const struct argv_pattern *p, char *const *argv) {
  return match_from(p, 0, argv);
}
