/* yamlw — a thin writer over libyaml's emitter.
 *
 * libyaml does the quoting; yamlw adds the one thing it lacks: a string that
 * would read back as something else (a number, true, null) is double-quoted,
 * so every name survives a round trip through any YAML reader. */
#ifndef FLAMETOP_YAMLW_H
#define FLAMETOP_YAMLW_H

#include <stdint.h>
#include <stdio.h>
#include <yaml.h>

struct yamlw {
	yaml_emitter_t em;
	int failed; /* sticky: once an event fails, the rest are skipped */
};

int yw_open(struct yamlw *w, FILE *f);
/* Ends the document; returns 0 or -EIO if any event failed. */
int yw_close(struct yamlw *w);

void yw_map(struct yamlw *w);
void yw_seq(struct yamlw *w);
void yw_end_map(struct yamlw *w);
void yw_end_seq(struct yamlw *w);
void yw_flow_seq(struct yamlw *w); /* [a, b] on one line */

void yw_str(struct yamlw *w, const char *s); /* NULL writes null */
void yw_int(struct yamlw *w, long long v);
void yw_uint(struct yamlw *w, unsigned long long v);
void yw_num(struct yamlw *w, double v, int decimals);
void yw_bool(struct yamlw *w, int v);
void yw_null(struct yamlw *w);
/* A scalar in STYLE as given (replaying a document read back). */
void yw_scalar(struct yamlw *w, const char *s, yaml_scalar_style_t style);

/* key: value shorthands inside a mapping */
void yw_kstr(struct yamlw *w, const char *k, const char *v);
void yw_kint(struct yamlw *w, const char *k, long long v);
void yw_kuint(struct yamlw *w, const char *k, unsigned long long v);
void yw_knum(struct yamlw *w, const char *k, double v, int decimals);
void yw_kbool(struct yamlw *w, const char *k, int v);
void yw_key(struct yamlw *w, const char *k);

#endif
