/* annotate_out — annotated source on standard output, for scripts:
 * `flametop report FILE --annotate FUNCTION` (the hot lines the export
 * saved, beside the source text) and `flametop diff BASE AFTER --annotate
 * FUNCTION` (each line's share on both sides and the change). Everything
 * printed goes through the process's safe stdout (safeout.h): no escape
 * from a source file reaches the terminal. */
#include "annotate_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Source text with its tabs as spaces. */
static void put_text(const char *t)
{
	size_t col = 0;

	for (const char *p = t ? t : ""; *p; p++) {
		if (*p == '\t') {
			do
				putchar(' ');
			while (++col % 8);
		} else {
			putchar(*p);
			col++;
		}
	}
	putchar('\n');
}

/* The names of the functions the export kept lines for, for a message. */
static void names_with_lines(const struct saved_report *s, char *out, size_t len)
{
	const struct profile *p = s->profile;
	struct hotspot *hs = NULL;
	long n = profile_hotspots(p, &hs);
	size_t w = 0;

	out[0] = 0;
	for (long i = 0, k = 0; i < n && k < 8; i++) {
		const struct frame *f = frametab_get(p->frames, hs[i].frame);
		struct annotation a;

		if (saved_lines_of(s, f->name, f->module, &a) == 0) {
			w += (size_t)snprintf(out + w, w < len ? len - w : 0, "%s%s",
					      k++ ? ", " : "", f->name);
			annotation_free(&a);
		}
		if (w >= len)
			break;
	}
	free(hs);
}

int annotate_print_saved(const struct saved_report *s, const char *fn,
			 const struct annotate_opts *o)
{
	struct annotation a;
	char names[400];

	if (saved_lines_of(s, fn, NULL, &a)) {
		names_with_lines(s, names, sizeof(names));
		fprintf(stderr, "flametop: %s has no lines saved for '%s' (%s%s)\n", s->path, fn,
			names[0] ? "it has them for: " : "none are saved in it",
			names[0] ? names : "");
		return 2;
	}
	annotation_read_source(&a, o);
	printf("%s  %s  %s  (self %llu, total %llu samples)\n", a.name, a.module, a.file,
	       (unsigned long long)a.self, (unsigned long long)a.total);
	if (!a.source)
		printf("(source not found: %s; --source-prefix OLD=NEW for a moved tree)\n",
		       a.file);
	printf("%7s %7s %6s  %s\n", "self", "total", "line", "source");
	for (size_t i = 0; i < a.nlines; i++) {
		const struct annot_line *l = &a.lines[i];

		if (l->self || l->total)
			printf("%6.1f%% %6.1f%% %6d  ", annotation_pct(l->self, a.self),
			       annotation_pct(l->total, a.total), l->line);
		else
			printf("%7s %7s %6d  ", "", "", l->line);
		if (l->inlined[0] && !l->text)
			printf("(inlined %s)\n", l->inlined);
		else
			put_text(l->text);
	}
	annotation_free(&a);
	return 0;
}

int annotate_print_diff(const struct saved_report *base, const struct saved_report *after,
			const char *fn, const struct annotate_opts *o)
{
	struct annotation a[2];
	int have[2];
	int lo = 0, hi = 0;

	have[0] = saved_lines_of(base, fn, NULL, &a[0]) == 0;
	have[1] = saved_lines_of(after, fn, NULL, &a[1]) == 0;
	if (!have[0] && !have[1]) {
		fprintf(stderr, "flametop: neither profile has lines saved for '%s'\n", fn);
		return 2;
	}
	for (int k = 0; k < 2; k++)
		if (have[k]) {
			if (!lo || a[k].lines[0].line < lo)
				lo = a[k].lines[0].line;
			if (a[k].lines[a[k].nlines - 1].line > hi)
				hi = a[k].lines[a[k].nlines - 1].line;
		}
	annotation_read_source(&a[have[1] ? 1 : 0], o);
	printf("%s: per-line share of the function's total samples, base -> after\n", fn);
	if (have[0] && have[1] && strcmp(a[0].file, a[1].file))
		printf("(the sides name different files: %s, %s)\n", a[0].file, a[1].file);
	printf("%7s %7s %8s %6s  %s\n", "base", "after", "change", "line", "source");
	for (int line = lo; line <= hi; line++) {
		const struct annot_line *l[2] = { NULL, NULL }, *text = NULL;
		double v[2] = { 0, 0 };

		for (int k = 0; k < 2; k++)
			if (have[k] && line >= a[k].lines[0].line &&
			    line <= a[k].lines[a[k].nlines - 1].line) {
				l[k] = &a[k].lines[line - a[k].lines[0].line];
				v[k] = annotation_pct(l[k]->total, a[k].total);
				if (l[k]->text)
					text = l[k];
			}
		if ((l[0] && l[0]->total) || (l[1] && l[1]->total))
			printf("%6.1f%% %6.1f%% %+7.1f %6d  ", v[0], v[1], v[1] - v[0], line);
		else
			printf("%7s %7s %8s %6d  ", "", "", "", line);
		put_text(text ? text->text : NULL);
	}
	for (int k = 0; k < 2; k++)
		if (have[k])
			annotation_free(&a[k]);
	return 0;
}
