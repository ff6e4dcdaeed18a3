/* fakepy — a process that looks like CPython 3.13 to a profiler and lies.
 * Copied to a file named python3.13 and run from there, it maps a "python"
 * file whose symbol table has _PyRuntime, and publishes _Py_DebugOffsets
 * there (the cookie "xdebugpy", version 3.13):
 *   fakepy offsets   the native-thread-id offset is 2^40 (a reader that
 *                    trusts it reads far past its buffer)
 *   fakepy cycle     sane offsets, but the interpreter's thread-state list
 *                    points to itself and holds no thread of ours
 * Either way it spins until killed. */
#include <stdint.h>
#include <string.h>

uint64_t _PyRuntime[128];

struct fake_interp {
	uint64_t pad[8];
	uint64_t threads_head;
};

struct fake_tstate {
	uint64_t next, thread_id, native_tid, frame;
	uint64_t pad[128];
};

static struct fake_interp interp;
static struct fake_tstate ts;

static volatile uint64_t sink;

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "offsets";

	memcpy(&_PyRuntime[0], "xdebugpy", 8);
	_PyRuntime[1] = 0x030d00f0; /* 3.13.0 final */
	_PyRuntime[5] = 100 * 8;    /* interpreters.head: at _PyRuntime[100] */
	_PyRuntime[100] = (uint64_t)(uintptr_t)&interp;
	_PyRuntime[9] = 64; /* interp: threads.head */
	interp.threads_head = (uint64_t)(uintptr_t)&ts;
	_PyRuntime[19] = sizeof(ts);
	_PyRuntime[21] = 0;  /* next */
	_PyRuntime[23] = 24; /* current frame */
	_PyRuntime[24] = 8;  /* thread_id */
	_PyRuntime[25] = 16; /* native_thread_id */
	_PyRuntime[29] = 0;  /* frame: previous */
	_PyRuntime[30] = 8;  /* frame: code */
	_PyRuntime[32] = 64; /* frame size */
	_PyRuntime[33] = 16; /* frame: owner */
	_PyRuntime[35] = 8;  /* code: filename, name, qualname, firstlineno */
	_PyRuntime[36] = 16;
	_PyRuntime[37] = 24;
	_PyRuntime[39] = 32;
	_PyRuntime[69] = 16; /* str: length */
	_PyRuntime[70] = 40; /* str: ASCII data */
	if (!strcmp(mode, "cycle")) {
		ts.next = (uint64_t)(uintptr_t)&ts;
		ts.native_tid = 1; /* no thread of ours */
	} else {
		_PyRuntime[25] = 1ull << 40;
	}
	for (uint64_t i = 0;; i++)
		sink += i * 31;
}
