/* perf_records — decoding the records a sampling event writes.
 *
 * Layout depends on attr.sample_type; perf_records decodes the subset flametop
 * asks for (PERF_RECS_SAMPLE_TYPE) and the side-band records it enables
 * (comm, mmap2, fork/exit, lost).  Decoding never reads past rec->size. */
#ifndef FLAMETOP_PERF_RECORDS_H
#define FLAMETOP_PERF_RECORDS_H

#include <linux/perf_event.h>
#include <stdint.h>

#include "events.h"

#define PERF_RECS_SAMPLE_TYPE                                                    \
	(PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
	 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN)
/* With PERF_SAMPLE_REGS_USER (DWARF unwinding, the frameless-leaf fix) the
 * user registers asked for: the x86-64 general registers and IP, which come
 * in perf's order AX BX CX DX SI DI BP SP IP R8..R15. */
#define PERF_RECS_REGS_MASK 0xff01ffull
#define PERF_RECS_NREGS     17
enum perf_recs_reg {
	PREG_AX,
	PREG_BX,
	PREG_CX,
	PREG_DX,
	PREG_SI,
	PREG_DI,
	PREG_BP,
	PREG_SP,
	PREG_IP,
	PREG_R8,
};

/* With PERF_SAMPLE_READ added, the group is read in this format. */
#define PERF_RECS_READ_FORMAT                                                                  \
	(PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | \
	 PERF_FORMAT_ID)

/* One read of an event group: values in group order, leader first. */
struct group_read {
	uint64_t nr, enabled, running;
	uint64_t value[EVENTS_MAX];
};

/* Decodes a read(2) of a group leader opened with PERF_RECS_READ_FORMAT.
 * Returns 0 or -EBADMSG. */
int perf_read_decode(const void *buf, size_t len, struct group_read *out);

struct perf_rec {
	uint32_t type; /* PERF_RECORD_* */
	uint16_t misc;
	uint32_t pid, tid; /* from the sample or the sample_id trailer */
	uint64_t time;     /* 0 when the record carries none */
	uint64_t id;       /* PERF_SAMPLE_IDENTIFIER: the event (an inherited
			    * event's parent) that wrote it; 0 without */
	union {
		struct {
			uint64_t ip, period;
			uint32_t cpu;
			struct group_read read; /* nr 0 without PERF_SAMPLE_READ */
			uint64_t nr;            /* call chain length */
			const uint64_t *ips;    /* leaf first, with PERF_CONTEXT_* markers */
			uint64_t regs_abi;      /* 0: no user registers (a kernel thread) */
			uint64_t regs[PERF_RECS_NREGS];
			const uint8_t *stack; /* user stack from regs[PREG_SP] up */
			uint64_t stack_size;  /* bytes valid at STACK */
		} sample;
		struct {
			uint64_t start, len, pgoff;
			uint32_t maj, min; /* the mapped file's device and inode */
			uint64_t ino;      /* (0 when the record has none) */
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

/* PERF_RECORD_SWITCH carries only the trailer; misc says out or in
 * (PERF_RECORD_MISC_SWITCH_OUT) and preempted (..._SWITCH_OUT_PREEMPT). */

/* Decodes REC (written with sample_type SAMPLE_TYPE and sample_id_all).
 * Returns 0, or -EBADMSG when it is truncated or malformed, or -ENOTSUP for
 * a record type flametop does not use. */
int perf_rec_decode(const struct perf_event_header *rec, uint64_t sample_type,
		    struct perf_rec *out);
/* The same for what ordering needs (type, misc, id, pid, tid, time), in a
 * few loads for a sample (its call chain, registers and stack are left
 * unread, and R's other fields as they were); any other record is decoded
 * whole. The collector's per-record look; the analysis decodes it once. */
int perf_rec_peek(const struct perf_event_header *rec, uint64_t sample_type, struct perf_rec *r);

#endif
