/* grow — capacity doubling for the dynamic arrays every module keeps.
 * Header-only so that counters/ and core/ share it without a layer edge. */
#ifndef FLAMETOP_GROW_H
#define FLAMETOP_GROW_H

#include <errno.h>
#include <stdlib.h>

/* Makes *ARR hold at least NEED elements of ELEM bytes; *CAP is updated.
 * Returns 0, or -ENOMEM leaving the array as it was. */
static inline int grow_array(void *arr, size_t *cap, size_t need, size_t elem)
{
	void **p = arr;
	size_t c = *cap ? *cap : 16;
	void *v;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	v = realloc(*p, c * elem);
	if (!v)
		return -ENOMEM;
	*p = v;
	*cap = c;
	return 0;
}

#endif
