/* yamlw — libyaml emitter helpers. */
#include "yamlw.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The emitter owns an event handed to it, even when it fails; one not
 * handed over (a write failed before) is ours to delete. */
static void emit(struct yamlw *w, yaml_event_t *ev, int ok)
{
	if (!ok) {
		w->failed = 1;
	} else if (w->failed) {
		yaml_event_delete(ev);
	} else if (!yaml_emitter_emit(&w->em, ev)) {
		w->failed = 1;
	}
}

static int write_file(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

int yw_open(struct yamlw *w, FILE *f)
{
	yaml_event_t ev;

	memset(w, 0, sizeof(*w));
	if (!yaml_emitter_initialize(&w->em))
		return -ENOMEM;
	yaml_emitter_set_output(&w->em, write_file, f);
	yaml_emitter_set_unicode(&w->em, 1);
	yaml_emitter_set_width(&w->em, 1 << 20); /* long names stay on one line */
	emit(w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	return w->failed ? -EIO : 0;
}

int yw_close(struct yamlw *w)
{
	yaml_event_t ev;
	int failed;

	emit(w, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(w, &ev, yaml_stream_end_event_initialize(&ev));
	if (!w->failed && !yaml_emitter_flush(&w->em))
		w->failed = 1;
	failed = w->failed;
	yaml_emitter_delete(&w->em);
	return failed ? -EIO : 0;
}

void yw_map(struct yamlw *w)
{
	yaml_event_t ev;

	emit(w, &ev,
	     yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
}

void yw_seq(struct yamlw *w)
{
	yaml_event_t ev;

	emit(w, &ev,
	     yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE));
}

void yw_flow_seq(struct yamlw *w)
{
	yaml_event_t ev;

	emit(w, &ev,
	     yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE));
}

void yw_end_map(struct yamlw *w)
{
	yaml_event_t ev;

	emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
}

void yw_end_seq(struct yamlw *w)
{
	yaml_event_t ev;

	emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

/* The length of the valid UTF-8 sequence at S (1-4), or 0: overlong forms,
 * surrogates and code points past U+10FFFF are invalid, as libyaml has it. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0], v;
	size_t n = c < 0x80             ? 1
		   : (c & 0xE0) == 0xC0 ? 2
		   : (c & 0xF0) == 0xE0 ? 3
		   : (c & 0xF8) == 0xF0 ? 4
					: 0;

	if (n <= 1)
		return n;
	v = c & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000) ||
	    (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return 0;
	return n;
}

/* Names come from the target (argv, thread names, symbols): bytes, not
 * always UTF-8. Each byte that starts no valid sequence becomes U+FFFD, so
 * the export is written instead of refused by the emitter. NULL when S is
 * valid already (or no memory: S is written as it is). */
static char *valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n;
	char *out;

	while (i < len && (n = utf8_len(p + i)))
		i += n;
	if (i == len || !(out = malloc(len * 3 + 1)))
		return NULL;
	for (i = 0; i < len; i += n ? n : 1) {
		n = utf8_len(p + i);
		if (n) {
			memcpy(out + o, s + i, n);
			o += n;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
		}
	}
	out[o] = 0;
	return out;
}

void yw_scalar(struct yamlw *w, const char *s, yaml_scalar_style_t style)
{
	size_t len = strlen(s);
	char *fixed = valid_utf8(s, len);
	yaml_event_t ev;

	if (fixed) {
		s = fixed;
		len = strlen(s);
	}
	emit(
	    w, &ev,
	    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style));
	free(fixed); /* the event holds its own copy */
}

/* Plain style only for words that cannot be read as another type. */
static int plain_safe(const char *s)
{
	static const char *const reserved[] = { "true", "false", "null", "yes", "no", "on",
						"off",  "y",     "n",    "nan", "inf" };

	if (!*s ||
	    !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' || *s == '/'))
		return 0;
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+",
			    *p))
			return 0;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
		if (!strcasecmp(s, reserved[i]))
			return 0;
	return 1;
}

void yw_str(struct yamlw *w, const char *s)
{
	if (!s)
		yw_null(w);
	else
		yw_scalar(w, s,
			  plain_safe(s) ? YAML_PLAIN_SCALAR_STYLE
					: YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void yw_int(struct yamlw *w, long long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", v);
	yw_scalar(w, b, YAML_PLAIN_SCALAR_STYLE);
}

void yw_uint(struct yamlw *w, unsigned long long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%llu", v);
	yw_scalar(w, b, YAML_PLAIN_SCALAR_STYLE);
}

void yw_num(struct yamlw *w, double v, int decimals)
{
	char b[64];

	if (!isfinite(v)) {
		yw_null(w);
		return;
	}
	snprintf(b, sizeof(b), "%.*f", decimals, v);
	yw_scalar(w, b, YAML_PLAIN_SCALAR_STYLE);
}

void yw_bool(struct yamlw *w, int v)
{
	yw_scalar(w, v ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
}
void yw_null(struct yamlw *w) { yw_scalar(w, "null", YAML_PLAIN_SCALAR_STYLE); }
void yw_key(struct yamlw *w, const char *k) { yw_str(w, k); }

void yw_kstr(struct yamlw *w, const char *k, const char *v)
{
	yw_key(w, k);
	yw_str(w, v);
}

void yw_kint(struct yamlw *w, const char *k, long long v)
{
	yw_key(w, k);
	yw_int(w, v);
}

void yw_kuint(struct yamlw *w, const char *k, unsigned long long v)
{
	yw_key(w, k);
	yw_uint(w, v);
}

void yw_knum(struct yamlw *w, const char *k, double v, int decimals)
{
	yw_key(w, k);
	yw_num(w, v, decimals);
}

void yw_kbool(struct yamlw *w, const char *k, int v)
{
	yw_key(w, k);
	yw_bool(w, v);
}
