/* symfetch — where a module's names come from: its symbol table, a debug
 * file, or (for a module without symbols) debuginfod: asking for the debug
 * files, taking the answers as they come (never waiting on the sample
 * path), saying what is being fetched and what failed. The helper process
 * itself is core/symbols/dbgfetch.c. */
#include "symbols_impl.h"

#include "dbgfetch.h"

#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* MOD's GNU build id in lowercase hex (its first 64 bytes) into HEX.
 * Returns its length in bytes, <= 0 when it has none. */
static int build_id_hex(Dwfl_Module *mod, char hex[2 * 64 + 1])
{
	const unsigned char *bits = NULL;
	GElf_Addr vaddr;
	Dwarf_Addr bias;
	int n;

	dwfl_module_getelf(mod, &bias); /* the build id is known once the ELF is read */
	n = dwfl_module_build_id(mod, &bits, &vaddr);
	for (int i = 0; i < n && i < 64; i++)
		snprintf(hex + 2 * i, 3, "%02x", bits[i]);
	hex[n > 0 ? 2 * (n < 64 ? n : 64) : 0] = 0;
	return n;
}

/* Says in the frame table where F's names came from (module NAME). */
void sym__note_source(struct symbolizer *s, const struct sym_file *f, const char *name)
{
	frametab_module_symbols(s->frames, name, f->symbols, f->debug_path, f->fetch_said);
}

void sym__note_module(struct symbolizer *s, Dwfl_Module *mod, const char *modpath,
		      const struct sym_file *f)
{
	char hex[2 * 64 + 1];
	int n;

	if (frametab_module(s->frames, sym__base_name(modpath)))
		return;
	n = build_id_hex(mod, hex);
	frametab_note_module(s->frames, sym__base_name(modpath), modpath[0] == '[' ? NULL : modpath,
			     n > 0 ? hex : NULL);
	sym__note_source(s, f, sym__base_name(modpath));
}

static int has_symtab(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			return 1;
	return 0;
}

/* Where F's names come from, looked at once when its module is first
 * loaded. With none but its exported ones (a stripped binary, a
 * distribution's library without its -dbg files) and a build id, its debug
 * file is asked of debuginfod; until it comes, code of F is named by
 * address. */
void sym__check_symbols(struct symbolizer *s, struct sym_file *f, Dwfl_Module *mod)
{
	const char *debugfile = NULL;
	Dwarf_Addr bias;
	char hex[2 * 64 + 1];
	Elf *elf;
	int n;

	if (f->checked || f->path[0] != '/')
		return;
	f->checked = 1; /* once: before any debuginfod answer can come */
	if (!(elf = dwfl_module_getelf(mod, &bias)))
		return;
	if (has_symtab(elf)) {
		f->symbols = "symtab";
		return;
	}
	dwfl_module_getsymtab(mod); /* looks for a debug file here */
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, &debugfile);
	if (debugfile) {
		f->symbols = "debug-file";
		free(f->debug_path);
		f->debug_path = strdup(debugfile);
		return;
	}
	f->symbols = "dynsym";
	n = build_id_hex(mod, hex);
	if (s->fetch && n > 0 && n <= 64 && dbgfetch_want(s->fetch, f->index, hex) == 0) {
		f->fetch = FETCH_WAIT;
		s->st.fetch_asked++;
	}
}

void sym_debuginfod(struct symbolizer *s, struct dbgfetch *fetch)
{
	s->fetch = fetch;
	s->st.debuginfod = fetch ? dbgfetch_urls(fetch) : NULL;
}

static void fetch_said(struct sym_file *f, const char *what, const char *arg)
{
	free(f->fetch_said);
	if (asprintf(&f->fetch_said, "%s%s", what, arg) < 0)
		f->fetch_said = NULL;
}

/* Why a fetched file was not used, in words. */
static const char *fetch_why(int err)
{
	switch (err) {
	case EILSEQ:
		return "the server's file has another build id (not used)";
	case ENOEXEC:
		return "the server's file is not an ELF file with a build id (not used)";
	case EFBIG:
		return "larger than DEBUGINFOD_MAXSIZE (cut, removed)";
	case ECHILD:
		return "its helper ended";
	default:
		return strerror(err);
	}
}

/* One answer of debuginfod for file F. */
static void fetch_answer(struct symbolizer *s, struct sym_file *f, const struct dbgfetch_done *d)
{
	if (d->fd >= 0) {
		f->debug_fd = d->fd;
		free(f->debug_path);
		f->debug_path = strdup(d->path);
		f->fetch = FETCH_DONE;
		f->symbols = "debuginfod";
		fetch_said(f, "fetched from ", d->url[0] ? d->url : dbgfetch_urls(s->fetch));
		s->st.fetched++;
		sym__reload_file(s, f);
	} else {
		f->fetch = FETCH_FAILED;
		s->st.fetch_failed++;
		if (d->err == ENOENT) {
			fetch_said(f, "not on the server", "");
		} else {
			fetch_said(f, "failed: ", fetch_why(d->err));
			if (!s->fetch_noted++)
				snprintf(s->fetch_note, sizeof(s->fetch_note),
					 "debuginfod (%s): %s; code without symbols is named "
					 "module+offset",
					 dbgfetch_urls(s->fetch), fetch_why(d->err));
		}
	}
	sym__note_source(s, f, sym__base_name(f->path));
}

size_t sym_poll_fetches(struct symbolizer *s)
{
	struct dbgfetch_done d[8];
	size_t n = dbgfetch_pending(s->fetch) ? dbgfetch_poll(s->fetch, d, 8) : 0;

	for (size_t i = 0; i < n; i++) {
		if (d[i].key < s->nfiles && s->files[d[i].key]->fetch == FETCH_WAIT)
			fetch_answer(s, s->files[d[i].key], &d[i]);
		else if (d[i].fd >= 0)
			close(d[i].fd);
	}
	return n;
}

/* BYTES as "812 KB" or "12.4 MB". */
static void human(char *out, size_t len, long bytes)
{
	if (bytes < 1000000)
		snprintf(out, len, "%ld KB", (bytes + 999) / 1000);
	else
		snprintf(out, len, "%.1f MB", bytes / 1e6);
}

int sym_fetch_progress(const struct symbolizer *s, char *buf, size_t len)
{
	uint32_t key;
	long got, total;
	size_t waiting = dbgfetch_pending(s->fetch);
	char g[32], t[32];

	if (!dbgfetch_progress(s->fetch, &key, &got, &total) || key >= s->nfiles)
		return 0;
	human(g, sizeof(g), got);
	human(t, sizeof(t), total);
	snprintf(buf, len, "debuginfod: fetching the debug file of %s: %s%s%s%s",
		 sym__base_name(s->files[key]->path), got > 0 ? g : "asking",
		 total > 0 ? " of " : "", total > 0 ? t : "", waiting > 1 ? " (more waiting)" : "");
	return 1;
}

void sym_fetch_finish(struct symbolizer *s)
{
	size_t waiting = 0;

	sym_poll_fetches(s);
	for (size_t i = 0; i < s->nfiles; i++) {
		struct sym_file *f = s->files[i];

		if (f->fetch != FETCH_WAIT)
			continue;
		f->fetch = FETCH_FAILED;
		s->st.fetch_failed++;
		waiting++;
		fetch_said(f, "no answer before the run ended", "");
		sym__note_source(s, f, sym__base_name(f->path));
	}
	if (waiting && !s->fetch_noted++)
		snprintf(s->fetch_note, sizeof(s->fetch_note),
			 "debuginfod (%s): no answer before the run ended for %zu module%s; code "
			 "without symbols is named module+offset",
			 dbgfetch_urls(s->fetch), waiting, waiting == 1 ? "" : "s");
}

int sym_fetch_fd(const struct symbolizer *s) { return dbgfetch_fd(s->fetch); }

const char *sym_fetch_note(struct symbolizer *s)
{
	static char taken[sizeof(s->fetch_note)];

	if (!s->fetch_note[0])
		return NULL;
	memcpy(taken, s->fetch_note, sizeof(taken));
	s->fetch_note[0] = 0;
	return taken;
}
