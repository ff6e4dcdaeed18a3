/* unwind — the unwinders' registry and their shared memory reader. */
#include "unwind.h"

#include <string.h>

static const struct unwinder_ops *const all[] = { &unwinder_rules, &unwinder_libdw,
						  &unwinder_libunwind };

const struct unwinder_ops *unwinder_find(const char *name)
{
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

int unwind_read_word(struct symbolizer *sym, const struct unwind_sample *in, uint64_t addr,
		     uint64_t *out, int *past_stack)
{
	uint64_t sp = in->regs[PREG_SP];

	if (addr >= sp && addr - sp + 8 <= in->stack_size) {
		memcpy(out, in->stack + (addr - sp), 8);
		return 0;
	}
	if (sym_read_elf(sym, in->pid, addr, out, 8) == 0)
		return 0;
	/* Above the stack pointer but beyond the copy: the copy was too small
	 * (stacks grow down, so callers' frames live at higher addresses). */
	if (addr >= sp && past_stack)
		*past_stack = 1;
	return -1;
}
