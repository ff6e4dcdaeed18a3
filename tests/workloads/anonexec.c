/* anonexec — runs code from anonymous executable memory, as a JIT does: the
 * profiler finds no file for those addresses and looks for
 * /tmp/perf-PID.map. The hostile-input tests plant a FIFO there; with
 * --map it writes that file itself, as a JIT does (naming the code
 * "jitted_loop"), with the pid it sees (its namespace's, in a container).
 *
 *   anonexec SECONDS [--map]   (0: until killed)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spin.h"

int main(int argc, char **argv)
{
	/* mov ecx, 0x100000; 1: dec ecx; jnz 1b; ret  (x86-64) */
	static const unsigned char code[] = { 0xb9, 0x00, 0x00, 0x10, 0x00,
					      0xff, 0xc9, 0x75, 0xfc, 0xc3 };
	double secs = argc > 1 ? atof(argv[1]) : 2.0, end = now() + secs;
	void *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void (*jitted)(void);

	if (mem == MAP_FAILED)
		return 1;
	memcpy(mem, code, sizeof(code));
	if (argc > 2 && !strcmp(argv[2], "--map")) {
		char path[64];
		FILE *f;

		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
		f = fopen(path, "w");
		if (!f)
			return 1;
		fprintf(f, "%lx %zx jitted_loop\n", (unsigned long)mem, sizeof(code));
		fclose(f);
	}
	jitted = (void (*)(void))mem;
	while (secs <= 0 || now() < end)
		jitted();
	return 0;
}
