/* perf_ring — consumer side of the perf_event ring buffer. */
#include "perf_ring.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int ring_map(struct perf_ring *ring, int fd, unsigned order)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = page * ((1u << order) + 1);
	void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (mem == MAP_FAILED)
		return -errno;
	ring_attach(ring, mem, (uint64_t)page << order);
	ring->map_len = len;
	return 0;
}

void ring_attach(struct perf_ring *ring, void *mem, uint64_t data_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	ring->meta = mem;
	ring->data = (uint8_t *)mem + page;
	ring->data_size = data_size;
	ring->map_len = 0;
}

void ring_unmap(struct perf_ring *ring)
{
	if (ring->meta && ring->map_len)
		munmap(ring->meta, ring->map_len);
	ring->meta = NULL;
	ring->map_len = 0;
}

uint64_t ring_pending(const struct perf_ring *ring)
{
	uint64_t head = __atomic_load_n(&ring->meta->data_head, __ATOMIC_ACQUIRE);

	return head - ring->meta->data_tail;
}

long ring_drain(struct perf_ring *ring, size_t max_bytes, ring_record_fn fn, void *arg)
{
	/* Acquire pairs with the kernel's release of data_head: record bytes
	 * written before head moved are visible once we see the new head. */
	uint64_t head = __atomic_load_n(&ring->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = ring->meta->data_tail;
	uint64_t mask = ring->data_size - 1, start = tail;
	long n = 0;
	int stop = 0;

	while (tail < head && !stop) {
		uint64_t off = tail & mask;
		const struct perf_event_header *h = (const void *)(ring->data + off);
		uint64_t size = h->size;

		if (size < sizeof(*h) || size > head - tail || size > sizeof(ring->scratch)) {
			/* Never trust a size we cannot honour: skip what is left. */
			__atomic_store_n(&ring->meta->data_tail, head, __ATOMIC_RELEASE);
			return -EBADMSG;
		}
		if (off + size > ring->data_size) {
			uint64_t first = ring->data_size - off;

			memcpy(ring->scratch, ring->data + off, first);
			memcpy(ring->scratch + first, ring->data, size - first);
			h = (const void *)ring->scratch;
		}
		stop = fn(h, arg);
		tail += size;
		n++;
		if (max_bytes && tail - start >= max_bytes)
			break;
	}
	/* Release: the kernel may overwrite the space only after we are done. */
	__atomic_store_n(&ring->meta->data_tail, tail, __ATOMIC_RELEASE);
	return n;
}
