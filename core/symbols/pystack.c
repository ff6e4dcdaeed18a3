/* pystack — CPython frames from the target's memory (see include/pystack.h). */
#include "pystack.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "safefile.h"
#include "u64map.h"

#define MAX_THREADS_WALK 1024 /* thread states walked to find one, at most */
#define MAX_STR          512
#define BLOCK_MAX        1024              /* bytes of a thread state or frame read at once */
#define HEADS_AT_ONCE    256               /* code objects' headers read by one system call */
#define WALK_MAX         (4 * PYSTACK_MAX) /* frames walked per sample, at most */

struct code_ent {
	uint64_t addr, name, file;
	long line;
	uint32_t id;
};

struct tstate_ent {
	pid_t tid;
	uint64_t addr;
};

struct pyproc {
	pid_t pid;
	int state; /* 1 readable, -1 not CPython (or not readable) */
	struct py_offsets off;
	uint64_t runtime;
	char version[16];
	char module[256];
	struct tstate_ent *ts;
	size_t nts, capts;
	struct u64map code_index; /* code object address → index in CODE */
	struct code_ent *code;
	size_t ncode, capcode;
	struct u64map tramp; /* return address → 1 in a trampoline, 2 not */
};

/* A code object's names, read by whoever read the stack (the collector's
 * thread), made a frame by the analysis's (the frame table is its own). */
struct pycode {
	char *name, *module, *file;
	unsigned line;
	uint32_t frame; /* U64MAP_NONE until made */
};

struct pystack {
	/* Reads happen on the collector's thread, splicing and naming on the
	 * analysis's: every entry point takes the lock. */
	pthread_mutex_t lock;
	struct frametab *frames;
	struct pyproc *procs;
	size_t nprocs, capprocs;
	struct pycode *codes; /* what a read's frames[] index */
	size_t ncodes, capcodes;
	long glibc_tid_off; /* struct pthread: where the kernel tid is (3.9, 3.10) */
	char note[400];     /* a line worth saying once (a target that lies), or "" */
	/* Scratch of one walk (walk_frames): big, so not on a stack. */
	uint64_t *walk_code;
	uint8_t *walk_end, *walk_ok;
	struct code_ent *walk_head;
	uint8_t *heads;                        /* HEADS_AT_ONCE headers, read at once */
	char any_version[16], any_module[256]; /* the first CPython found */
	struct pystack_stats st;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int rd(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	if (!addr)
		return -1;
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

static uint64_t u64_at(const uint8_t *b, long off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/* Lists in a target's memory are the target's to make: one that points back
 * into itself would be walked until a bound. Brent's cycle detection: a
 * saved address, moved at each power of two steps, is met again within
 * about twice the cycle's length once the walk is in it. */
struct cycle {
	uint64_t saved;
	unsigned power, steps;
};

#define CYCLE_INIT      \
	{               \
		0, 1, 0 \
	}

static int cycle_seen(struct cycle *c, uint64_t addr)
{
	if (addr == c->saved)
		return 1;
	if (++c->steps == c->power) {
		c->saved = addr;
		c->power *= 2;
		c->steps = 0;
	}
	return 0;
}

/* Where glibc keeps a thread's kernel tid in its struct pthread (pthread_t
 * points at it): found in flametop's own, the same glibc as the target's on
 * the machines flametop runs on. -1 when not found. */
static long find_glibc_tid_off(void)
{
	const uint8_t *self = (const uint8_t *)(uintptr_t)pthread_self();
	pid_t tid = (pid_t)syscall(SYS_gettid);

	for (long off = 0; off < 2048; off += 4) {
		pid_t v;

		memcpy(&v, self + off, sizeof(v));
		if (v == tid)
			return off;
	}
	return -1;
}

struct pystack *pystack_new(struct frametab *frames)
{
	struct pystack *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->frames = frames;
	p->walk_code = calloc(WALK_MAX, sizeof(*p->walk_code));
	p->walk_end = calloc(WALK_MAX, 1);
	p->walk_ok = calloc(WALK_MAX, 1);
	p->walk_head = calloc(WALK_MAX, sizeof(*p->walk_head));
	p->heads = calloc(HEADS_AT_ONCE, BLOCK_MAX);
	if (!p->walk_code || !p->walk_end || !p->walk_ok || !p->walk_head || !p->heads) {
		free(p->walk_code);
		free(p->walk_end);
		free(p->walk_ok);
		free(p->walk_head);
		free(p->heads);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->glibc_tid_off = find_glibc_tid_off();
	elf_version(EV_CURRENT);
	return p;
}

static void proc_clear(struct pyproc *pp)
{
	free(pp->ts);
	free(pp->code);
	u64map_clear(&pp->code_index);
	u64map_clear(&pp->tramp);
	memset(pp, 0, sizeof(*pp));
}

void pystack_free(struct pystack *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nprocs; i++)
		proc_clear(&p->procs[i]);
	free(p->procs);
	for (size_t i = 0; i < p->ncodes; i++) {
		free(p->codes[i].name);
		free(p->codes[i].module);
		free(p->codes[i].file);
	}
	free(p->codes);
	free(p->walk_code);
	free(p->walk_end);
	free(p->walk_ok);
	free(p->walk_head);
	free(p->heads);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static void forget(struct pystack *p, pid_t pid)
{
	for (size_t i = 0; i < p->nprocs; i++) {
		if (p->procs[i].pid != pid)
			continue;
		proc_clear(&p->procs[i]);
		p->procs[i] = p->procs[--p->nprocs];
		return;
	}
}

void pystack_forget(struct pystack *p, pid_t pid)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	forget(p, pid);
	pthread_mutex_unlock(&p->lock);
}

const struct pystack_stats *pystack_stats(const struct pystack *p) { return &p->st; }
const char *pystack_any_version(const struct pystack *p, const char **module)
{
	int any;

	if (!p)
		return NULL;
	/* Written once, under the lock, by the first process found. */
	pthread_mutex_lock((pthread_mutex_t *)&p->lock);
	any = p->any_version[0] != 0;
	pthread_mutex_unlock((pthread_mutex_t *)&p->lock);
	if (!any)
		return NULL;
	if (module)
		*module = p->any_module;
	return p->any_version;
}

/* ---- finding the interpreter: _PyRuntime in a mapped python file ---- */

struct elf_syms {
	uint64_t runtime, py_version; /* symbol values (0: absent) */
	uint64_t first_vaddr;         /* lowest PT_LOAD, page-aligned */
	int is_dyn;
};

static void scan_symtab(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, struct elf_syms *out)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t i = 0; d && i < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(d, (int)i, &sym) || !sym.st_value)
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		if (!strcmp(name, "_PyRuntime"))
			out->runtime = sym.st_value;
		else if (!strcmp(name, "Py_Version"))
			out->py_version = sym.st_value;
	}
}

/* The file PID maps at LO-HI (named PATH in its maps): the mapped inode
 * itself through /proc/PID/map_files, else PATH in PID's own mount
 * namespace — never PATH as this process sees it (in another namespace it
 * can be anything: a FIFO whose open never returns). Through safefile: a
 * regular file or nothing. */
static int open_mapped(pid_t pid, unsigned long long lo, unsigned long long hi, const char *path)
{
	char buf[512];
	int fd;

	snprintf(buf, sizeof(buf), "/proc/%d/map_files/%llx-%llx", (int)pid, lo, hi);
	if ((fd = safefile_open(buf, 0, 0, NULL)) >= 0)
		return fd;
	if ((size_t)snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)pid, path) >= sizeof(buf))
		return -1;
	return safefile_open(buf, 0, 0, NULL);
}

static int elf_syms_of(int fd, struct elf_syms *out)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	size_t nph = 0;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -1;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || !gelf_getehdr(e, &eh) || elf_getphdrnum(e, &nph)) {
		if (e)
			elf_end(e);
		close(fd);
		return -1;
	}
	out->is_dyn = eh.e_type == ET_DYN;
	out->first_vaddr = UINT64_MAX;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_vaddr < out->first_vaddr)
			out->first_vaddr = ph.p_vaddr & ~(uint64_t)4095;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) &&
		    (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			scan_symtab(e, scn, &sh, out);
	}
	elf_end(e);
	close(fd);
	return out->runtime ? 0 : -1;
}

/* "3.MINOR" from a file name: python3.11, libpython3.11.so.1.0. */
static int minor_of_name(const char *base)
{
	const char *s = strstr(base, "python3.");
	int minor;

	if (!s || sscanf(s + 8, "%d", &minor) != 1)
		return -1;
	return minor;
}

/* In PID's maps, a file whose name has "python" in it and holds _PyRuntime:
 * its run-time address, version and name into PP. */
static int find_runtime(struct pyproc *pp)
{
	char path[64], line[4096], tried[8][256];
	size_t ntried = 0;
	FILE *f;
	int found = -1;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pp->pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, pgoff;
		char file[256] = "";
		const char *base;
		struct elf_syms es;
		int minor, seen = 0;
		uint32_t hex;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %255[^\n]", &lo, &hi, &pgoff, file) <
			4 ||
		    file[0] != '/' || pgoff != 0)
			continue;
		base = strrchr(file, '/') + 1;
		if (!strstr(base, "python"))
			continue;
		for (size_t i = 0; i < ntried; i++)
			seen |= !strcmp(tried[i], file);
		if (seen)
			continue;
		if (ntried < 8)
			snprintf(tried[ntried++], sizeof(tried[0]), "%s", file);
		if (elf_syms_of(open_mapped(pp->pid, lo, hi, file), &es))
			continue;
		{
			uint64_t bias = es.is_dyn ? lo - es.first_vaddr : 0;

			pp->runtime = bias + es.runtime;
			minor = minor_of_name(base);
			if (minor < 0 && es.py_version &&
			    !rd(pp->pid, bias + es.py_version, &hex, 4) && (hex >> 24) == 3)
				minor = (int)((hex >> 16) & 0xff);
		}
		if (minor < 0 || !py_offsets_for(minor))
			continue;
		pp->off = *py_offsets_for(minor);
		snprintf(pp->version, sizeof(pp->version), "3.%d", minor);
		snprintf(pp->module, sizeof(pp->module), "%s", base);
		found = 0;
	}
	fclose(f);
	return found;
}

/* 3.13+: the interpreter says where its fields are; where it does, that is
 * what is used (the table is the fallback and the cross-check). */
static void apply_debug_offsets(struct pyproc *pp)
{
	uint64_t d[71];

	if (pp->off.minor < 13 || rd(pp->pid, pp->runtime, d, sizeof(d)) ||
	    memcmp(d, "xdebugpy", 8) || ((d[1] >> 24) != 3 || ((d[1] >> 16) & 0xff) != 13))
		return;
	pp->off.rt_interp_head = (long)d[5];
	pp->off.is_threads_head = (long)d[9];
	pp->off.ts_size = (long)d[19];
	pp->off.ts_next = (long)d[21];
	pp->off.ts_frame = (long)d[23];
	pp->off.ts_thread_id = (long)d[24];
	pp->off.ts_native_tid = (long)d[25];
	pp->off.fr_previous = (long)d[29];
	pp->off.fr_code = (long)d[30];
	pp->off.fr_size = (long)d[32];
	pp->off.fr_owner = (long)d[33];
	pp->off.co_filename = (long)d[35];
	pp->off.co_name = (long)d[36];
	pp->off.co_qualname = (long)d[37];
	pp->off.co_firstlineno = (long)d[39];
	pp->off.u_length = (long)d[69];
	pp->off.u_ascii_size = (long)d[70];
}

/* Every offset and size a reader uses, in range. Those that index a local
 * buffer (a thread state, frame or code object read whole; a str's header)
 * must fall inside it; those added to the target's addresses must be a
 * struct's, not anywhere. 3.13's come from the target itself. */
static int offsets_sane(const struct py_offsets *o)
{
	const long local[] = { o->ts_next,       o->ts_thread_id, o->ts_native_tid, o->ts_frame,
			       o->ts_cframe,     o->fr_previous,  o->fr_code,       o->fr_is_entry,
			       o->fr_owner,      o->co_filename,  o->co_name,       o->co_qualname,
			       o->co_firstlineno };
	const long remote[] = { o->rt_interp_head, o->is_threads_head, o->cf_frame,
				o->ts_size,        o->fr_size,         o->is_modules,
				o->dict_keys,      o->dict_values,     o->dk_size,
				o->dk_kind,        o->dk_nentries,     o->dk_indices,
				o->md_dict,        o->long_digit,      o->tp_dictoffset,
				o->tp_basicsize,   o->ht_cached_keys };

	for (size_t i = 0; i < sizeof(local) / sizeof(*local); i++)
		if (local[i] < -1 || local[i] > BLOCK_MAX - 8)
			return 0;
	for (size_t i = 0; i < sizeof(remote) / sizeof(*remote); i++)
		if (remote[i] < -1 || remote[i] > (1l << 20))
			return 0;
	if (o->ts_next < 0 || o->ts_thread_id < 0 || o->fr_previous < 0 || o->fr_code < 0 ||
	    o->co_filename < 0 || o->co_name < 0 || o->co_firstlineno < 0 ||
	    o->rt_interp_head < 0 || o->is_threads_head < 0 ||
	    (o->ts_frame < 0 && o->ts_cframe < 0))
		return 0;
	/* a str's header is read into 128 bytes: length, then the state 16 on */
	return o->u_length >= 0 && o->u_length + 20 <= o->u_compact_size &&
	       o->u_compact_size <= 128 && o->u_ascii_size >= 0 && o->u_ascii_size <= 128;
}

static struct pyproc *proc_of(struct pystack *p, pid_t pid)
{
	struct pyproc *pp;

	for (size_t i = 0; i < p->nprocs; i++)
		if (p->procs[i].pid == pid)
			return &p->procs[i];
	if (grow_array(&p->procs, &p->capprocs, p->nprocs + 1, sizeof(*p->procs)))
		return NULL;
	pp = &p->procs[p->nprocs++];
	memset(pp, 0, sizeof(*pp));
	pp->pid = pid;
	u64map_init(&pp->code_index);
	u64map_init(&pp->tramp);
	pp->state = find_runtime(pp) ? -1 : 1;
	if (pp->state > 0) {
		apply_debug_offsets(pp);
		if (!offsets_sane(&pp->off)) {
			pp->state = -1;
			p->st.refused++;
			snprintf(
			    p->note, sizeof(p->note),
			    "pid %d: the interpreter's struct offsets (%s, %s) are out of range; "
			    "its Python frames are not read",
			    (int)pid, pp->module,
			    pp->off.minor >= 13 ? "_Py_DebugOffsets" : "layout");
			return pp;
		}
		if (!p->any_version[0]) {
			snprintf(p->any_version, sizeof(p->any_version), "%s", pp->version);
			snprintf(p->any_module, sizeof(p->any_module), "%s", pp->module);
		}
	}
	return pp;
}

int pystack_command_is_python(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char line[256] = "";
	FILE *f;

	if (strstr(base, "python"))
		return 1;
	if (!strchr(path, '/') || !(f = fopen(path, "re")))
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return line[0] == '#' && line[1] == '!' && strstr(line, "python");
}

static struct pyproc *known_proc(const struct pystack *p, pid_t pid)
{
	for (size_t i = 0; p && i < p->nprocs; i++)
		if (p->procs[i].pid == pid)
			return p->procs[i].state > 0 ? &p->procs[i] : NULL;
	return NULL;
}

int pystack_has_trampolines(const struct pystack *p, pid_t pid)
{
	const struct pyproc *pp;
	int has;

	if (!p)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&p->lock);
	pp = known_proc(p, pid);
	has = pp && pp->off.minor >= 12;
	pthread_mutex_unlock((pthread_mutex_t *)&p->lock);
	return has;
}

static int is_trampoline(struct pystack *p, pid_t pid, uint64_t pc)
{
	static const uint8_t shape[7] = { 0xff, 0xd1, 0x48, 0x83, 0xc4, 0x08, 0xc3 };
	struct pyproc *pp = known_proc(p, pid);
	uint8_t code[7];
	uint32_t v;

	if (!pp || pp->off.minor < 12 || pc < 2)
		return 0;
	if ((v = u64map_get(&pp->tramp, pc)) != U64MAP_NONE)
		return v == 1;
	v = !rd(pid, pc - 2, code, sizeof(code)) && !memcmp(code, shape, sizeof(code)) ? 1 : 2;
	u64map_put(&pp->tramp, pc, v);
	return v == 1;
}

int pystack_is_trampoline(struct pystack *p, pid_t pid, uint64_t pc)
{
	int is;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	is = is_trampoline(p, pid, pc);
	pthread_mutex_unlock(&p->lock);
	return is;
}

int pystack_known(const struct pystack *p, pid_t pid)
{
	int known;

	if (!p)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&p->lock);
	known = known_proc(p, pid) != NULL;
	pthread_mutex_unlock((pthread_mutex_t *)&p->lock);
	return known;
}

void pystack_probe(struct pystack *p, pid_t pid)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (!known_proc(p, pid)) {
		forget(p, pid); /* not Python when last looked: the file may make it so */
		proc_of(p, pid);
	}
	pthread_mutex_unlock(&p->lock);
}

size_t pystack_pack(const struct pystack_read *r, uint32_t *out, size_t max)
{
	size_t need = 4 + r->nseg + r->n;

	if (need > max)
		return 0;
	out[0] = (uint32_t)r->n;
	out[1] = (uint32_t)r->nseg;
	out[2] = (uint32_t)r->late;
	out[3] = (uint32_t)(r->lag_ms * 1000);
	for (size_t i = 0; i < r->nseg; i++)
		out[4 + i] = (uint32_t)r->seg_end[i];
	memcpy(out + 4 + r->nseg, r->frames, r->n * sizeof(*r->frames));
	return need;
}

void pystack_unpack(const uint32_t *in, struct pystack_read *r)
{
	r->n = in[0];
	r->nseg = in[1];
	r->late = (int)in[2];
	r->lag_ms = in[3] / 1000.0;
	for (size_t i = 0; i < r->nseg; i++)
		r->seg_end[i] = in[4 + i];
	memcpy(r->frames, in + 4 + r->nseg, r->n * sizeof(*r->frames));
}

const char *pystack_version(struct pystack *p, pid_t pid, const char **module)
{
	const struct pyproc *pp;

	if (!p)
		return NULL;
	pthread_mutex_lock(&p->lock);
	pp = known_proc(p, pid);
	pthread_mutex_unlock(&p->lock);
	/* A process's version and module are set once, when it is found. */
	if (pp && module)
		*module = pp->module;
	return pp ? pp->version : NULL;
}

/* ---- threads ---- */

/* Bytes to read to cover the fields at OFFS (-1: absent), at most BLOCK_MAX. */
static size_t cover(const long *offs, size_t n)
{
	long m = 0;

	for (size_t i = 0; i < n; i++)
		if (offs[i] > m)
			m = offs[i];
	return (size_t)m + 8 <= BLOCK_MAX ? (size_t)m + 8 : BLOCK_MAX;
}

static size_t ts_bytes(const struct py_offsets *o)
{
	const long f[] = { o->ts_next, o->ts_thread_id, o->ts_native_tid, o->ts_frame,
			   o->ts_cframe };

	return cover(f, sizeof(f) / sizeof(*f));
}

/* The kernel tid of the thread state read into B. */
static pid_t tid_of(const struct pystack *p, const struct pyproc *pp, const uint8_t *b)
{
	int32_t tid;

	if (pp->off.ts_native_tid >= 0)
		return (pid_t)u64_at(b, pp->off.ts_native_tid);
	if (p->glibc_tid_off < 0 ||
	    rd(pp->pid, u64_at(b, pp->off.ts_thread_id) + (uint64_t)p->glibc_tid_off, &tid, 4))
		return -1;
	return tid;
}

static int cache_tstate(struct pyproc *pp, pid_t tid, uint64_t addr)
{
	for (size_t i = 0; i < pp->nts; i++)
		if (pp->ts[i].tid == tid) {
			pp->ts[i].addr = addr;
			return 0;
		}
	if (grow_array(&pp->ts, &pp->capts, pp->nts + 1, sizeof(*pp->ts)))
		return -1;
	pp->ts[pp->nts++] = (struct tstate_ent){ tid, addr };
	return 0;
}

/* Reads TID's thread state into B: from the cache when it still is TID's,
 * else by walking the interpreter's list. */
static int read_tstate(struct pystack *p, struct pyproc *pp, pid_t tid, uint8_t *b)
{
	size_t len = ts_bytes(&pp->off);
	uint64_t interp, ts;
	struct cycle cy = CYCLE_INIT;

	for (size_t i = 0; i < pp->nts; i++)
		if (pp->ts[i].tid == tid && !rd(pp->pid, pp->ts[i].addr, b, len) &&
		    tid_of(p, pp, b) == tid)
			return 0;
	if (rd(pp->pid, pp->runtime + (uint64_t)pp->off.rt_interp_head, &interp, 8) ||
	    rd(pp->pid, interp + (uint64_t)pp->off.is_threads_head, &ts, 8))
		return -1;
	for (int i = 0; ts && i < MAX_THREADS_WALK && !cycle_seen(&cy, ts); i++) {
		if (rd(pp->pid, ts, b, len))
			return -1;
		if (tid_of(p, pp, b) == tid)
			return cache_tstate(pp, tid, ts);
		ts = u64_at(b, pp->off.ts_next);
	}
	return -1;
}

/* ---- code objects ---- */

/* A str object's text, as UTF-8, into OUT (at most MAX_STR bytes). */
static int read_str(pid_t pid, const struct py_offsets *o, uint64_t addr, char *out)
{
	uint8_t h[128], data[MAX_STR * 4];
	uint64_t len;
	uint32_t state;
	unsigned kind;
	size_t k = 0;

	if (rd(pid, addr, h, (size_t)o->u_compact_size))
		return -1;
	len = u64_at(h, o->u_length);
	memcpy(&state, h + o->u_length + 16, 4);
	kind = (state >> 2) & 7;
	if (!((state >> 5) & 1) || len > MAX_STR || (kind != 1 && kind != 2 && kind != 4))
		return -1; /* not compact: not a name the compiler made */
	if ((state >> 6) & 1) {
		if (rd(pid, addr + (uint64_t)o->u_ascii_size, out, len))
			return -1;
		for (uint64_t i = 0; i < len; i++)
			if ((unsigned char)out[i] >= 0x80)
				return -1; /* not what an ASCII str holds: memory reused */
		out[len] = 0;
		return 0;
	}
	if (rd(pid, addr + (uint64_t)o->u_compact_size, data, len * kind))
		return -1;
	for (uint64_t i = 0; i < len && k + 4 < MAX_STR; i++) {
		uint32_t c = kind == 1   ? data[i]
			     : kind == 2 ? ((uint16_t *)data)[i]
					 : ((uint32_t *)data)[i];

		if ((c >= 0xd800 && c < 0xe000) || c > 0x10ffff)
			c = '?'; /* no UTF-8 for it */
		if (c < 0x80) {
			out[k++] = (char)c;
		} else if (c < 0x800) {
			out[k++] = (char)(0xc0 | (c >> 6));
			out[k++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[k++] = (char)(0xe0 | (c >> 12));
			out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[k++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[k++] = (char)(0xf0 | (c >> 18));
			out[k++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[k++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[k] = 0;
	return 0;
}

/* Text from the target is the target's to choose: no control characters
 * reach a terminal, a YAML file or a line of folded stacks. */
static void tame(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ';')
			*s = '?';
}

static size_t code_bytes(const struct py_offsets *o)
{
	const long f[] = { o->co_filename, o->co_name, o->co_qualname, o->co_firstlineno };

	return cover(f, sizeof(f) / sizeof(*f));
}

/* The code object's header: where its names are, its first line. */
static void parse_head(const struct py_offsets *o, const uint8_t *b, uint64_t addr,
		       struct code_ent *e)
{
	int32_t line;

	e->addr = addr;
	e->name = u64_at(b, o->co_qualname >= 0 ? o->co_qualname : o->co_name);
	e->file = u64_at(b, o->co_filename);
	memcpy(&line, b + o->co_firstlineno, 4);
	e->line = line;
}

/* The headers of the code objects at ADDR[0..N) into OUT, OK[i] saying
 * which were read: all in a few system calls, one per HEADS_AT_ONCE. */
static void read_heads(struct pystack *p, const struct pyproc *pp, const uint64_t *addr, size_t n,
		       struct code_ent *out, uint8_t *ok)
{
	size_t len = code_bytes(&pp->off);

	for (size_t at = 0; at < n; at += HEADS_AT_ONCE) {
		size_t k = n - at < HEADS_AT_ONCE ? n - at : HEADS_AT_ONCE;
		struct iovec local = { p->heads, k * len }, remote[HEADS_AT_ONCE];
		ssize_t got;

		for (size_t j = 0; j < k; j++)
			remote[j] = (struct iovec){ (void *)(uintptr_t)addr[at + j], len };
		got = process_vm_readv(pp->pid, &local, 1, remote, k, 0);
		/* A read stops at the first object it cannot read: the rest
		 * are tried one by one. */
		for (size_t j = 0; j < k; j++) {
			const uint8_t *b = p->heads + j * len;
			uint8_t one[BLOCK_MAX];

			ok[at + j] = got >= 0 && (size_t)got >= (j + 1) * len;
			if (!ok[at + j] && addr[at + j] && !rd(pp->pid, addr[at + j], one, len)) {
				b = one;
				ok[at + j] = 1;
			}
			if (ok[at + j])
				parse_head(&pp->off, b, addr[at + j], &out[at + j]);
		}
	}
}

/* The code object's names, kept under a new handle (a frame is made of it
 * only when the analysis splices it: the frame table is not this thread's). */
static uint32_t code_frame(struct pystack *p, struct pyproc *pp, const struct code_ent *e)
{
	char name[MAX_STR + 1], file[MAX_STR + 1];
	const char *base;
	struct pycode *c;

	if (read_str(pp->pid, &pp->off, e->name, name) ||
	    read_str(pp->pid, &pp->off, e->file, file) ||
	    grow_array(&p->codes, &p->capcodes, p->ncodes + 1, sizeof(*p->codes)))
		return U64MAP_NONE;
	tame(name);
	tame(file);
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	c = &p->codes[p->ncodes];
	c->name = strdup(name);
	c->module = strdup(base[0] ? base : "[python]");
	c->file = strdup(file);
	c->line = e->line > 0 ? (unsigned)e->line : 0;
	c->frame = U64MAP_NONE;
	if (!c->name || !c->module || !c->file) {
		free(c->name);
		free(c->module);
		free(c->file);
		return U64MAP_NONE;
	}
	return (uint32_t)p->ncodes++;
}

void pystack_resolve(struct pystack *p, struct pystack_read *r)
{
	size_t kept[PYSTACK_MAX + 1], k = 0; /* KEPT[i]: frames kept before i */

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < r->n; i++) {
		struct pycode *c = r->frames[i] < p->ncodes ? &p->codes[r->frames[i]] : NULL;

		kept[i] = k;
		if (c && c->frame == U64MAP_NONE)
			c->frame = frametab_intern(p->frames, c->name, c->module, c->file, c->line,
						   FRAME_PYTHON);
		if (c && c->frame != U64MAP_NONE)
			r->frames[k++] = c->frame;
	}
	pthread_mutex_unlock(&p->lock);
	kept[r->n] = k;
	/* a frame left out (no memory for it) shortens the run that held it */
	for (size_t i = 0; i < r->nseg; i++)
		r->seg_end[i] = kept[r->seg_end[i] <= r->n ? r->seg_end[i] : r->n];
	r->n = k;
}

/* The handle of the code object whose header (read just now) is E: the
 * cached one when the object is the same — its name, file and first line
 * where they were — else its names are read anew. Checking every time
 * costs one read per sample (read_heads); an address freed and taken by
 * another code object (a module's code at start-up, then a function's)
 * is then never named as the one before. */
static uint32_t code_id(struct pystack *p, struct pyproc *pp, const struct code_ent *fresh)
{
	uint32_t i = u64map_get(&pp->code_index, fresh->addr);
	struct code_ent e = *fresh;

	if (i != U64MAP_NONE && e.name == pp->code[i].name && e.file == pp->code[i].file &&
	    e.line == pp->code[i].line)
		return pp->code[i].id;
	p->st.code_reads++;
	if ((e.id = code_frame(p, pp, &e)) == U64MAP_NONE)
		return U64MAP_NONE;
	if (i == U64MAP_NONE) {
		if (grow_array(&pp->code, &pp->capcode, pp->ncode + 1, sizeof(*pp->code)) ||
		    u64map_put(&pp->code_index, e.addr, (uint32_t)pp->ncode))
			return e.id;
		i = (uint32_t)pp->ncode++;
	}
	pp->code[i] = e;
	return e.id;
}

/* ---- frames ---- */

static size_t frame_bytes(const struct py_offsets *o)
{
	const long f[] = { o->fr_previous, o->fr_code, o->fr_owner, o->fr_is_entry };

	return cover(f, sizeof(f) / sizeof(*f));
}

static void end_segment(struct pystack_read *out)
{
	if (out->n && (!out->nseg || out->seg_end[out->nseg - 1] < out->n))
		out->seg_end[out->nseg++] = out->n;
}

/* Walks the frames from FRAME outwards into OUT: first the chain (each
 * frame's code object, and where an interpreter call began), then every
 * code object's header at once, then their handles. */
static void walk_frames(struct pystack *p, struct pyproc *pp, uint64_t frame,
			struct pystack_read *out)
{
	const struct py_offsets *o = &pp->off;
	size_t len = frame_bytes(o), n = 0;
	uint8_t b[BLOCK_MAX];
	struct cycle cy = CYCLE_INIT;

	for (size_t depth = 0; frame && depth < WALK_MAX && !cycle_seen(&cy, frame); depth++) {
		uint64_t code;

		if (rd(pp->pid, frame, b, len))
			break;
		frame = u64_at(b, o->fr_previous);
		code = u64_at(b, o->fr_code);
		if (o->fr_owner >= 0 && o->minor >= 12 && b[o->fr_owner] == 3) {
			p->walk_code[n++] = 0; /* the C stack's shim: a call began here */
		} else if (code) {
			p->walk_code[n] = code;
			/* 3.11 marks a call's first frame; 3.9 and 3.10 call once per frame */
			p->walk_end[n++] =
			    o->minor < 11 || (o->fr_is_entry >= 0 && b[o->fr_is_entry]);
		}
	}
	read_heads(p, pp, p->walk_code, n, p->walk_head, p->walk_ok);
	for (size_t i = 0; i < n && out->n < PYSTACK_MAX; i++) {
		uint32_t id;

		if (!p->walk_code[i]) {
			end_segment(out); /* an interpreter call began here */
			continue;
		}
		if (!p->walk_ok[i] || (id = code_id(p, pp, &p->walk_head[i])) == U64MAP_NONE)
			continue;
		out->frames[out->n++] = id;
		if (p->walk_end[i])
			end_segment(out);
	}
	end_segment(out);
}

static int read_stack(struct pystack *p, pid_t pid, pid_t tid, uint64_t sample_ns,
		      struct pystack_read *out)
{
	struct pyproc *pp = proc_of(p, pid);
	uint8_t b[BLOCK_MAX];
	uint64_t frame, now;

	out->n = out->nseg = 0;
	out->late = 0;
	if (!pp || pp->state < 0)
		return -1;
	if (read_tstate(p, pp, tid, b)) {
		p->st.failed++;
		return -1;
	}
	if (pp->off.ts_frame >= 0)
		frame = u64_at(b, pp->off.ts_frame);
	else if (rd(pid, u64_at(b, pp->off.ts_cframe) + (uint64_t)pp->off.cf_frame, &frame, 8))
		frame = 0;
	walk_frames(p, pp, frame, out);
	now = now_ns();
	if (!out->n) {
		p->st.failed++;
		return -1;
	}
	out->late = now > sample_ns && now - sample_ns > PYSTACK_LATE_NS;
	out->lag_ms = now > sample_ns ? (double)(now - sample_ns) / 1e6 : 0;
	p->st.lag_ms_sum += out->lag_ms;
	p->st.samples++;
	return 0;
}

int pystack_read(struct pystack *p, pid_t pid, pid_t tid, uint64_t sample_ns,
		 struct pystack_read *out)
{
	int e;

	pthread_mutex_lock(&p->lock);
	e = read_stack(p, pid, tid, sample_ns, out);
	pthread_mutex_unlock(&p->lock);
	return e;
}

/* ---- thread names: sys.modules["threading"]._active[ident].name ---- */

#define DICT_MAX 4096 /* entries of a dict read, at most */

static uint64_t word(pid_t pid, uint64_t addr)
{
	uint64_t v = 0;

	return rd(pid, addr, &v, 8) ? 0 : v;
}

static uint8_t byte_at(pid_t pid, uint64_t addr)
{
	uint8_t v = 0;

	return rd(pid, addr, &v, 1) ? 0 : v;
}

/* The entries of a keys object, with VALUES (split tables, VOFF bytes into
 * the values object) or its own values: FN(ARG, key, value) until it
 * returns nonzero. Returns that, or 0. */
static int keys_each(const struct pyproc *pp, uint64_t keys, uint64_t values, long voff,
		     int (*fn)(const struct pyproc *, uint64_t, uint64_t, void *), void *arg)
{
	const struct py_offsets *o = &pp->off;
	uint64_t size, index_bytes, n, esize = 24, *vals = NULL;
	uint8_t *ents;
	int r = 0;

	if (!keys)
		return 0;
	if (o->minor < 11) {
		size = word(pp->pid, keys + (uint64_t)o->dk_size);
		index_bytes = size * (size <= 0xff            ? 1
				      : size <= 0xffff        ? 2
				      : size <= 0xffffffffull ? 4
							      : 8);
	} else {
		index_bytes = 1ull << (byte_at(pp->pid, keys + (uint64_t)o->dk_index_bytes) & 63);
		esize = byte_at(pp->pid, keys + (uint64_t)o->dk_kind) ? 16 : 24;
	}
	n = word(pp->pid, keys + (uint64_t)o->dk_nentries);
	if (n > DICT_MAX || index_bytes > (1u << 20) || !(ents = malloc(n * esize + 1)))
		return 0;
	if (values && !(vals = malloc(n * 8 + 1)))
		n = 0;
	if (rd(pp->pid, keys + (uint64_t)o->dk_indices + index_bytes, ents, n * esize) ||
	    (vals && rd(pp->pid, values + (uint64_t)voff, vals, n * 8)))
		n = 0;
	for (uint64_t i = 0; i < n && !r; i++) {
		const uint8_t *e = ents + i * esize;
		uint64_t k = u64_at(e, esize == 24 ? 8 : 0),
			 v = vals ? vals[i] : u64_at(e, esize - 8);

		if (k && v)
			r = fn(pp, k, v, arg);
	}
	free(vals);
	free(ents);
	return r;
}

struct str_find {
	const char *key;
	uint64_t value;
};

static int match_str(const struct pyproc *pp, uint64_t k, uint64_t v, void *arg)
{
	struct str_find *f = arg;
	char s[MAX_STR + 1];

	if (read_str(pp->pid, &pp->off, k, s) || strcmp(s, f->key))
		return 0;
	f->value = v;
	return 1;
}

static uint64_t dict_get(const struct pyproc *pp, uint64_t dict, const char *key)
{
	struct str_find f = { key, 0 };
	long voff = pp->off.minor >= 13 ? 8 : 0;

	if (dict)
		keys_each(pp, word(pp->pid, dict + (uint64_t)pp->off.dict_keys),
			  word(pp->pid, dict + (uint64_t)pp->off.dict_values), voff, match_str, &f);
	return f.value;
}

/* An instance attribute: its __dict__, or (3.11+) the values kept beside
 * the object with its class's shared keys. */
static uint64_t attr_of(const struct pyproc *pp, uint64_t obj, const char *key)
{
	const struct py_offsets *o = &pp->off;
	uint64_t type = word(pp->pid, obj + 8), dv, values;
	struct str_find f = { key, 0 };

	if (!type)
		return 0;
	if (o->minor < 11) {
		int64_t off = (int64_t)word(pp->pid, type + (uint64_t)o->tp_dictoffset);

		return off > 0 ? dict_get(pp, word(pp->pid, obj + (uint64_t)off), key) : 0;
	}
	dv = word(pp->pid, obj - 24);
	if (o->minor == 12 && (dv & 1)) {
		values = dv + 1; /* kept as the values' address less one, an odd number */
	} else if (dv) {
		return dict_get(pp, dv, key);
	} else if (o->minor == 11) {
		values = word(pp->pid, obj - 32);
	} else {
		values = obj + word(pp->pid, type + (uint64_t)o->tp_basicsize);
	}
	keys_each(pp, word(pp->pid, type + (uint64_t)o->ht_cached_keys), values,
		  o->minor >= 13 ? 8 : 0, match_str, &f);
	return f.value;
}

/* A non-negative int of up to three 30-bit digits (a thread ident). */
static uint64_t int_value(const struct pyproc *pp, uint64_t obj)
{
	uint64_t size = word(pp->pid, obj + 16), v = 0;
	uint32_t d[3];

	size = pp->off.minor >= 12 ? size >> 3 : size;
	if (size > 3 || rd(pp->pid, obj + (uint64_t)pp->off.long_digit, d, size * 4))
		return 0;
	for (uint64_t i = size; i-- > 0;)
		v = v << 30 | (d[i] & 0x3fffffff);
	return v;
}

struct names_ctx {
	struct pystack *p;
	uint64_t *idents;
	pid_t *tids;
	size_t n;
	void (*fn)(void *arg, pid_t pid, pid_t tid, const char *name);
	void *arg;
	size_t named;
};

static int name_thread(const struct pyproc *pp, uint64_t k, uint64_t v, void *arg)
{
	struct names_ctx *c = arg;
	uint64_t ident = int_value(pp, k), name;
	char s[MAX_STR + 1];

	for (size_t i = 0; i < c->n; i++) {
		if (c->idents[i] != ident)
			continue;
		if ((name = attr_of(pp, v, "_name")) && !read_str(pp->pid, &pp->off, name, s)) {
			tame(s);
			c->fn(c->arg, pp->pid, c->tids[i], s);
			c->named++;
		}
		break;
	}
	return 0;
}

/* The interpreter's threads: their idents (pthread_t) and kernel tids. */
static size_t thread_idents(struct pystack *p, struct pyproc *pp, uint64_t interp, uint64_t *idents,
			    pid_t *tids, size_t max)
{
	uint8_t b[BLOCK_MAX];
	uint64_t ts = word(pp->pid, interp + (uint64_t)pp->off.is_threads_head);
	struct cycle cy = CYCLE_INIT;
	size_t n = 0;

	for (int i = 0; ts && i < MAX_THREADS_WALK && n < max && !cycle_seen(&cy, ts); i++) {
		if (rd(pp->pid, ts, b, ts_bytes(&pp->off)))
			break;
		idents[n] = u64_at(b, pp->off.ts_thread_id);
		tids[n] = tid_of(p, pp, b);
		n += tids[n] > 0;
		ts = u64_at(b, pp->off.ts_next);
	}
	return n;
}

size_t pystack_thread_names(struct pystack *p,
			    void (*fn)(void *arg, pid_t pid, pid_t tid, const char *name),
			    void *arg)
{
	uint64_t idents[256];
	pid_t tids[256];
	struct names_ctx c = { p, idents, tids, 0, fn, arg, 0 };

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nprocs; i++) {
		struct pyproc *pp = &p->procs[i];
		uint64_t interp, threading, active;

		if (pp->state < 0 ||
		    !(interp = word(pp->pid, pp->runtime + (uint64_t)pp->off.rt_interp_head)))
			continue;
		c.n = thread_idents(p, pp, interp, idents, tids, 256);
		threading =
		    dict_get(pp, word(pp->pid, interp + (uint64_t)pp->off.is_modules), "threading");
		active = threading
			     ? dict_get(pp, word(pp->pid, threading + (uint64_t)pp->off.md_dict),
					"_active")
			     : 0;
		if (active)
			keys_each(pp, word(pp->pid, active + (uint64_t)pp->off.dict_keys),
				  word(pp->pid, active + (uint64_t)pp->off.dict_values),
				  pp->off.minor >= 13 ? 8 : 0, name_thread, &c);
	}
	pthread_mutex_unlock(&p->lock);
	return c.named;
}

/* ---- splicing into the native stack ---- */

int pystack_is_eval(const struct frame *f)
{
	return f->name[0] == '_' && f->name[1] == 'P' &&
	       !strcmp(f->name, "_PyEval_EvalFrameDefault");
}

size_t pystack_splice(struct pystack *p, uint32_t *frames, size_t n, size_t max,
		      const struct pystack_read *py)
{
	size_t ev[PYSTACK_MAX], ne = 0, k = 0, matched;
	uint32_t out[PYSTACK_MAX * 2];
	const char *interp = NULL;

	for (size_t i = 0; i < n && ne < PYSTACK_MAX; i++)
		if (pystack_is_eval(frametab_get(p->frames, frames[i])))
			ev[ne++] = i;
	if (!ne || !py->nseg)
		return n;
	if (py->late) { /* long after the sample: the names would likely be wrong */
		pthread_mutex_lock(&p->lock);
		p->st.late++;
		pthread_mutex_unlock(&p->lock);
		return n;
	}
	interp = frametab_get(p->frames, frames[ev[0]])->module;
	matched = ne < py->nseg ? ne : py->nseg;
	/* The thread called or returned between the sample and the read: the
	 * runs matched from the outermost are still the functions it ran. The
	 * sample is counted; the names stay the functions' own. */
	if (ne != py->nseg) {
		pthread_mutex_lock(&p->lock);
		p->st.mismatched++;
		pthread_mutex_unlock(&p->lock);
	}
	/* Eval frame ev[ne-1-j] runs segment nseg-1-j, j < matched: the
	 * innermost eval frames without a segment stay as they are. */
	for (size_t i = 0, e = 0; i < n && k < sizeof(out) / sizeof(*out); i++) {
		const struct frame *f = frametab_get(p->frames, frames[i]);

		if (e < ne && i == ev[e]) {
			size_t j = ne - 1 - e, seg;

			e++;
			if (j >= matched) {
				out[k++] = frames[i];
				continue;
			}
			seg = py->nseg - 1 - j;
			for (size_t q = seg ? py->seg_end[seg - 1] : 0;
			     q < py->seg_end[seg] && k < sizeof(out) / sizeof(*out); q++)
				out[k++] = py->frames[q];
			continue;
		}
		/* between two Python runs: the interpreter's call plumbing */
		if (e > ne - matched && e < ne && !strcmp(f->module, interp))
			continue;
		/* a perf trampoline's name (-X perf) says what the run says */
		if (f->kind == FRAME_JIT && !strncmp(f->name, "py::", 4))
			continue;
		out[k++] = frames[i];
	}
	if (k > max)
		k = max; /* the outermost frames go: deep stacks are cut where perf cuts them */
	memcpy(frames, out, k * sizeof(*out));
	return k;
}

int pystack_take_note(struct pystack *p, char *buf, size_t len)
{
	int any;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	any = p->note[0] != 0;
	if (any)
		snprintf(buf, len, "%s", p->note);
	p->note[0] = 0;
	pthread_mutex_unlock(&p->lock);
	return any;
}
