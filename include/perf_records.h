/* perf_records — decoding the records a sampling event writes.
 *
 * Layout depends on attr.sample_type; perf_records decodes the subset flametop
 * asks for (PERF_RECS_SAMPLE_TYPE) and the side-band records it enables
 * (comm, mmap2, fork/exit, lost).  Decoding never reads past rec->size. */
#ifndef FLAMETOP_PERF_RECORDS_H
#define FLAMETOP_PERF_RECORDS_H

#include <linux/perf_event.h>
#include <stdint.h>

#define PERF_RECS_SAMPLE_TYPE                                                    \
	(PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
	 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN)

struct perf_rec {
	uint32_t type; /* PERF_RECORD_* */
	uint16_t misc;
	uint32_t pid, tid; /* from the sample or the sample_id trailer */
	uint64_t time;     /* 0 when the record carries none */
	union {
		struct {
			uint64_t ip, period;
			uint32_t cpu;
			uint64_t nr;         /* call chain length */
			const uint64_t *ips; /* leaf first, with PERF_CONTEXT_* markers */
		} sample;
		struct {
			uint64_t start, len, pgoff;
			uint32_t prot;
			const char *filename;
		} mmap;
		struct {
			const char *comm;
			int exec; /* the comm changed because of exec */
		} comm;
		struct {
			uint32_t ppid, ptid;
		} task; /* fork or exit; pid/tid are the child's */
		struct {
			uint64_t lost;
		} lost;
	};
};

/* Decodes REC (written with sample_type SAMPLE_TYPE and sample_id_all).
 * Returns 0, or -EBADMSG when it is truncated or malformed, or -ENOTSUP for
 * a record type flametop does not use. */
int perf_rec_decode(const struct perf_event_header *rec, uint64_t sample_type,
		    struct perf_rec *out);

#endif
