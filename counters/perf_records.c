/* perf_records — decoding perf_event ring-buffer records. */
#include "perf_records.h"

#include <errno.h>
#include <string.h>

struct cursor {
	const uint8_t *p, *end;
};

static int take_u64(struct cursor *c, uint64_t *v)
{
	if (c->end - c->p < 8)
		return -EBADMSG;
	memcpy(v, c->p, 8);
	c->p += 8;
	return 0;
}

static int take_pair(struct cursor *c, uint32_t *a, uint32_t *b)
{
	if (c->end - c->p < 8)
		return -EBADMSG;
	memcpy(a, c->p, 4);
	memcpy(b, c->p + 4, 4);
	c->p += 8;
	return 0;
}

/* A NUL-terminated string padded to 8 bytes; must end inside the record. */
static int take_str(struct cursor *c, const char **s)
{
	const uint8_t *nul = memchr(c->p, 0, (size_t)(c->end - c->p));

	if (!nul)
		return -EBADMSG;
	*s = (const char *)c->p;
	c->p += ((size_t)(nul - c->p) + 8) & ~(size_t)7;
	if (c->p > c->end)
		c->p = c->end;
	return 0;
}

/* The sample_id trailer sits at the end of non-sample records. */
static int decode_trailer(const struct perf_event_header *h, uint64_t st, struct perf_rec *r)
{
	size_t need = 0;
	struct cursor c;
	uint64_t skip;

	if (st & PERF_SAMPLE_TID)
		need += 8;
	if (st & PERF_SAMPLE_TIME)
		need += 8;
	if (st & PERF_SAMPLE_CPU)
		need += 8;
	if (st & PERF_SAMPLE_IDENTIFIER)
		need += 8;
	if (h->size < sizeof(*h) + need)
		return -EBADMSG;
	c.end = (const uint8_t *)h + h->size;
	c.p = c.end - need;
	if ((st & PERF_SAMPLE_TID) && take_pair(&c, &r->pid, &r->tid))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_TIME) && take_u64(&c, &r->time))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_CPU) && take_u64(&c, &skip))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_IDENTIFIER) && take_u64(&c, &r->id))
		return -EBADMSG;
	return 0;
}

/* The group read (PERF_RECS_READ_FORMAT): nr, enabled, running, then a
 * value and an id per event. */
static int take_group(struct cursor *c, struct group_read *g)
{
	uint64_t id;

	if (take_u64(c, &g->nr) || take_u64(c, &g->enabled) || take_u64(c, &g->running))
		return -EBADMSG;
	if (g->nr > EVENTS_MAX)
		return -EBADMSG;
	for (uint64_t i = 0; i < g->nr; i++)
		if (take_u64(c, &g->value[i]) || take_u64(c, &id))
			return -EBADMSG;
	return 0;
}

int perf_read_decode(const void *buf, size_t len, struct group_read *out)
{
	struct cursor c = { buf, (const uint8_t *)buf + len };

	memset(out, 0, sizeof(*out));
	return take_group(&c, out);
}

static int take_regs(struct cursor *c, struct perf_rec *r)
{
	if (take_u64(c, &r->sample.regs_abi))
		return -EBADMSG;
	if (r->sample.regs_abi == PERF_SAMPLE_REGS_ABI_NONE)
		return 0;
	for (int i = 0; i < PERF_RECS_NREGS; i++)
		if (take_u64(c, &r->sample.regs[i]))
			return -EBADMSG;
	return 0;
}

/* size, then SIZE bytes, then (when SIZE is not 0) how many were copied. */
static int take_stack(struct cursor *c, struct perf_rec *r)
{
	uint64_t size, dyn;

	if (take_u64(c, &size) || size > (uint64_t)(c->end - c->p))
		return -EBADMSG;
	if (!size)
		return 0;
	r->sample.stack = c->p;
	c->p += size;
	if (take_u64(c, &dyn))
		return -EBADMSG;
	r->sample.stack_size = dyn < size ? dyn : size;
	return 0;
}

static int decode_sample(struct cursor *c, uint64_t st, struct perf_rec *r)
{
	uint32_t cpu = 0, res;

	if (st & ~(uint64_t)(PERF_RECS_SAMPLE_TYPE | PERF_SAMPLE_READ | PERF_SAMPLE_REGS_USER |
			     PERF_SAMPLE_STACK_USER | PERF_SAMPLE_IDENTIFIER))
		return -ENOTSUP;
	if ((st & PERF_SAMPLE_IDENTIFIER) && take_u64(c, &r->id))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_IP) && take_u64(c, &r->sample.ip))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_TID) && take_pair(c, &r->pid, &r->tid))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_TIME) && take_u64(c, &r->time))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_CPU) && take_pair(c, &cpu, &res))
		return -EBADMSG;
	r->sample.cpu = cpu;
	r->sample.period = 1;
	if ((st & PERF_SAMPLE_PERIOD) && take_u64(c, &r->sample.period))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_READ) && take_group(c, &r->sample.read))
		return -EBADMSG;
	r->sample.nr = 0;
	r->sample.ips = NULL;
	if (st & PERF_SAMPLE_CALLCHAIN) {
		if (take_u64(c, &r->sample.nr) || r->sample.nr > (uint64_t)(c->end - c->p) / 8)
			return -EBADMSG;
		r->sample.ips = (const uint64_t *)(const void *)c->p;
		c->p += r->sample.nr * 8;
	}
	if ((st & PERF_SAMPLE_REGS_USER) && take_regs(c, r))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_STACK_USER) && take_stack(c, r))
		return -EBADMSG;
	return 0;
}

static int decode_mmap2(struct cursor *c, struct perf_rec *r)
{
	uint64_t dev_ino[3], prot_flags;

	if (take_pair(c, &r->pid, &r->tid) || take_u64(c, &r->mmap.start) ||
	    take_u64(c, &r->mmap.len) || take_u64(c, &r->mmap.pgoff))
		return -EBADMSG;
	/* maj, min (u32 each), ino, ino_generation; a build id instead when
	 * the record says so, and then no file identity. */
	for (int i = 0; i < 3; i++)
		if (take_u64(c, &dev_ino[i]))
			return -EBADMSG;
	if (!(r->misc & PERF_RECORD_MISC_MMAP_BUILD_ID)) {
		r->mmap.maj = (uint32_t)dev_ino[0];
		r->mmap.min = (uint32_t)(dev_ino[0] >> 32);
		r->mmap.ino = dev_ino[1];
	}
	if (take_u64(c, &prot_flags))
		return -EBADMSG;
	r->mmap.prot = (uint32_t)prot_flags;
	return take_str(c, &r->mmap.filename);
}

static int decode_other(const struct perf_event_header *h, struct cursor *c, uint64_t st,
			struct perf_rec *r)
{
	uint64_t id;
	uint32_t pid, tid;
	int err = decode_trailer(h, st, r);

	if (err)
		return err;
	switch (h->type) {
	case PERF_RECORD_MMAP2:
		return decode_mmap2(c, r);
	case PERF_RECORD_COMM:
		r->comm.exec = !!(h->misc & PERF_RECORD_MISC_COMM_EXEC);
		if (take_pair(c, &r->pid, &r->tid))
			return -EBADMSG;
		return take_str(c, &r->comm.comm);
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		if (take_pair(c, &pid, &r->task.ppid) || take_pair(c, &tid, &r->task.ptid))
			return -EBADMSG;
		r->pid = pid;
		r->tid = tid;
		return 0;
	case PERF_RECORD_LOST:
		if (take_u64(c, &id))
			return -EBADMSG;
		return take_u64(c, &r->lost.lost);
	case PERF_RECORD_LOST_SAMPLES:
		return take_u64(c, &r->lost.lost);
	case PERF_RECORD_SWITCH:
		return 0;
	default:
		return -ENOTSUP;
	}
}

int perf_rec_peek(const struct perf_event_header *h, uint64_t st, struct perf_rec *r)
{
	struct cursor c = { (const uint8_t *)(h + 1), (const uint8_t *)h + h->size };
	uint64_t skip;

	if (h->type != PERF_RECORD_SAMPLE)
		return perf_rec_decode(h, st, r);
	if (h->size < sizeof(*h))
		return -EBADMSG;
	if (st & ~(uint64_t)(PERF_RECS_SAMPLE_TYPE | PERF_SAMPLE_READ | PERF_SAMPLE_REGS_USER |
			     PERF_SAMPLE_STACK_USER | PERF_SAMPLE_IDENTIFIER))
		return -ENOTSUP;
	r->type = h->type;
	r->misc = h->misc;
	r->pid = r->tid = 0;
	r->time = r->id = 0;
	if ((st & PERF_SAMPLE_IDENTIFIER) && take_u64(&c, &r->id))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_IP) && take_u64(&c, &skip))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_TID) && take_pair(&c, &r->pid, &r->tid))
		return -EBADMSG;
	if ((st & PERF_SAMPLE_TIME) && take_u64(&c, &r->time))
		return -EBADMSG;
	return 0;
}

int perf_rec_decode(const struct perf_event_header *h, uint64_t st, struct perf_rec *r)
{
	struct cursor c = { (const uint8_t *)(h + 1), (const uint8_t *)h + h->size };

	if (h->size < sizeof(*h))
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	r->type = h->type;
	r->misc = h->misc;
	if (h->type == PERF_RECORD_SAMPLE)
		return decode_sample(&c, st, r);
	return decode_other(h, &c, st, r);
}
