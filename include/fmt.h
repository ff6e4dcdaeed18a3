/* fmt — numbers for people, shared by the screen and the readings. */
#ifndef FLAMETOP_FMT_H
#define FLAMETOP_FMT_H

#include <stddef.h>

/* A count in 5 columns: 999, 12.3k, 4.5M. */
void fmt_count(char *buf, size_t len, double v);
/* Bytes with a binary unit: 512 B, 1.5 KiB, 12.0 MiB. */
void fmt_bytes(char *buf, size_t len, double v);

/* A demangled C++ name as perf shows it by default: without its return
 * type and parameter list ("ns::Foo<int>::bar"; "operator()" and
 * "operator new" kept whole). NAME itself when there is nothing to drop;
 * else the short form in BUF. */
const char *fmt_short_name(const char *name, char *buf, size_t len);

#endif
