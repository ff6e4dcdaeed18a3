/* fmt — numbers for people: counts and byte sizes. */
#include "fmt.h"

#include <stdio.h>
#include <string.h>

void fmt_count(char *buf, size_t len, double v)
{
	if (v < 1000)
		snprintf(buf, len, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else
		snprintf(buf, len, "%.1fG", v / 1e9);
}

void fmt_bytes(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* Depth change of C for the bracket kinds a demangled name nests. */
static int nest(char c)
{
	return c == '(' || c == '<' || c == '{' || c == '['   ? 1
	       : c == ')' || c == '>' || c == '}' || c == ']' ? -1
							      : 0;
}

const char *fmt_short_name(const char *name, char *buf, size_t len)
{
	const char *close = strrchr(name, ')'), *open = NULL, *start = name, *p;
	int depth = 0;
	size_t n;

	if (!close || !strchr(name, '(') || len == 0)
		return name;
	/* The parameter list: the '(' that matches the last ')'. */
	for (p = close; p >= name; p--) {
		depth += *p == ')' ? 1 : *p == '(' ? -1 : 0;
		if (depth == 0) {
			open = p;
			break;
		}
	}
	if (!open || open == name)
		return name;
	/* The return type: up to the last space outside brackets, unless it
	 * is the one in "operator new" / "operator delete" / a conversion. */
	depth = 0;
	for (p = name; p < open; p++) {
		depth += nest(*p);
		if (*p == ' ' && depth == 0 && !(p - name >= 8 && !strncmp(p - 8, "operator", 8)))
			start = p + 1;
	}
	n = (size_t)(open - start);
	if (n == 0 || n >= len)
		return name;
	memcpy(buf, start, n);
	buf[n] = 0;
	return buf;
}
