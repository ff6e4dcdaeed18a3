/* kallsyms — kernel symbol table from /proc/kallsyms. */
#ifndef FLAMETOP_KALLSYMS_H
#define FLAMETOP_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module; /* "[kernel.kallsyms]" or "[ext4]" */
};

struct kallsyms;

/* Parses TEXT (the file's contents). Returns NULL on ENOMEM. A table whose
 * addresses are all zero (kptr_restrict) is empty: nothing can be resolved. */
struct kallsyms *kallsyms_parse(const char *text);
/* Reads PATH (normally /proc/kallsyms); NULL if it cannot be read. */
struct kallsyms *kallsyms_load(const char *path);
void kallsyms_free(struct kallsyms *k);

/* The symbol covering ADDR, or NULL. */
const struct ksym *kallsyms_lookup(const struct kallsyms *k, uint64_t addr);
size_t kallsyms_len(const struct kallsyms *k);

#endif
