/* dispatch — decoded perf records into the model: samples through the
 * stack walker into the profile, switch-out samples and switch records
 * into off-CPU waits, mmap, fork, comm and exit records to the
 * symbolizer. */
#include "dispatch.h"

#include "grow.h"
#include "procfs.h"
#include "pystack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

void dispatch_init(struct dispatch *d, struct symbolizer *sym, struct profile *profile,
		   struct stackwalk *walk)
{
	memset(d, 0, sizeof(*d));
	d->sym = sym;
	d->profile = profile;
	d->walk = walk;
	u64map_init(&d->wait_index);
	u64map_init(&d->proc_frame);
	u64map_init(&d->py_exec);
}

void dispatch_fini(struct dispatch *d)
{
	for (size_t i = 0; i < d->nwaits; i++)
		free(d->waits[i].frames);
	free(d->waits);
	u64map_clear(&d->wait_index);
	u64map_clear(&d->proc_frame);
	u64map_clear(&d->py_exec);
	blocking_cache_free(&d->reasons);
	memset(d, 0, sizeof(*d));
}

/* The root frame of PID's stacks, "comm-PID" as perf's per-process folded
 * stacks name it: a kernel thread's and the idle task's (pid 0) are the
 * kernel's (their stacks are kernel-only). */
static uint32_t process_frame(struct dispatch *s, pid_t pid)
{
	uint32_t f = u64map_get(&s->proc_frame, (uint64_t)(uint32_t)pid);
	const struct thread_stat *t;
	struct procfs_stat st;
	char name[96];
	int kernel;

	if (f != U64MAP_NONE)
		return f;
	t = profile_thread(s->profile, pid, pid);
	kernel = pid == 0 || (procfs_read_stat(pid, 0, &st) == 0 && (st.flags & 0x00200000u));
	snprintf(name, sizeof(name), "%s-%d",
		 pid == 0          ? "swapper"
		 : t && t->comm[0] ? t->comm
				   : "?",
		 (int)pid);
	f = frametab_intern(s->profile->frames, name, kernel ? "[kernel]" : "[process]", NULL, 0,
			    kernel ? FRAME_KERNEL : FRAME_PROCESS);
	if (f != CTREE_NONE && (t && t->comm[0]))
		u64map_put(&s->proc_frame, (uint64_t)(uint32_t)pid, f);
	return f;
}

static void on_sample(struct dispatch *s, const struct perf_rec *r)
{
	uint32_t frames[STACKWALK_MAX + 1];
	uint64_t delta[EVENTS_MAX];
	int leaf_kernel = 0, counted = 0;
	size_t n;

	/* A whole machine's idle CPUs run the idle task: counted, not profiled. */
	if (s->per_process && r->pid == 0) {
		s->profile->idle_samples++;
		return;
	}
	n = stackwalk_frames(s->walk, r, frames + !!s->per_process, &leaf_kernel);
	if (s->per_process) {
		frames[0] = process_frame(s, (pid_t)r->pid);
		n++;
	}
	if (s->walk->want_places && s->walk->nplaces)
		addrs_add(&s->profile->addrs, s->walk->place_frames, s->walk->places,
			  s->walk->nplaces, s->walk->place_self);

	/* The group read in the sample: its change since this thread's last
	 * sample on this CPU happened in the stack sampled now. */
	if (s->counting && r->sample.read.nr && ctree_ncounters(s->profile->tree))
		counted = counting_sample(s->counting, r->tid, r->sample.cpu, &r->sample.read,
					  delta) == 0;
	profile_add_ctr(s->profile, (pid_t)r->pid, (pid_t)r->tid, frames, n, r->sample.period,
			leaf_kernel, counted ? delta : NULL);
}

/* ---- off-CPU: switch-out samples, switch records ---- */

static struct offcpu_wait *wait_of(struct dispatch *s, pid_t pid, pid_t tid, int add)
{
	uint32_t i = u64map_get(&s->wait_index, (uint64_t)(uint32_t)tid);
	struct offcpu_wait *w;

	if (i != U64MAP_NONE)
		return &s->waits[i];
	if (!add || grow_array(&s->waits, &s->capwaits, s->nwaits + 1, sizeof(*s->waits)) ||
	    u64map_put(&s->wait_index, (uint64_t)(uint32_t)tid, (uint32_t)s->nwaits))
		return NULL;
	w = &s->waits[s->nwaits++];
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->tid = tid;
	return w;
}

/* The thread blocked: its stack now is where the wait is charged. */
static void on_switch_sample(struct dispatch *s, const struct perf_rec *r)
{
	struct offcpu_wait *w = wait_of(s, (pid_t)r->pid, (pid_t)r->tid, 1);
	uint32_t frames[STACKWALK_MAX];
	int leaf_kernel = 0;
	size_t n;

	if (!w || w->dead)
		return;
	s->walk->quiet = 1; /* unwind quality is the samples' */
	n = stackwalk_frames(s->walk, r, frames, &leaf_kernel);
	s->walk->quiet = 0;
	if (grow_array(&w->frames, &w->cap, n ? n : 1, sizeof(*w->frames)))
		n = 0;
	memcpy(w->frames, frames, n * sizeof(*frames));
	w->n = n;
	w->pid = (pid_t)r->pid;
	w->t_out = r->time;
	w->reason = blocking_of_stack_cached(&s->reasons, s->profile->frames, frames, n);
	w->active = 1;
}

/* Charges the wait of W up to T. */
static void end_wait(struct dispatch *s, struct offcpu_wait *w, uint64_t t)
{
	if (w->active && t > w->t_out)
		profile_add_offcpu(s->profile, w->pid, w->tid, w->frames, w->n, 1, t - w->t_out,
				   w->reason);
	w->active = 0;
}

static void on_switch(struct dispatch *s, const struct perf_rec *r)
{
	struct offcpu_wait *w;

	if (r->misc & PERF_RECORD_MISC_SWITCH_OUT) {
		w = wait_of(s, (pid_t)r->pid, (pid_t)r->tid, 1);
		if (!w || w->dead)
			return;
		if (!w->active) { /* its sample was lost: the time, without a stack */
			w->n = 0;
			w->t_out = r->time;
			w->reason = BLOCK_NONE;
			w->active = 1;
		}
		/* Runnable, not blocked: it waits for a CPU, whatever its stack. */
		if (r->misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT)
			w->reason = BLOCK_PREEMPT;
		return;
	}
	if ((w = wait_of(s, (pid_t)r->pid, (pid_t)r->tid, 0)))
		end_wait(s, w, r->time);
}

/* An exiting thread switches out one last time, never to come back. */
static void on_exit_rec(struct dispatch *s, const struct perf_rec *r)
{
	struct offcpu_wait *w = wait_of(s, (pid_t)r->pid, (pid_t)r->tid, 1);

	if (w) {
		w->active = 0;
		w->dead = 1;
		free(w->frames); /* a process that came and went leaves nothing behind */
		w->frames = NULL;
		w->n = w->cap = 0;
	}
}

/* At the stop: waits still open end now. */
void dispatch_end_waits(struct dispatch *s, uint64_t t)
{
	for (size_t i = 0; i < s->nwaits; i++)
		end_wait(s, &s->waits[i], t);
}

static void on_fork(struct dispatch *s, const struct perf_rec *r)
{
	struct thread_stat *parent =
	    profile_thread(s->profile, (pid_t)r->task.ppid, (pid_t)r->task.ptid);
	char comm[sizeof(parent->comm)];

	struct offcpu_wait *w = wait_of(s, (pid_t)r->pid, (pid_t)r->tid, 0);

	if (w) /* a tid used again */
		w->dead = w->active = 0;
	if (r->pid != r->task.ppid)
		sym_fork(s->sym, (pid_t)r->pid, (pid_t)r->task.ppid);
	/* A new thread or process starts with its creator's name. */
	if (parent && parent->comm[0]) {
		memcpy(comm, parent->comm, sizeof(comm));
		profile_thread_comm(s->profile, (pid_t)r->pid, (pid_t)r->tid, comm);
	}
}

void dispatch_record(struct dispatch *s, const struct perf_rec *r)
{
	switch (r->type) {
	case PERF_RECORD_SAMPLE:
		if (s->tap)
			s->tap(r, s->tap_arg);
		if (s->is_switch && s->is_switch(s->is_switch_arg, r->id))
			on_switch_sample(s, r);
		else
			on_sample(s, r);
		break;
	case PERF_RECORD_SWITCH:
		on_switch(s, r);
		break;
	case PERF_RECORD_EXIT:
		on_exit_rec(s, r);
		if (r->pid == r->tid) {
			sym_exit(s->sym, (pid_t)r->pid);
			pystack_forget(s->py, (pid_t)r->pid);
			u64map_del(&s->py_exec, (uint64_t)(uint32_t)r->pid);
		}
		break;
	case PERF_RECORD_MMAP2:
		sym_mmap(s->sym, (pid_t)r->pid, r->mmap.start, r->mmap.len, r->mmap.pgoff,
			 makedev(r->mmap.maj, r->mmap.min), r->mmap.ino, r->mmap.filename);
		/* Looked at when collected (collector.c); again here only after
		 * an exec, in order: its COMM record, dispatched before this,
		 * forgot what the collector may have found. */
		if (s->py && strstr(r->mmap.filename, "python") &&
		    u64map_get(&s->py_exec, (uint64_t)(uint32_t)r->pid) != U64MAP_NONE) {
			u64map_del(&s->py_exec, (uint64_t)(uint32_t)r->pid);
			pystack_probe(s->py, (pid_t)r->pid);
		}
		break;
	case PERF_RECORD_COMM:
		if (r->comm.exec && r->pid == r->tid) {
			sym_exec(s->sym, (pid_t)r->pid);
			pystack_forget(s->py, (pid_t)r->pid);
			if (s->py)
				u64map_put(&s->py_exec, (uint64_t)(uint32_t)r->pid, 1);
		}
		if (r->pid == r->tid) /* the process's frame takes its new name */
			u64map_del(&s->proc_frame, (uint64_t)(uint32_t)r->pid);
		profile_thread_comm(s->profile, (pid_t)r->pid, (pid_t)r->tid, r->comm.comm);
		break;
	case PERF_RECORD_FORK:
		on_fork(s, r);
		break;
	case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES:
		s->profile->lost += r->lost.lost;
		break;
	default:
		break;
	}
}
