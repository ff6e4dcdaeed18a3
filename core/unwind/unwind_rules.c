/* unwind_rules — DWARF unwinding from compiled rules, libdw behind them.
 *
 * Nearly every frame of x86-64 code unwinds by the same three steps: the
 * caller's stack pointer (the CFA) is RSP or RBP plus a constant, the return
 * address is stored at CFA minus a constant, and RBP is either kept or
 * stored at CFA minus a constant. libdw re-derives that from the CFI at
 * every frame of every sample; here the CFI row at each address is turned
 * once into such a rule and kept (per process, by address), so the common
 * frame is a hash lookup and two loads from the stack copy. A row the rule
 * cannot say (a CFA expression, a signal frame, a register other than RBP
 * the CFA depends on), or an address without CFI (JIT code, which libdw
 * steps over by frame pointer), sends the whole sample to libdw, which
 * stays the reference: bench/unwind_bench --check compares the two on
 * every sample. */
#include "unwind.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "u64map.h"

#define PROCS_MAX 64     /* processes whose rules are kept (the least recent go) */
#define RULES_MAX 200000 /* rules kept per process: past this, it starts again */

enum rule_kind {
	RULE_STEP,  /* CFA = reg + off; RA at CFA + ra_off; RBP kept or at CFA + bp_off */
	RULE_END,   /* the return address is undefined: the outermost frame */
	RULE_LIBDW, /* what a rule cannot say, or no CFI there: libdw takes the sample */
};

struct rule {
	uint8_t kind;
	uint8_t cfa_bp;   /* the CFA is RBP-based (else RSP) */
	uint8_t bp_saved; /* RBP is restored from CFA + bp_off */
	int32_t cfa_off, ra_off, bp_off;
};

struct proc_rules {
	pid_t pid;
	unsigned version; /* the maps the rules were made from */
	uint64_t used;
	struct u64map index; /* lookup address → rule */
	struct rule *v;
	size_t n, cap;
};

struct rules_state {
	struct symbolizer *sym;
	void *libdw; /* the fallback */
	struct proc_rules procs[PROCS_MAX];
	size_t nprocs;
	uint64_t clock;
	uint64_t regs[PERF_RECS_NREGS]; /* the outermost frame's, when asked */
	uint64_t fallbacks;
};

static void proc_reset(struct proc_rules *p, pid_t pid, unsigned version)
{
	u64map_clear(&p->index);
	free(p->v);
	memset(p, 0, sizeof(*p));
	u64map_init(&p->index);
	p->pid = pid;
	p->version = version;
}

/* PID's rules, made anew when its mappings changed; the least recently
 * used process gives its place when all are taken. */
static struct proc_rules *proc_of(struct rules_state *u, pid_t pid)
{
	unsigned version = sym_maps_version(u->sym, pid);
	struct proc_rules *p = NULL, *lru = NULL;

	for (size_t i = 0; i < u->nprocs && !p; i++)
		if (u->procs[i].pid == pid)
			p = &u->procs[i];
	if (!p) {
		if (u->nprocs < PROCS_MAX) {
			p = &u->procs[u->nprocs++]; /* zeroed: proc_reset below starts it */
		} else {
			for (size_t i = 0; i < u->nprocs; i++)
				if (!lru || u->procs[i].used < lru->used)
					lru = &u->procs[i];
			p = lru;
		}
		proc_reset(p, pid, version);
	} else if (p->version != version || p->n >= RULES_MAX) {
		proc_reset(p, pid, version);
	}
	p->used = ++u->clock;
	return p;
}

/* Where a register is: "offset(N)" — at CFA + N — is the one shape kept. */
static int saved_at(Dwarf_Frame *f, int regno, int32_t *off, int *undefined, int *same)
{
	Dwarf_Op mem[3], *ops;
	size_t n;

	*undefined = *same = 0;
	if (dwarf_frame_register(f, regno, mem, &ops, &n))
		return -1;
	if (!ops) {
		*undefined = 1;
		return 0;
	}
	if (n == 0) {
		*same = 1;
		return 0;
	}
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return -1;
	if (n == 1) {
		*off = 0;
		return 0;
	}
	/* libdw writes "CFA - 8" as DW_OP_plus_uconst of (uint64_t)-8 */
	if (n == 2 && ops[1].atom == DW_OP_plus_uconst && (int64_t)ops[1].number > -(1 << 30) &&
	    (int64_t)ops[1].number < (1 << 30)) {
		*off = (int32_t)(int64_t)ops[1].number;
		return 0;
	}
	if (n == 3 && (ops[1].atom == DW_OP_consts || ops[1].atom == DW_OP_constu) &&
	    ops[2].atom == DW_OP_plus && (int64_t)ops[1].number > -(1 << 30) &&
	    (int64_t)ops[1].number < (1 << 30)) {
		*off = (int32_t)(int64_t)ops[1].number;
		return 0;
	}
	return -1;
}

static struct rule rule_of_frame(Dwarf_Frame *f)
{
	struct rule r = { .kind = RULE_LIBDW };
	Dwarf_Op *ops;
	size_t n;
	int undef, same, ra_undef;
	bool signal = false;
	Dwarf_Word reg;
	int64_t off;
	Dwarf_Addr start, end;
	int ra = dwarf_frame_info(f, &start, &end, &signal);

	if (ra < 0 || signal || dwarf_frame_cfa(f, &ops, &n) || n != 1)
		return r;
	/* libdw gives "reg + off" as DW_OP_bregx (reg, off) */
	if (ops[0].atom == DW_OP_bregx)
		reg = ops[0].number, off = (int64_t)ops[0].number2;
	else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31)
		reg = (Dwarf_Word)(ops[0].atom - DW_OP_breg0), off = (int64_t)ops[0].number;
	else
		return r;
	if ((reg != 6 && reg != 7) || off <= -(1 << 30) || off >= (1 << 30))
		return r;
	r.cfa_bp = reg == 6;
	r.cfa_off = (int32_t)off;
	if (saved_at(f, ra, &r.ra_off, &ra_undef, &same))
		return r;
	if (ra_undef || same) { /* _start: the return address column says "no caller" */
		r.kind = RULE_END;
		return r;
	}
	if (saved_at(f, 6, &r.bp_off, &undef, &same))
		return r;
	r.bp_saved = !undef && !same;
	r.kind = RULE_STEP;
	return r;
}

/* The rule at lookup address PC of the process (PC - 1 for a return
 * address: the call, not what follows it). */
static struct rule make_rule(Dwfl *dwfl, uint64_t pc)
{
	struct rule r = { .kind = RULE_LIBDW };
	Dwfl_Module *mod = dwfl ? dwfl_addrmodule(dwfl, pc) : NULL;
	Dwarf_Addr bias;
	Dwarf_CFI *cfi[2];
	Dwarf_Frame *f = NULL;

	if (!mod)
		return r;
	cfi[0] = dwfl_module_eh_cfi(mod, &bias);
	for (int i = 0; i < 2 && !f; i++) {
		if (i == 1)
			cfi[1] = dwfl_module_dwarf_cfi(mod, &bias);
		if (cfi[i] && dwarf_cfi_addrframe(cfi[i], pc - bias, &f))
			f = NULL;
	}
	if (!f)
		return r;
	r = rule_of_frame(f);
	free(f);
	return r;
}

static const struct rule *rule_at(struct rules_state *u, struct proc_rules *p, Dwfl *dwfl,
				  uint64_t pc)
{
	uint32_t i = u64map_get(&p->index, pc);

	if (i != U64MAP_NONE)
		return &p->v[i];
	if (grow_array(&p->v, &p->cap, p->n + 1, sizeof(*p->v)) ||
	    u64map_put(&p->index, pc, (uint32_t)p->n))
		return NULL;
	p->v[p->n] = make_rule(dwfl, pc);
	return &p->v[p->n++];
}

static int stack_word(const struct unwind_sample *in, uint64_t addr, uint64_t *out, int *past)
{
	uint64_t sp = in->regs[PREG_SP];

	if (addr >= sp && addr - sp + 8 <= in->stack_size) {
		memcpy(out, in->stack + (addr - sp), 8);
		return 0;
	}
	*past = addr >= sp;
	return -1;
}

enum walk { WALK_DONE, WALK_HARD };

/* The rules' walk: WALK_HARD when a frame needs libdw. */
static enum walk walk(struct rules_state *u, const struct unwind_sample *in, uint64_t *pcs,
		      size_t max, size_t *n, enum unwind_stop *stop)
{
	struct proc_rules *p = proc_of(u, in->pid);
	Dwfl *dwfl = sym_dwfl(u->sym, in->pid);
	uint64_t ip = in->regs[PREG_IP], sp = in->regs[PREG_SP], bp = in->regs[PREG_BP];
	int bp_known = 1;

	*n = 0;
	*stop = UNWIND_BROKEN;
	if (!dwfl)
		return WALK_HARD;
	while (*n < max) {
		const struct rule *r;
		uint64_t cfa, ra;
		int past = 0;

		pcs[(*n)++] = ip;
		if (!(r = rule_at(u, p, dwfl, *n == 1 ? ip : ip - 1)))
			return WALK_HARD;
		/* libdw also steps by frame pointer where no module has CFI (JIT
		 * code, node's text moved to huge pages): it takes such samples */
		if (r->kind == RULE_LIBDW)
			return WALK_HARD;
		if (r->kind == RULE_END) {
			*stop = UNWIND_END;
			break;
		}
		if (r->cfa_bp && !bp_known)
			break; /* as libdw: a CFA from a register no longer known */
		cfa = (r->cfa_bp ? bp : sp) + (uint64_t)(int64_t)r->cfa_off;
		if (stack_word(in, cfa + (uint64_t)(int64_t)r->ra_off, &ra, &past)) {
			*stop = past ? UNWIND_NO_STACK : UNWIND_BROKEN;
			break;
		}
		/* RBP where it cannot be read (an epilogue's row still saying "at
		 * CFA-16" after the pop) is unknown from here, not an end */
		if (r->bp_saved)
			bp_known = !stack_word(in, cfa + (uint64_t)(int64_t)r->bp_off, &bp, &past);
		if (!ra) {
			*stop = UNWIND_END;
			break;
		}
		if (cfa <= sp && *n > 1) /* no progress: a loop, not a caller */
			break;
		sp = cfa;
		ip = ra;
		if (in->want_regs) {
			u->regs[PREG_IP] = ip;
			u->regs[PREG_SP] = sp;
			u->regs[PREG_BP] = bp;
		}
	}
	if (*n >= max)
		*stop = UNWIND_MAX;
	return WALK_DONE;
}

static size_t rules_unwind(void *state, const struct unwind_sample *in, uint64_t *pcs, size_t max,
			   enum unwind_stop *stop)
{
	struct rules_state *u = state;
	size_t n = 0;

	if (!max)
		return 0;
	if (in->want_regs)
		memcpy(u->regs, in->regs, sizeof(u->regs));
	if (walk(u, in, pcs, max, &n, stop) == WALK_DONE)
		return n;
	u->fallbacks++;
	n = unwinder_libdw.unwind(u->libdw, in, pcs, max, stop);
	if (in->want_regs)
		unwinder_libdw.last_regs(u->libdw, u->regs);
	return n;
}

static void *rules_create(struct symbolizer *sym)
{
	struct rules_state *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->sym = sym;
	if (!(u->libdw = unwinder_libdw.create(sym))) {
		free(u);
		return NULL;
	}
	return u;
}

static void rules_destroy(void *state)
{
	struct rules_state *u = state;

	if (!u)
		return;
	for (size_t i = 0; i < u->nprocs; i++) {
		u64map_clear(&u->procs[i].index);
		free(u->procs[i].v);
	}
	unwinder_libdw.destroy(u->libdw);
	free(u);
}

static void rules_last_regs(void *state, uint64_t *regs)
{
	memcpy(regs, ((struct rules_state *)state)->regs, sizeof(uint64_t) * PERF_RECS_NREGS);
}

const struct unwinder_ops unwinder_rules = {
	.name = "rules",
	.create = rules_create,
	.destroy = rules_destroy,
	.unwind = rules_unwind,
	.last_regs = rules_last_regs,
};
