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
/* The running kernel's table, through a cache of it in directory CACHE_DIR
 * (NULL: no cache): the kernel formats its 120 000 lines anew at every read
 * of /proc/kallsyms, so the text symbols, parsed and sorted, are kept in
 * CACHE_DIR/kallsyms for as long as the key holds — this boot
 * (boot_id) with these modules loaded where they are (/proc/modules).
 * The directory must be the caller's own and writable by no one else, the
 * file the caller's own, a regular file, written by no one else: anything
 * else is not read (and not written over). */
struct kallsyms *kallsyms_load_cached(const char *cache_dir);
/* Writes K to PATH in the cache's format under KEY. Returns 0 or -errno. */
int kallsyms_save(const struct kallsyms *k, const char *path, const char *key);
/* Reads a cache file written by kallsyms_save: NULL unless its key is KEY. */
struct kallsyms *kallsyms_read_cache(const char *path, const char *key);
void kallsyms_free(struct kallsyms *k);

/* The symbol covering ADDR, or NULL. */
const struct ksym *kallsyms_lookup(const struct kallsyms *k, uint64_t addr);
size_t kallsyms_len(const struct kallsyms *k);

#endif
