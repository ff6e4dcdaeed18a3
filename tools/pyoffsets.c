/* pyoffsets — prints one row of core/pyoffsets.c for the CPython whose
 * headers it is compiled against (see tools/pyoffsets.sh). Run at build
 * time of the table only; flametop itself never needs Python's headers. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#if PY_VERSION_HEX >= 0x030b0000
#include <internal/pycore_frame.h>
#else
#include <frameobject.h>
#endif
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>

#define OFF(t, f) ((long)offsetof(t, f))

int main(void)
{
	long ts_frame = -1, ts_cframe = -1, cf_frame = -1, native = -1, is_entry = -1, owner = -1;
	long qualname = -1, fr_size, prev, code, interp_threads;

#if PY_VERSION_HEX >= 0x030d0000
	ts_frame = OFF(PyThreadState, current_frame);
#elif PY_VERSION_HEX >= 0x030b0000
	ts_cframe = OFF(PyThreadState, cframe);
	cf_frame = OFF(_PyCFrame, current_frame);
#else
	ts_frame = OFF(PyThreadState, frame);
#endif
#if PY_VERSION_HEX >= 0x030b0000
	native = OFF(PyThreadState, native_thread_id);
	qualname = OFF(PyCodeObject, co_qualname);
	owner = OFF(_PyInterpreterFrame, owner);
	prev = OFF(_PyInterpreterFrame, previous);
	fr_size = OFF(_PyInterpreterFrame, localsplus);
	interp_threads = OFF(PyInterpreterState, threads.head);
#if PY_VERSION_HEX >= 0x030d0000
	code = OFF(_PyInterpreterFrame, f_executable);
#else
	code = OFF(_PyInterpreterFrame, f_code);
#endif
#if PY_VERSION_HEX < 0x030c0000
	is_entry = OFF(_PyInterpreterFrame, is_entry);
#endif
#else
	prev = OFF(PyFrameObject, f_back);
	code = OFF(PyFrameObject, f_code);
	fr_size = (long)sizeof(PyFrameObject);
	interp_threads = OFF(PyInterpreterState, tstate_head);
#endif
	printf("\t{ %d, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, "
	       "%ld, %ld, %ld, %ld, %ld, %ld },\n",
	       PY_MINOR_VERSION, OFF(_PyRuntimeState, interpreters.head), interp_threads,
	       OFF(PyThreadState, next), OFF(PyThreadState, thread_id), native, ts_frame, ts_cframe,
	       cf_frame, (long)sizeof(PyThreadState), prev, code, is_entry, owner, fr_size,
	       OFF(PyCodeObject, co_filename), OFF(PyCodeObject, co_name), qualname,
	       OFF(PyCodeObject, co_firstlineno), (long)sizeof(PyASCIIObject),
	       (long)sizeof(PyCompactUnicodeObject), OFF(PyASCIIObject, length));
#if PY_VERSION_HEX >= 0x030d0000
	fprintf(stderr, "debug offsets: interp_head %ld threads_head %ld cur_frame %ld native %ld "
		"prev %ld exec %ld owner %ld filename %ld ascii %ld\n",
		OFF(_Py_DebugOffsets, runtime_state.interpreters_head) / 8,
		OFF(_Py_DebugOffsets, interpreter_state.threads_head) / 8,
		OFF(_Py_DebugOffsets, thread_state.current_frame) / 8,
		OFF(_Py_DebugOffsets, thread_state.native_thread_id) / 8,
		OFF(_Py_DebugOffsets, interpreter_frame.previous) / 8,
		OFF(_Py_DebugOffsets, interpreter_frame.executable) / 8,
		OFF(_Py_DebugOffsets, interpreter_frame.owner) / 8,
		OFF(_Py_DebugOffsets, code_object.filename) / 8,
		OFF(_Py_DebugOffsets, unicode_object.asciiobject_size) / 8);
#endif
	return 0;
}
