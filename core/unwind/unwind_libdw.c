/* unwind_libdw — DWARF unwinding with elfutils' libdwfl.
 *
 * Each process's Dwfl (kept by the symbolizer, rebuilt only when mappings
 * change) is attached once, for good, to callbacks that serve the sample
 * being unwound — its registers, its stack copy — through `active`, so any
 * unwinder state can use any Dwfl. perf builds a new Dwfl per
 * sample; keeping it is what makes this fast — CFI and symbol tables are
 * read once per module. */
#include "unwind.h"

#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

struct libdw_state {
	struct symbolizer *sym;
	const struct unwind_sample *cur;
	int past_stack;
	uint64_t *pcs;
	size_t n, max;
	int have_sp; /* the last frame's stack pointer was known */
	Dwarf_Word last_sp;
	uint64_t regs[PERF_RECS_NREGS]; /* the outermost frame's, when asked */
};

/* x86-64 DWARF register numbers 0..15 in perf's order. */
static const int dwarf_to_perf[16] = { PREG_AX,     PREG_DX,     PREG_CX,     PREG_BX,
				       PREG_SI,     PREG_DI,     PREG_BP,     PREG_SP,
				       PREG_R8,     PREG_R8 + 1, PREG_R8 + 2, PREG_R8 + 3,
				       PREG_R8 + 4, PREG_R8 + 5, PREG_R8 + 6, PREG_R8 + 7 };

static void keep_regs(struct libdw_state *u, Dwfl_Frame *f, Dwarf_Addr pc)
{
	for (unsigned i = 0; i < 16; i++) {
		Dwarf_Word v;

		if (dwfl_frame_reg(f, i, &v) == 0)
			u->regs[dwarf_to_perf[i]] = v;
	}
	u->regs[PREG_IP] = pc;
}

/* The unwind in progress (flametop unwinds on one thread at a time). */
static __thread struct libdw_state *active;

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl, (void)arg, (void)thread_argp;
	return 0; /* we never iterate threads: only the sampled one is asked for */
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl, (void)tid, (void)arg;
	*thread_argp = NULL;
	return active != NULL;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct libdw_state *u = active;
	uint64_t v;

	(void)dwfl, (void)arg;
	if (unwind_read_word(u->sym, u->cur, addr, &v, &u->past_stack))
		return false;
	*result = v;
	return true;
}

/* perf's register order → x86-64 DWARF numbering (rax rdx rcx rbx rsi rdi
 * rbp rsp r8..r15, then the return address column, rip). */
static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	(void)arg;
	const uint64_t *r = active->cur->regs;
	Dwarf_Word dw[17] = { r[PREG_AX], r[PREG_DX], r[PREG_CX], r[PREG_BX],
			      r[PREG_SI], r[PREG_DI], r[PREG_BP], r[PREG_SP] };

	for (int i = 0; i < 8; i++)
		dw[8 + i] = r[PREG_R8 + i];
	dw[16] = r[PREG_IP];
	return dwfl_thread_state_registers(thread, 0, 17, dw);
}

static const Dwfl_Thread_Callbacks callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static int first_elf(Dwfl_Module *mod, void **user, const char *name, Dwarf_Addr start, void *arg)
{
	Dwarf_Addr bias;

	(void)user, (void)name, (void)start;
	*(Elf **)arg = dwfl_module_getelf(mod, &bias);
	return *(Elf **)arg ? DWARF_CB_ABORT : DWARF_CB_OK;
}

/* Once per Dwfl; the architecture comes from an ELF file of the process. */
static int attach(Dwfl *dwfl, pid_t pid)
{
	Elf *elf = NULL;

	if (dwfl_pid(dwfl) > 0)
		return 0;
	dwfl_getmodules(dwfl, first_elf, &elf, 0);
	if (!elf || !dwfl_attach_state(dwfl, elf, pid, &callbacks, NULL))
		return -1;
	return 0;
}

static int on_frame(Dwfl_Frame *f, void *arg)
{
	struct libdw_state *u = arg;
	Dwarf_Addr pc;
	Dwarf_Word sp;
	bool activation;
	int have_sp;

	if (!dwfl_frame_pc(f, &pc, &activation))
		return DWARF_CB_ABORT;
	/* A loop is a frame that repeats the last one's address *and* stack
	 * pointer (the caller's CFA): no progress. The same return address
	 * alone is recursion, which must come out whole. */
	have_sp = dwfl_frame_reg(f, 7 /* rsp */, &sp) == 0;
	if (u->n && u->pcs[u->n - 1] == pc &&
	    (have_sp && u->have_sp ? sp == u->last_sp : u->n > 1 && u->pcs[u->n - 2] == pc))
		return DWARF_CB_ABORT;
	u->have_sp = have_sp;
	u->last_sp = sp;
	u->pcs[u->n++] = pc;
	if (u->cur->want_regs)
		keep_regs(u, f, pc);
	return u->n < u->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

static size_t libdw_unwind(void *state, const struct unwind_sample *in, uint64_t *pcs, size_t max,
			   enum unwind_stop *stop)
{
	struct libdw_state *u = state;
	Dwfl *dwfl = sym_dwfl(u->sym, in->pid);
	int rc;

	*stop = UNWIND_BROKEN;
	if (!dwfl || !max || attach(dwfl, in->pid))
		return 0;
	active = u;
	u->cur = in;
	u->pcs = pcs;
	u->n = 0;
	u->max = max;
	u->past_stack = 0;
	u->have_sp = 0;
	if (in->want_regs)
		memcpy(u->regs, in->regs, sizeof(u->regs));
	rc = dwfl_getthread_frames(dwfl, in->tid, on_frame, u);
	/* libdw ends quietly (rc 0) when a return address cannot be read:
	 * a read past the stack copy is what tells that apart from the end. */
	if (rc > 0)
		*stop = u->n >= max ? UNWIND_MAX : UNWIND_BROKEN;
	else if (u->past_stack)
		*stop = UNWIND_NO_STACK;
	else
		*stop = rc == 0 ? UNWIND_END : UNWIND_BROKEN;
	if (u->n == 0) { /* not even the first frame: the IP alone is still true */
		pcs[0] = in->regs[PREG_IP];
		u->n = 1;
	}
	u->cur = NULL;
	active = NULL;
	return u->n;
}

static void *libdw_create(struct symbolizer *sym)
{
	struct libdw_state *u = calloc(1, sizeof(*u));

	if (u)
		u->sym = sym;
	return u;
}

static void libdw_destroy(void *state) { free(state); }

static void libdw_last_regs(void *state, uint64_t *regs)
{
	memcpy(regs, ((struct libdw_state *)state)->regs, sizeof(uint64_t) * PERF_RECS_NREGS);
}

const struct unwinder_ops unwinder_libdw = {
	.name = "libdw",
	.create = libdw_create,
	.destroy = libdw_destroy,
	.unwind = libdw_unwind,
	.last_regs = libdw_last_regs,
};
