/* unwind_libunwind — the second unwinder: libunwind's remote API with our
 * accessors, over the same modules and the same memory reader as libdw.
 *
 * CFI is found through each module's .eh_frame_hdr binary-search table
 * (PT_GNU_EH_FRAME), read from the ELF file; libunwind caches what it
 * parsed per address space, one per process, flushed when its mappings
 * change. */
#define UNW_REMOTE_ONLY
#include "unwind.h"

#include "grow.h"
#include "u64map.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>

/* Exported by libunwind-x86_64 but not declared in its public header. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

#define MAX_SPACES 64 /* address spaces kept: processes come and go */

struct lu_space {
	pid_t pid;
	unsigned version; /* the symbolizer's mapping version it was built for */
	uint64_t used;    /* the state's clock at its last unwind */
	unw_addr_space_t as;
};

struct lu_state {
	struct symbolizer *sym;
	const struct unwind_sample *cur;
	int past_stack;
	struct lu_space *spaces;
	size_t nspaces, cap;
	struct u64map by_pid;
	uint64_t clock;
	uint64_t regs[PERF_RECS_NREGS]; /* the outermost frame's, when asked */
};

/* The registers the cursor's frame knows, into U->regs (perf's order). */
static void keep_regs(struct lu_state *u, unw_cursor_t *c)
{
	static const struct {
		int unw, perf;
	} map[] = { { UNW_X86_64_RAX, PREG_AX },     { UNW_X86_64_RDX, PREG_DX },
		    { UNW_X86_64_RCX, PREG_CX },     { UNW_X86_64_RBX, PREG_BX },
		    { UNW_X86_64_RSI, PREG_SI },     { UNW_X86_64_RDI, PREG_DI },
		    { UNW_X86_64_RBP, PREG_BP },     { UNW_X86_64_RSP, PREG_SP },
		    { UNW_X86_64_R8, PREG_R8 },      { UNW_X86_64_R9, PREG_R8 + 1 },
		    { UNW_X86_64_R10, PREG_R8 + 2 }, { UNW_X86_64_R11, PREG_R8 + 3 },
		    { UNW_X86_64_R12, PREG_R8 + 4 }, { UNW_X86_64_R13, PREG_R8 + 5 },
		    { UNW_X86_64_R14, PREG_R8 + 6 }, { UNW_X86_64_R15, PREG_R8 + 7 },
		    { UNW_X86_64_RIP, PREG_IP } };

	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++) {
		unw_word_t v;

		if (unw_get_reg(c, map[i].unw, &v) == 0)
			u->regs[map[i].perf] = v;
	}
}

/* The .eh_frame_hdr of the module holding IP, in the process's addresses. */
static int eh_frame_hdr(Dwfl *dwfl, uint64_t ip, uint64_t *hdr, uint64_t *lo, uint64_t *hi)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, ip);
	Dwarf_Addr bias, low, high;
	Elf *elf;
	size_t n;

	if (!mod || !(elf = dwfl_module_getelf(mod, &bias)) || elf_getphdrnum(elf, &n))
		return -1;
	dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_GNU_EH_FRAME) {
			*hdr = bias + ph.p_vaddr;
			*lo = low;
			*hi = high;
			return 0;
		}
	}
	return -1;
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	struct lu_state *u = arg;
	Dwfl *dwfl = sym_dwfl(u->sym, u->cur->pid);
	uint8_t head[12];
	uint32_t count;
	uint64_t hdr, lo, hi;
	unw_dyn_info_t di;

	if (!dwfl || eh_frame_hdr(dwfl, ip, &hdr, &lo, &hi) ||
	    sym_read_elf(u->sym, u->cur->pid, hdr, head, sizeof(head)))
		return -UNW_ENOINFO;
	/* version 1; eh_frame_ptr pcrel|sdata4, count udata4, table datarel|sdata4:
	 * what every toolchain emits, and all a binary-search table can be. */
	if (head[0] != 1 || head[1] != 0x1b || head[2] != 0x03 || head[3] != 0x3b)
		return -UNW_ENOINFO;
	memcpy(&count, head + 8, 4);
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = lo;
	di.end_ip = hi;
	di.u.rti.segbase = hdr;
	di.u.rti.table_data = hdr + 12;
	di.u.rti.table_len = count * 8 / sizeof(unw_word_t);
	return _Ux86_64_dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info, arg);
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	(void)as, (void)pi, (void)arg; /* table-format info is freed by libunwind */
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dil, void *arg)
{
	(void)as, (void)dil, (void)arg;
	return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *valp, int write, void *arg)
{
	struct lu_state *u = arg;
	uint64_t v;

	(void)as;
	if (write || unwind_read_word(u->sym, u->cur, addr, &v, &u->past_stack))
		return -UNW_EINVAL;
	*valp = v;
	return 0;
}

/* libunwind numbers x86-64 registers as DWARF does. */
static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *valp, int write, void *arg)
{
	static const int from_dwarf[17] = {
		PREG_AX,     PREG_DX,     PREG_CX,     PREG_BX,     PREG_SI,     PREG_DI,
		PREG_BP,     PREG_SP,     PREG_R8,     PREG_R8 + 1, PREG_R8 + 2, PREG_R8 + 3,
		PREG_R8 + 4, PREG_R8 + 5, PREG_R8 + 6, PREG_R8 + 7, PREG_IP,
	};
	struct lu_state *u = arg;

	(void)as;
	if (write || reg < 0 || reg > 16)
		return -UNW_EBADREG;
	*valp = u->cur->regs[from_dwarf[reg]];
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
			void *arg)
{
	(void)as, (void)reg, (void)val, (void)write, (void)arg;
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	(void)as, (void)c, (void)arg;
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
			 unw_word_t *off, void *arg)
{
	(void)as, (void)addr, (void)buf, (void)len, (void)off, (void)arg;
	return -UNW_EINVAL; /* names come from the symbolizer */
}

static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

/* The address space of PID, flushed when its mappings changed (versions
 * are never handed out twice, so a pid used again is flushed too). At most
 * MAX_SPACES are kept: the one unused longest is given to a new process. */
static unw_addr_space_t space_of(struct lu_state *u, pid_t pid)
{
	uint32_t i = u64map_get(&u->by_pid, (uint64_t)pid);
	unsigned version = sym_maps_version(u->sym, pid);
	struct lu_space *sp;

	u->clock++;
	if (i == U64MAP_NONE && u->nspaces >= MAX_SPACES) {
		i = 0;
		for (uint32_t k = 1; k < u->nspaces; k++)
			if (u->spaces[k].used < u->spaces[i].used)
				i = k;
		u64map_del(&u->by_pid, (uint64_t)u->spaces[i].pid);
		if (u64map_put(&u->by_pid, (uint64_t)pid, i))
			return NULL;
		u->spaces[i].pid = pid;
		u->spaces[i].version = version - 1; /* flushed below */
	}
	if (i == U64MAP_NONE) {
		if (grow_array(&u->spaces, &u->cap, u->nspaces + 1, sizeof(*u->spaces)))
			return NULL;
		sp = &u->spaces[u->nspaces];
		sp->pid = pid;
		sp->version = version;
		sp->used = u->clock;
		sp->as = unw_create_addr_space(&accessors, 0);
		if (!sp->as || u64map_put(&u->by_pid, (uint64_t)pid, (uint32_t)u->nspaces)) {
			if (sp->as)
				unw_destroy_addr_space(sp->as);
			return NULL;
		}
		unw_set_caching_policy(sp->as, UNW_CACHE_GLOBAL);
		u->nspaces++;
		return sp->as;
	}
	sp = &u->spaces[i];
	sp->used = u->clock;
	if (sp->version != version) {
		unw_flush_cache(sp->as, 0, 0);
		sp->version = version;
	}
	return sp->as;
}

/* IP lies in a module with CFI (not in anonymous code: JIT, trampolines). */
static int has_cfi(struct lu_state *u, pid_t pid, uint64_t ip)
{
	Dwfl *dwfl = sym_dwfl(u->sym, pid);
	uint64_t hdr, lo, hi;

	return dwfl && eh_frame_hdr(dwfl, ip, &hdr, &lo, &hi) == 0;
}

static size_t lu_unwind(void *state, const struct unwind_sample *in, uint64_t *pcs, size_t max,
			enum unwind_stop *stop)
{
	struct lu_state *u = state;
	unw_addr_space_t as;
	unw_cursor_t c;
	size_t n = 0;
	int r = -1;

	*stop = UNWIND_BROKEN;
	if (!max)
		return 0;
	u->cur = in;
	u->past_stack = 0;
	as = space_of(u, in->pid);
	if (as && unw_init_remote(&c, as, u) == 0) {
		do {
			unw_word_t ip;

			if (unw_get_reg(&c, UNW_REG_IP, &ip) || !ip)
				break;
			pcs[n++] = ip;
			/* Asked for the registers where CFI ends: stop there, not
			 * in libunwind's frame-pointer guess beyond it. */
			if (in->want_regs && n > 1 && !has_cfi(u, in->pid, ip)) {
				r = -1;
				break;
			}
		} while (n < max && (r = unw_step(&c)) > 0);
		if (in->want_regs) {
			memcpy(u->regs, in->regs, sizeof(u->regs));
			keep_regs(u, &c);
		}
	}
	if (n >= max)
		*stop = UNWIND_MAX;
	else if (u->past_stack)
		*stop = UNWIND_NO_STACK;
	else if (r == 0)
		*stop = UNWIND_END;
	if (n == 0)
		pcs[n++] = in->regs[PREG_IP];
	u->cur = NULL;
	return n;
}

static void *lu_create(struct symbolizer *sym)
{
	struct lu_state *u = calloc(1, sizeof(*u));

	if (u) {
		u->sym = sym;
		u64map_init(&u->by_pid);
	}
	return u;
}

static void lu_destroy(void *state)
{
	struct lu_state *u = state;

	if (!u)
		return;
	for (size_t i = 0; i < u->nspaces; i++)
		unw_destroy_addr_space(u->spaces[i].as);
	free(u->spaces);
	u64map_clear(&u->by_pid);
	free(u);
}

static void lu_last_regs(void *state, uint64_t *regs)
{
	memcpy(regs, ((struct lu_state *)state)->regs, sizeof(uint64_t) * PERF_RECS_NREGS);
}

const struct unwinder_ops unwinder_libunwind = {
	.name = "libunwind",
	.create = lu_create,
	.destroy = lu_destroy,
	.unwind = lu_unwind,
	.last_regs = lu_last_regs,
};
