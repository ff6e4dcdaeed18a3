/* target — attach, launch, poll and end the profiled process. */
#include "target.h"
#include "dbgfetch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int target_parse_pid(const char *arg, pid_t *pid, char *err, size_t len)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!*arg || *end || errno) {
		snprintf(err, len, "invalid pid '%s': not a number", arg);
		return -EINVAL;
	}
	if (v <= 0 || v > 4194304) {
		snprintf(err, len, "invalid pid %ld: must be between 1 and 4194304", v);
		return -EINVAL;
	}
	*pid = (pid_t)v;
	return 0;
}

/* PID's figures into R: its state, CPU and memory always; with FULL its
 * PSS and swap (smaps_rollup: the kernel walks every page table for it)
 * and I/O, read once a refresh, not at every poll. */
static void take_reading(pid_t pid, struct target_reading *r, int full)
{
	struct procfs_stat st;
	struct procfs_status sts;
	struct procfs_rollup ro;

	if (procfs_read_stat(pid, 0, &st) != 0)
		return;
	r->valid = 1;
	r->state = st.state;
	r->utime_ns = st.utime_ns;
	r->stime_ns = st.stime_ns;
	r->threads = st.num_threads;
	if (procfs_read_status(pid, 0, &sts) == 0) {
		/* A zombie has no memory left: keep what we saw while it lived. */
		if (sts.vm_rss_kb || sts.vm_hwm_kb) {
			r->rss_kb = sts.vm_rss_kb;
			r->hwm_kb = sts.vm_hwm_kb; /* the mm's own high-water mark */
		}
	}
	if (!full)
		return;
	if (procfs_read_rollup(pid, &ro) == 0 && ro.rss_kb) {
		r->pss_kb = ro.pss_kb;
		r->swap_kb = ro.swap_kb;
		r->rollup_valid = 1;
	}
	r->io_valid = procfs_read_io(pid, &r->io) == 0 || r->io_valid;
}

void target_peek_memory(struct target *t)
{
	struct procfs_status sts;

	if (t->state == TARGET_RUNNING && procfs_read_status(t->pid, 0, &sts) == 0 &&
	    sts.vm_hwm_kb) {
		t->last.rss_kb = sts.vm_rss_kb;
		t->last.hwm_kb = sts.vm_hwm_kb;
	}
}

static void describe(struct target *t)
{
	procfs_comm(t->pid, 0, t->comm, sizeof(t->comm));
	procfs_cmdline(t->pid, t->cmdline, sizeof(t->cmdline));
	procfs_exe(t->pid, t->exe, sizeof(t->exe));
}

int target_attach(struct target *t, pid_t pid, char *err, size_t len)
{
	struct procfs_stat st;
	int e;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->go_fd = t->err_fd = -1;
	e = procfs_read_stat(pid, 0, &st);
	if (e) {
		snprintf(err, len, "no such process: %d", (int)pid);
		return -ESRCH;
	}
	if ((st.state == 'Z' && st.num_threads <= 1) || st.state == 'X') {
		snprintf(err, len,
			 "process %d is a zombie: it has exited and its parent (pid %d) has not "
			 "reaped it; nothing is left to profile",
			 (int)pid, (int)st.ppid);
		return -ESRCH;
	}
	t->kernel_thread = !!(st.flags & 0x00200000u); /* PF_KTHREAD */
	describe(t);
	take_reading(pid, &t->first, 1);
	t->last = t->first;
	return 0;
}

const char *target_kernel_note(const struct target *t, int user_only)
{
	if (!t->kernel_thread)
		return NULL;
	return user_only ? "a kernel thread: it has no user stacks, and this user may not "
			   "sample kernel ones (kernel.perf_event_paranoid), so nothing of it "
			   "can be sampled"
			 : "a kernel thread: it has no user stacks; only its kernel frames are "
			   "sampled, when it runs";
}

/* This process's VmHWM (kB), 0 when unreadable: read into the stack and
 * parsed in place (a fork's child, just before its exec). */
static uint64_t own_hwm_kb(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	struct procfs_status st;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return procfs_parse_status(buf, &st) == 0 ? st.vm_hwm_kb : 0;
}

static void child_exec(int go, int errfd, int outfd, char *const argv[])
{
	char c;
	int e, null;
	sigset_t none;
	uint64_t hwm;

	/* Wait until the parent has opened the events on us. */
	if (read(go, &c, 1) != 1)
		_exit(127);
	if (outfd > 0) {
		/* The terminal is the screen's: the command talks to a file. */
		null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
			_exit(127);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dbgfetch_restore_env();
	/* The copy of flametop this still is: its peak RSS, which the kernel
	 * keeps in the command's (wait4's ru_maxrss) across the exec. Read
	 * here, at the last moment, it is what exec saves. */
	hwm = own_hwm_kb();
	if (write(errfd, &hwm, sizeof(hwm)) != (ssize_t)sizeof(hwm))
		_exit(126);
	execvp(argv[0], argv);
	e = errno;
	if (write(errfd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		_exit(126);
	_exit(127);
}

int target_launch(struct target *t, char *const argv[], int outfd, char *err, size_t len)
{
	int go[2], ep[2];
	pid_t pid;

	memset(t, 0, sizeof(*t));
	t->go_fd = t->err_fd = -1;
	if (pipe2(go, O_CLOEXEC))
		goto out_err;
	if (pipe2(ep, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		goto out_err;
	}
	pid = fork();
	if (pid < 0) {
		close(go[0]), close(go[1]), close(ep[0]), close(ep[1]);
		goto out_err;
	}
	if (pid == 0) {
		close(go[1]);
		close(ep[0]);
		child_exec(go[0], ep[1], outfd, argv);
	}
	close(go[0]);
	close(ep[1]);
	t->pid = pid;
	t->launched = 1;
	t->go_fd = go[1];
	t->err_fd = ep[0];
	snprintf(t->exe, sizeof(t->exe), "%s", argv[0]);
	for (size_t i = 0, n = 0; argv[i] && n < sizeof(t->cmdline) - 1; i++)
		n += (size_t)snprintf(t->cmdline + n, sizeof(t->cmdline) - n, "%s%s", i ? " " : "",
				      argv[i]);
	snprintf(t->comm, sizeof(t->comm), "%s",
		 strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
	return 0;
out_err:
	snprintf(err, len, "cannot start '%s': %s", argv[0], strerror(errno));
	return -errno;
}

static void reap(struct target *t, int status, const struct rusage *ru)
{
	t->state = TARGET_EXITED;
	t->have_status = 1;
	if (WIFSIGNALED(status))
		t->exit_signal = WTERMSIG(status);
	else
		t->exit_code = WEXITSTATUS(status);
	if (ru) {
		t->ru_utime_ns = (uint64_t)ru->ru_utime.tv_sec * 1000000000ull +
				 (uint64_t)ru->ru_utime.tv_usec * 1000ull;
		t->ru_stime_ns = (uint64_t)ru->ru_stime.tv_sec * 1000000000ull +
				 (uint64_t)ru->ru_stime.tv_usec * 1000ull;
		t->ru_maxrss_kb = (uint64_t)ru->ru_maxrss;
	}
}

int target_release(struct target *t, char *err, size_t len)
{
	int e = 0, status;
	ssize_t r;

	{
		/* The child is still the copy of us it started as, and the
		 * kernel's peak RSS of a process (wait4's ru_maxrss) keeps that
		 * copy's across exec: remember how big it is (here, and as the
		 * child saw it just before its exec). */
		struct procfs_status st;

		if (procfs_read_status(t->pid, 0, &st) == 0)
			t->fork_rss_kb = st.vm_hwm_kb > st.vm_rss_kb ? st.vm_hwm_kb : st.vm_rss_kb;
	}
	if (write(t->go_fd, "g", 1) != 1) {
		snprintf(err, len, "cannot start '%s': %s", t->exe, strerror(errno));
		return -EIO;
	}
	close(t->go_fd);
	t->go_fd = -1;
	/* The child's peak before exec (8 bytes), then, if exec failed, its
	 * errno (4 bytes); the pipe closes at a successful exec. */
	{
		unsigned char msg[sizeof(uint64_t) + sizeof(int)];
		size_t got = 0;
		uint64_t hwm;

		do {
			r = read(t->err_fd, msg + got, sizeof(msg) - got);
			if (r > 0)
				got += (size_t)r;
		} while ((r < 0 && errno == EINTR) || (r > 0 && got < sizeof(msg)));
		if (got >= sizeof(hwm)) {
			memcpy(&hwm, msg, sizeof(hwm));
			if (hwm > t->fork_rss_kb)
				t->fork_rss_kb = hwm;
		}
		r = got == sizeof(msg) ? (ssize_t)sizeof(e) : 0;
		if (r)
			memcpy(&e, msg + sizeof(hwm), sizeof(e));
	}
	close(t->err_fd);
	t->err_fd = -1;
	if (r == (ssize_t)sizeof(e)) {
		waitpid(t->pid, &status, 0);
		reap(t, status, NULL);
		snprintf(err, len, "cannot execute '%s': %s", t->exe, strerror(e));
		return -e;
	}
	describe(t);
	return 0;
}

/* The machine's (or the cgroup's) figures as a target reading: CPU time,
 * memory in use, storage bytes as read/write_bytes, network bytes as
 * rchar/wchar (the machine) and processes as threads. */
static int machine_reading(struct target *t, struct target_reading *r)
{
	struct machine_reading m;
	struct cgroup_reading c;

	if (machine_read(&m))
		return -1;
	memset(r, 0, sizeof(*r));
	r->valid = r->io_valid = 1;
	r->state = 'R';
	r->utime_ns = m.user_ns;
	r->stime_ns = m.sys_ns;
	r->rss_kb = m.mem_used_kb;
	r->swap_kb = m.swap_used_kb;
	r->io.read_bytes = m.disk_read_bytes;
	r->io.write_bytes = m.disk_write_bytes;
	r->io.rchar = m.net_rx_bytes;
	r->io.wchar = m.net_tx_bytes;
	/* The shares on and off a CPU are of the CPUs' time: a machine's
	 * "threads" are its CPUs. */
	r->threads = (long)m.ncpus;
	if (t->cgroup[0]) {
		if (cgroup_read(t->cgroup, &c))
			return -1;
		r->utime_ns = c.user_ns;
		r->stime_ns = c.sys_ns;
		r->rss_kb = c.mem_kb;
		r->io.read_bytes = c.read_bytes;
		r->io.write_bytes = c.write_bytes;
	}
	if (r->rss_kb > t->last.hwm_kb)
		r->hwm_kb = r->rss_kb;
	else
		r->hwm_kb = t->last.hwm_kb;
	t->mprev = t->mlast;
	t->have_mprev = t->mlast.ncpus > 0;
	t->mlast = m;
	t->ncpus = m.ncpus;
	for (size_t i = 0; t->have_mprev && i < m.ncpus && i < t->mprev.ncpus; i++) {
		uint64_t busy = m.cpu_busy_ns[i] - t->mprev.cpu_busy_ns[i];
		uint64_t total = m.cpu_total_ns[i] - t->mprev.cpu_total_ns[i];

		t->cpu_pct[i] = total ? 100.0 * (double)busy / (double)total : 0;
	}
	return 0;
}

int target_machine(struct target *t, const char *cgroup_dir, char *err, size_t len)
{
	memset(t, 0, sizeof(*t));
	t->machine = 1;
	t->state = TARGET_RUNNING;
	t->go_fd = t->err_fd = -1;
	if (cgroup_dir)
		snprintf(t->cgroup, sizeof(t->cgroup), "%s", cgroup_dir);
	if (machine_reading(t, &t->last)) {
		snprintf(err, len, "%s: unreadable", cgroup_dir ? cgroup_dir : "/proc/stat");
		return -EIO;
	}
	t->first = t->last;
	snprintf(t->comm, sizeof(t->comm), "%s", cgroup_dir ? "cgroup" : "machine");
	if (cgroup_dir)
		snprintf(t->cmdline, sizeof(t->cmdline), "cgroup %s", cgroup_dir);
	else
		snprintf(t->cmdline, sizeof(t->cmdline), "the whole machine (%zu CPUs)", t->ncpus);
	return 0;
}

static int poll_target(struct target *t, int full);

int target_poll(struct target *t) { return poll_target(t, 0); }

int target_read(struct target *t) { return poll_target(t, 1); }

static int poll_target(struct target *t, int full)
{
	struct target_reading r = t->last;
	siginfo_t si;

	if (t->machine) {
		if (machine_reading(t, &r) == 0)
			t->last = r;
		return 0;
	}
	if (t->state == TARGET_EXITED) {
		/* A zombie stays one until its parent reaps it. */
		if (target_look(t) == LOOK_ZOMBIE && !procfs_exists(t->pid))
			t->last.state = 'X';
		return 1;
	}
	take_reading(t->pid, &r, full);
	if (r.valid)
		t->last = r;
	if (t->launched) {
		memset(&si, 0, sizeof(si));
		/* WNOWAIT first: the zombie's /proc still holds its final counts. */
		if (waitid(P_PID, (id_t)t->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid) {
			struct rusage ru;
			int status;
			uint64_t run, delay;

			take_reading(t->pid, &t->last, 1);
			/* The main thread's last run_delay (the threads' table
			 * has it as of the last refresh). */
			if (procfs_read_schedstat(t->pid, 0, &run, &delay) == 0)
				t->last.leader_delay_ns = delay;
			if (wait4(t->pid, &status, 0, &ru) == t->pid)
				reap(t, status, &ru);
		}
	} else if (!r.valid || target_look(t) == LOOK_ZOMBIE || t->last.state == 'X' ||
		   !procfs_exists(t->pid)) {
		t->state = TARGET_EXITED;
	}
	return t->state == TARGET_EXITED;
}

void target_terminate(struct target *t)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (!t->launched || t->state == TARGET_EXITED)
		return;
	t->stopped_by_us = SIGTERM;
	kill(t->pid, SIGTERM);
	for (int i = 0; i < 100 && !target_poll(t); i++)
		nanosleep(&tick, NULL);
	if (t->state != TARGET_EXITED) {
		t->stopped_by_us = SIGKILL;
		kill(t->pid, SIGKILL);
		while (!target_poll(t))
			nanosleep(&tick, NULL);
	}
}

enum target_look target_look(const struct target *t)
{
	/* A leader that called pthread_exit reads 'Z' while its threads run. */
	if (t->last.state == 'Z' && t->last.threads <= 1 && !t->have_status)
		return LOOK_ZOMBIE;
	if (t->state == TARGET_EXITED)
		return LOOK_EXITED;
	if (t->last.state == 'T' || t->last.state == 't')
		return LOOK_STOPPED;
	return LOOK_RUNNING;
}

const char *target_state_line(const struct target *t, char *buf, size_t len)
{
	if (t->machine)
		snprintf(buf, len, "%s", t->cmdline);
	else if (t->state == TARGET_RUNNING)
		snprintf(buf, len, "%s", target_look(t) == LOOK_STOPPED ? "stopped" : "running");
	else if (target_look(t) == LOOK_ZOMBIE)
		snprintf(buf, len, "exited (a zombie until its parent reaps it)");
	else if (!t->have_status)
		snprintf(buf, len, "exited");
	else if (t->exit_signal && t->exit_signal == t->stopped_by_us)
		snprintf(buf, len, "stopped by flametop at the end of the run (signal %d, %s)",
			 t->exit_signal, strsignal(t->exit_signal));
	else if (t->exit_signal)
		snprintf(buf, len, "killed by signal %d (%s)", t->exit_signal,
			 strsignal(t->exit_signal));
	else
		snprintf(buf, len, "exited with status %d", t->exit_code);
	return buf;
}
