/* ledger — hypotheses, verdicts and the evidence behind them. */
#include "ledger.h"

#include "grow.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ledger_init(struct ledger *l)
{
	memset(l, 0, sizeof(*l));
	l->next_id = 1;
}

static void hyp_free(struct hypothesis *h)
{
	free(h->text);
	free(h->evidence);
}

void ledger_fini(struct ledger *l)
{
	for (size_t i = 0; i < l->n; i++)
		hyp_free(&l->v[i]);
	free(l->v);
	ledger_init(l);
}

struct hypothesis *ledger_add(struct ledger *l, const char *text, time_t now)
{
	struct hypothesis *h;
	char *t;

	if (!text || !text[0] || grow_array(&l->v, &l->cap, l->n + 1, sizeof(*l->v)))
		return NULL;
	if (!(t = strdup(text)))
		return NULL;
	h = &l->v[l->n++];
	memset(h, 0, sizeof(*h));
	h->id = l->next_id++;
	h->text = t;
	h->created_at = now;
	l->changes++;
	return h;
}

struct hypothesis *ledger_find(struct ledger *l, unsigned id)
{
	/* Newest first: the one just added is found at once. */
	for (size_t i = l->n; i-- > 0;)
		if (l->v[i].id == id)
			return &l->v[i];
	return NULL;
}

static int replace(char **dst, const char *src)
{
	char *c = src && src[0] ? strdup(src) : NULL;

	if (src && src[0] && !c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int ledger_mark(struct ledger *l, unsigned id, enum verdict v, const struct hyp_snapshot *snap,
		time_t now)
{
	struct hypothesis *h = ledger_find(l, id);
	char line[1024];

	if (!h)
		return -ENOENT;
	l->changes++;
	h->verdict = v;
	h->marked_at = now;
	if (snap)
		h->snap = *snap;
	if (!h->evidence && snap && snap->valid) {
		ledger_evidence_line(snap, line, sizeof(line));
		return replace(&h->evidence, line);
	}
	return 0;
}

int ledger_set_evidence(struct ledger *l, unsigned id, const char *evidence)
{
	struct hypothesis *h = ledger_find(l, id);

	if (!h)
		return -ENOENT;
	l->changes++;
	return replace(&h->evidence, evidence);
}

int ledger_set_text(struct ledger *l, unsigned id, const char *text)
{
	struct hypothesis *h = ledger_find(l, id);

	if (!h || !text || !text[0])
		return h ? -EINVAL : -ENOENT;
	l->changes++;
	return replace(&h->text, text);
}

int ledger_delete(struct ledger *l, unsigned id)
{
	struct hypothesis *h = ledger_find(l, id);
	size_t i;

	if (!h)
		return -ENOENT;
	i = (size_t)(h - l->v);
	hyp_free(h);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
	l->n--;
	l->changes++;
	return 0;
}

/* snprintf at BUF+*W, moving *W on; output past LEN is cut. */
__attribute__((format(printf, 4, 5))) static void append(char *buf, size_t len, size_t *w,
							 const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*w >= len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *w, len - *w, fmt, ap);
	va_end(ap);
	if (k > 0)
		*w = *w + (size_t)k < len ? *w + (size_t)k : len;
}

void ledger_evidence_line(const struct hyp_snapshot *s, char *buf, size_t len)
{
	size_t w = 0;

	buf[0] = 0;
	if (!s->valid || !len)
		return;
	if (s->function[0])
		append(buf, len, &w, "%s %.1f%% self, %.1f%% total", s->function, s->self_pct,
		       s->total_pct);
	if (s->recent)
		append(buf, len, &w, "%s(recent, at %.0f s)", w ? " " : "", s->to_s);
	else
		append(buf, len, &w, "%sover %.0f-%.0f s", w ? " " : "", s->from_s, s->to_s);
	append(buf, len, &w, "; CPU %.0f%%; RSS %.1f MiB", s->cpu_pct, s->rss_mib);
	if (s->has_slope)
		append(buf, len, &w, " (%+.2f MiB/min)", s->rss_slope_mib_min);
	if (s->read_bps > 0 || s->write_bps > 0)
		append(buf, len, &w, "; read %.0f KiB/s, write %.0f KiB/s", s->read_bps / 1024,
		       s->write_bps / 1024);
	for (size_t i = 0; i < s->nctr; i++)
		append(buf, len, &w, "%s %s %.4g", i ? "," : ";", s->ctr_name[i], s->ctr_value[i]);
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_SUPPORTS:
		return "supports";
	case VERDICT_REJECTS:
		return "rejects";
	default:
		return "open";
	}
}
