/* yamlw — libyaml emitter helpers. */
#include "yamlw.h"

#include <errno.h>
#include <math.h>
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

void yw_scalar(struct yamlw *w, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	emit(w, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
					  style));
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
		       plain_safe(s) ? YAML_PLAIN_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
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

void yw_bool(struct yamlw *w, int v) { yw_scalar(w, v ? "true" : "false", YAML_PLAIN_SCALAR_STYLE); }
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
