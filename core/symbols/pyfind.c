/* pyfind — finding CPython in a process: `_PyRuntime` by symbol in the
 * python file it maps (opened as mapped, through safefile), the version,
 * the struct layouts (the target's own _Py_DebugOffsets from 3.13, range
 * checked), the perf trampolines. */
#include "pystack_impl.h"

#include "grow.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

struct pyproc *py__proc_of(struct pystack *p, pid_t pid)
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
		py__forget(p, pid); /* not Python when last looked: the file may make it so */
		py__proc_of(p, pid);
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
