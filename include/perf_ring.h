/* perf_ring — reading a perf_event mmap ring buffer.
 *
 * The kernel writes records between data_tail and data_head; we consume them
 * in order and publish the new tail.  A record that wraps around the end of
 * the buffer is reassembled in a scratch copy so callers always see one
 * contiguous record. */
#ifndef FLAMETOP_PERF_RING_H
#define FLAMETOP_PERF_RING_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct perf_ring {
	struct perf_event_mmap_page *meta; /* first page of the mapping */
	uint8_t *data;                     /* data area, data_size bytes */
	uint64_t data_size;                /* a power of two */
	size_t map_len;                    /* whole mapping, 0 if not mmap'd */
	uint8_t scratch[65536];            /* wrapped records are copied here */
};

/* Called once per record; returning non-zero stops the drain after it. */
typedef int (*ring_record_fn)(const struct perf_event_header *rec, void *arg);

/* Maps 1 + 2^order pages of FD. Returns 0 or -errno. */
int ring_map(struct perf_ring *ring, int fd, unsigned order);
/* Wraps memory laid out like a perf mapping (used by tests). */
void ring_attach(struct perf_ring *ring, void *mem, uint64_t data_size);
void ring_unmap(struct perf_ring *ring);

/* Hands records to FN, at most MAX_BYTES worth (0: no limit).
 * Returns the number of records read, or -EBADMSG if the buffer is corrupt. */
long ring_drain(struct perf_ring *ring, size_t max_bytes, ring_record_fn fn, void *arg);
/* Bytes written by the kernel and not yet consumed. */
uint64_t ring_pending(const struct perf_ring *ring);

#endif
