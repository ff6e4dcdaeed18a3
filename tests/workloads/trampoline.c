/* trampoline — spins in spin_work, called through a copy of CPython's perf
 * trampoline (python3.12 -X perf: sub $8,%rsp; call *%rcx; add $8,%rsp;
 * ret) in anonymous executable memory, as the interpreter calls each Python
 * function. Built with frame pointers: a frame-pointer walk must pass the
 * trampoline, which leaves %rbp as it was. SECONDS from argv[1] (default 1). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

typedef long (*via_trampoline)(long n, long b, long c, long (*fn)(long, long, long));

static const unsigned char trampoline[] = { 0x48, 0x83, 0xec, 0x08, 0xff, 0xd1,
					    0x48, 0x83, 0xc4, 0x08, 0xc3 };

__attribute__((noinline)) static long spin_work(long n, long b, long c)
{
	volatile long x = 0;

	for (long i = 0; i < n; i++)
		x += i * b + c;
	return x;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 1.0);
	void *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	via_trampoline call;
	long sum = 0;

	if (code == MAP_FAILED)
		return 1;
	memcpy(code, trampoline, sizeof(trampoline));
	call = (via_trampoline)code;
	while (now() < end)
		sum += call(200000, 3, 1, spin_work);
	return sum == 42;
}
