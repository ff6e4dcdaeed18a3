/* fmt — numbers for people, shared by the screen and the readings. */
#ifndef FLAMETOP_FMT_H
#define FLAMETOP_FMT_H

#include <stddef.h>
#include <stdint.h>

/* A count in 5 columns: 999, 12.3k, 4.5M. */
void fmt_count(char *buf, size_t len, double v);
/* Bytes with a binary unit: 512 B, 1.5 KiB, 12.0 MiB. */
void fmt_bytes(char *buf, size_t len, double v);

/* A demangled C++ name as perf shows it by default: without its return
 * type and parameter list ("ns::Foo<int>::bar"; "operator()" and
 * "operator new" kept whole). NAME itself when there is nothing to drop;
 * else the short form in BUF. */
const char *fmt_short_name(const char *name, char *buf, size_t len);

/* Decodes one UTF-8 code point from S (at most N bytes); returns its length
 * (1 and U+FFFD for an invalid byte), 0 at the end. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encodes CP into OUT (4 bytes); returns the length. */
size_t utf8_encode(uint32_t cp, char *out);

/* Whether CP must never reach a terminal as itself: C0, DEL, C1 and the
 * bidirectional controls. */
int fmt_cp_is_control(uint32_t cp);
/* Text from outside (a symbol, a comm, a Python name, a file name) made
 * safe for a terminal: each control (fmt_cp_is_control) but newline and tab
 * becomes '?', each byte that begins no UTF-8 sequence U+FFFD. Writes OUT
 * (room for 3 * N bytes) and returns its length; a sequence cut by the end
 * of IN is left out, its length in *CARRY, for the caller to send again
 * with what follows. The one filter of every byte flametop prints
 * (tui/safeout.c) and of the screen's cells (surf_text). */
size_t fmt_safe_text(const char *in, size_t n, char *out, size_t *carry);

/* The one form a function or module name takes in the model, and so in
 * every export (YAML, folded, pprof) and every reader of them: each byte
 * that begins no UTF-8 sequence becomes U+FFFD, ';' (folded stacks' frame
 * separator) becomes ',', a newline or carriage return a space. Applied
 * where names enter the frame table; idempotent. */
int fmt_name_is_canon(const char *s);
/* NAME in that form, allocated (NULL: out of memory). */
char *fmt_name_canon(const char *s);

#endif
