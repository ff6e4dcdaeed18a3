/* tasks — per-thread CPU rates from /proc. */
#include "tasks.h"

#include "grow.h"
#include "procfs.h"

#include <stdlib.h>
#include <string.h>

void tasks_init(struct tasks *ts) { memset(ts, 0, sizeof(*ts)); }

void tasks_fini(struct tasks *ts)
{
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}

static int cmp_tid(const void *a, const void *b)
{
	pid_t x = ((const struct task_cpu *)a)->tid, y = ((const struct task_cpu *)b)->tid;

	return (x > y) - (x < y);
}

/* In the first N entries, which are sorted by tid. */
static struct task_cpu *find(const struct tasks *ts, size_t n, pid_t tid)
{
	struct task_cpu key = { .tid = tid };

	return n ? bsearch(&key, ts->v, n, sizeof(*ts->v), cmp_tid) : NULL;
}

const struct task_cpu *tasks_find(const struct tasks *ts, pid_t tid)
{
	return find(ts, ts->n, tid);
}

static double pct(uint64_t now, uint64_t before, double dt)
{
	return now > before && dt > 0 ? 100.0 * (double)(now - before) / (dt * 1e9) : 0.0;
}

/* One live thread's reading folded into the table; new ones appended
 * (the caller sorts). */
static void take(struct tasks *ts, size_t sorted, pid_t pid, pid_t tid, double dt)
{
	struct procfs_stat st;
	struct procfs_status sts;
	struct task_cpu *t = find(ts, sorted, tid);

	if (procfs_read_stat(pid, tid, &st) != 0)
		return;
	if (!t) {
		if (grow_array(&ts->v, &ts->cap, ts->n + 1, sizeof(*ts->v)))
			return;
		t = &ts->v[ts->n++];
		memset(t, 0, sizeof(*t));
		t->tid = tid;
		ts->seen++;
		/* Born during the interval: all of its time is this interval's. */
	}
	t->user_pct = ts->have_prev ? pct(st.utime_ns, t->utime_ns, dt) : 0;
	t->sys_pct = ts->have_prev ? pct(st.stime_ns, t->stime_ns, dt) : 0;
	t->utime_ns = st.utime_ns;
	t->stime_ns = st.stime_ns;
	t->state = st.state;
	t->alive = 2; /* seen this round */
	if (procfs_read_status(pid, tid, &sts) == 0) {
		t->vcsw = sts.vol_ctxt;
		t->ivcsw = sts.nonvol_ctxt;
	}
	if (ts->want_delay) {
		uint64_t run, delay;

		if (procfs_read_schedstat(pid, tid, &run, &delay) == 0)
			t->delay_ns = delay;
	}
	memcpy(t->comm, st.comm, sizeof(t->comm) - 1);
}

/* Drops the oldest gone threads beyond TASKS_MAX_GONE. */
static void trim(struct tasks *ts)
{
	size_t gone = 0, w = 0;

	for (size_t i = 0; i < ts->n; i++)
		gone += !ts->v[i].alive;
	if (gone <= TASKS_MAX_GONE)
		return;
	uint64_t cut = ts->gone - TASKS_MAX_GONE;

	for (size_t i = 0; i < ts->n; i++) {
		if (ts->v[i].alive || ts->v[i].gone_seq >= cut)
			ts->v[w++] = ts->v[i];
		else {
			ts->dropped_vcsw += ts->v[i].vcsw;
			ts->dropped_ivcsw += ts->v[i].ivcsw;
			ts->dropped_delay_ns += ts->v[i].delay_ns;
		}
	}
	ts->n = w;
}

uint64_t tasks_delay(const struct tasks *ts)
{
	uint64_t d = ts->dropped_delay_ns;

	for (size_t i = 0; i < ts->n; i++)
		d += ts->v[i].delay_ns;
	return d;
}

void tasks_ctxt(const struct tasks *ts, uint64_t *vcsw, uint64_t *ivcsw)
{
	*vcsw = ts->dropped_vcsw;
	*ivcsw = ts->dropped_ivcsw;
	for (size_t i = 0; i < ts->n; i++) {
		*vcsw += ts->v[i].vcsw;
		*ivcsw += ts->v[i].ivcsw;
	}
}

size_t tasks_update(struct tasks *ts, pid_t pid, double t_s)
{
	pid_t *tids = NULL;
	size_t n = 0, alive = 0, sorted = ts->n;
	double dt = t_s - ts->t_s;

	if (procfs_tasks(pid, &tids, &n) != 0)
		n = 0;
	/* New threads are appended after the sorted part; tids are unique. */
	for (size_t i = 0; i < n; i++)
		take(ts, sorted, pid, tids[i], dt);
	free(tids);
	if (ts->n)
		qsort(ts->v, ts->n, sizeof(*ts->v), cmp_tid);
	for (size_t i = 0; i < ts->n; i++) {
		struct task_cpu *t = &ts->v[i];

		if (t->alive == 2) {
			t->alive = 1;
			alive++;
		} else if (t->alive) {
			t->alive = 0;
			t->state = 0;
			t->user_pct = t->sys_pct = 0;
			t->gone_seq = ts->gone++;
		}
	}
	trim(ts);
	ts->t_s = t_s;
	ts->have_prev = 1;
	return alive;
}

void tasks_settle(struct tasks *ts, uint64_t utime_ns, uint64_t stime_ns)
{
	uint64_t u = 0, st = 0;

	if (ts->seen == 1 && ts->n == 1) {
		if (ts->v[0].utime_ns < utime_ns)
			ts->v[0].utime_ns = utime_ns;
		if (ts->v[0].stime_ns < stime_ns)
			ts->v[0].stime_ns = stime_ns;
		ts->unattributed_ns = 0;
		return;
	}
	for (size_t i = 0; i < ts->n; i++) {
		u += ts->v[i].utime_ns;
		st += ts->v[i].stime_ns;
	}
	ts->unattributed_ns =
	    (utime_ns > u ? utime_ns - u : 0) + (stime_ns > st ? stime_ns - st : 0);
}

size_t tasks_busy(const struct tasks *ts, double min_pct)
{
	size_t n = 0;

	if (!ts->have_prev)
		return 0;
	for (size_t i = 0; i < ts->n; i++)
		n += ts->v[i].alive && ts->v[i].user_pct + ts->v[i].sys_pct >= min_pct;
	return n;
}
