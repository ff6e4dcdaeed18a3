/* fmt — numbers for people: counts and byte sizes. */
#include "fmt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

size_t utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;
	uint32_t c;

	if (!n || !s[0])
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, c = s[0] & 0x07;
	else
		goto bad;
	if (len > n)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past Unicode are not text. */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

size_t utf8_encode(uint32_t cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* C0 and C1 controls, DEL, and the bidirectional controls that reorder
 * what follows them (U+061C, U+200E-F, U+202A-E, U+2066-9): a name that
 * holds one could move the cursor, retitle the window or make text read
 * backwards. */
int fmt_cp_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x61c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The length of the UTF-8 sequence S[0] begins (1 for a byte that begins
 * none). */
static size_t utf8_len(unsigned char c)
{
	return (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
}

size_t fmt_safe_text(const char *in, size_t n, char *out, size_t *carry)
{
	size_t k, o = 0, i = 0;
	uint32_t cp;

	*carry = 0;
	while (i < n) {
		if ((unsigned char)in[i] >= 0xc0 && utf8_len((unsigned char)in[i]) > n - i) {
			/* A sequence cut by the end of IN: the caller sends it again. */
			size_t j = i + 1;

			while (j < n && ((unsigned char)in[j] & 0xc0) == 0x80)
				j++;
			if (j == n) {
				*carry = n - i;
				break;
			}
		}
		if (!in[i]) {
			cp = 0, k = 1;
		} else {
			k = utf8_decode(in + i, n - i, &cp);
		}
		if (cp == '\n' || cp == '\t')
			out[o++] = (char)cp;
		else if (fmt_cp_is_control(cp))
			out[o++] = '?';
		else if (cp == 0xfffd && k == 1)
			o += utf8_encode(0xfffd, out + o); /* a byte that is not UTF-8 */
		else
			memcpy(out + o, in + i, k), o += k;
		i += k;
	}
	return o;
}

int fmt_name_is_canon(const char *s)
{
	size_t n = strlen(s), k;
	uint32_t cp;

	for (size_t i = 0; i < n; i += k) {
		unsigned char c = (unsigned char)s[i];

		k = 1;
		if (c == ';' || c == '\n' || c == '\r')
			return 0;
		if (c >= 0x80 && (k = utf8_decode(s + i, n - i, &cp)) == 1 && cp == 0xfffd)
			return 0; /* a byte that begins no sequence */
	}
	return 1;
}

char *fmt_name_canon(const char *s)
{
	size_t n = strlen(s), o = 0, k;
	char *out = malloc(3 * n + 1);
	uint32_t cp;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += k) {
		k = utf8_decode(s + i, n - i, &cp);
		if (s[i] == ';')
			out[o++] = ',';
		else if (s[i] == '\n' || s[i] == '\r')
			out[o++] = ' ';
		else if (cp == 0xfffd && k == 1)
			o += utf8_encode(0xfffd, out + o);
		else
			memcpy(out + o, s + i, k), o += k;
	}
	out[o] = 0;
	return out;
}
