/* symopen — how the symbolizer's libdwfl sessions open files: a mapped
 * file as the process maps it (its map_files entry, its root, its path;
 * through safefile, so a FIFO or device planted at the path cannot block or
 * feed us), and debug files from the system's directories only. */
#include "symbols_impl.h"

#include "procfs.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char DELETED[] = " (deleted)";

/* PATH's length without the " (deleted)" the kernel appends to a file
 * removed since it was mapped. */
static size_t undeleted_len(const char *path)
{
	size_t n = strlen(path), dl = sizeof(DELETED) - 1;

	return n > dl && !strcmp(path + n - dl, DELETED) ? n - dl : n;
}

/* The file a process really maps at PATH, the first that opens of:
 * /proc/PID/map_files/START-END (the mapped inode itself: a binary deleted
 * or replaced since, or one that exists only in the process's mount
 * namespace), /proc/PID/root/PATH (its namespace's file), then PATH. Each
 * through safefile: a FIFO or device put in place of a mapped file cannot
 * block or feed us forever. A file found by path on the mapped file's device
 * but with another inode is not it (replaced since): not used. */
static int open_as_mapped(pid_t pid, uint64_t start, uint64_t end, const char *path, uint64_t dev,
			  uint64_t ino)
{
	char buf[4200];
	struct stat st;
	int deleted = undeleted_len(path) != strlen(path), fd = -1;

	if (pid > 0 && end > start) {
		snprintf(buf, sizeof(buf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid,
			 start, end);
		fd = safefile_open(buf, 0, 0, NULL);
	}
	if (fd >= 0 || deleted)
		return fd;
	if (pid > 0 &&
	    (size_t)snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)pid, path) < sizeof(buf))
		fd = safefile_open(buf, 0, 0, NULL);
	if (fd < 0)
		fd = safefile_open(path, 0, 0, NULL);
	if (fd >= 0 && ino && !fstat(fd, &st) && st.st_dev == dev && st.st_ino != ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The same for a process's unwinding session, whose modules are named by
 * path: its mapping of that path says where. */
static int open_mapped(const struct sym_proc *p, const char *path)
{
	size_t n = strlen(path);

	/* libdwfl names a deleted file's module without the suffix. */
	for (size_t i = 0; p && i < p->nmaps; i++)
		if (!strncmp(p->maps[i].path, path, n) &&
		    (!p->maps[i].path[n] || !strcmp(p->maps[i].path + n, DELETED)))
			return open_as_mapped(p->pid, p->maps[i].start, p->maps[i].end,
					      p->maps[i].path, 0, 0);
	return open_as_mapped(p ? p->pid : 0, 0, 0, path, 0, 0);
}

/* The ELF files a process maps, opened by flametop, not libdwfl. Names not
 * starting with '/' ([vdso] read from memory) stay libdwfl's. The module's
 * user data is its process (set when the Dwfl is built). */
static int find_elf_safely(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
			   char **file_name, Elf **elfp)
{
	int fd;

	if (name[0] != '/')
		return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
	fd = open_mapped(*userdata, name);
	if (fd < 0)
		return -1;
	/* The path without " (deleted)": where debug files are looked for. */
	*file_name = strndup(name, undeleted_len(name));
	*elfp = NULL; /* libdwfl reads the ELF from FD */
	return fd;
}

/* The shared session's: the module's user data is its sym_file. */
static int find_file_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
			 char **file_name, Elf **elfp)
{
	struct sym_file *f = *userdata;
	int fd;

	(void)mod, (void)name, (void)base;
	*elfp = NULL;
	if (!f)
		return -1;
	if (f->copy_fd >= 0) {
		*file_name = NULL;
		return fcntl(f->copy_fd, F_DUPFD_CLOEXEC, 0);
	}
	fd = open_as_mapped(f->pid, f->mstart, f->mend, f->path, f->dev, f->ino);
	if (fd >= 0)
		*file_name = strndup(f->path, undeleted_len(f->path));
	return fd;
}

/* Unwinding needs a module's CFI (.eh_frame, in the ELF file itself), not
 * its debug info: each process's session leaves that to the shared one. */
static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			const char *file_name, const char *debuglink, GElf_Word crc,
			char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name, (void)debuglink,
	    (void)crc, (void)debuginfo_file_name;
	return -1;
}

int sym__own_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
		    void *arg)
{
	(void)mod, (void)name, (void)start;
	*userdata = arg;
	return DWARF_CB_OK;
}

/* Whether anyone but root and us could have put a file in PATH's directory:
 * then a debug file found there (the ".gnu_debuglink" name beside the
 * module, or in its .debug/) is not looked for. */
static int dir_is_shared(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return 1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = 0;
	if (stat(dir[0] ? dir : "/", &st))
		return 1;
	return (st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_uid != 0 && st.st_uid != geteuid());
}

/* libdwfl's search path, read at each call: NULL is its default
 * (":.debug:/usr/lib/debug", the module's own directory first). */
static char *debuginfo_path;
static char system_debug_only[] = "/usr/lib/debug";

static int find_debuginfo_safely(Dwfl_Module *mod, void **userdata, const char *modname,
				 Dwarf_Addr base, const char *file_name, const char *debuglink,
				 GElf_Word crc, char **debuginfo_file_name)
{
	struct sym_file *f = *userdata;
	int fd;

	if (f && f->debug_fd >= 0) {
		fd = fcntl(f->debug_fd, F_DUPFD_CLOEXEC, 0);
		if (fd >= 0)
			*debuginfo_file_name = strdup(f->debug_path);
		return fd;
	}
	debuginfo_path = file_name && dir_is_shared(file_name) ? system_debug_only : NULL;
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc,
					  debuginfo_file_name);
	debuginfo_path = NULL;
	return fd;
}

const Dwfl_Callbacks sym__file_callbacks = {
	.find_elf = find_file_elf,
	.find_debuginfo = find_debuginfo_safely,
	.debuginfo_path = &debuginfo_path,
};

const Dwfl_Callbacks sym__proc_callbacks = {
	.find_elf = find_elf_safely,
	.find_debuginfo = no_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

/* Every 64-bit process on this kernel maps the same vDSO image as we do, so a
 * copy of ours symbolizes theirs — also after they exited. */
static int vdso_range(const struct procfs_map *m, void *arg)
{
	uint64_t *r = arg;

	if (strcmp(m->path, "[vdso]"))
		return 0;
	r[0] = m->start;
	r[1] = m->end;
	return 1;
}

void sym__copy_vdso(struct symbolizer *s)
{
	uint64_t r[2] = { 0, 0 };
	unsigned long base = getauxval(AT_SYSINFO_EHDR);

	s->vdso_fd = -1;
	if (!base || procfs_read_maps(getpid(), vdso_range, r) || r[0] != base)
		return;
	s->vdso_fd = memfd_create("flametop-vdso", MFD_CLOEXEC);
	if (s->vdso_fd < 0)
		return;
	if (write(s->vdso_fd, (const void *)(uintptr_t)base, r[1] - r[0]) !=
	    (ssize_t)(r[1] - r[0])) {
		close(s->vdso_fd);
		s->vdso_fd = -1;
		return;
	}
	snprintf(s->vdso_path, sizeof(s->vdso_path), "/proc/self/fd/%d", s->vdso_fd);
}
