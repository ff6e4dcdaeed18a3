/* pyoffsets — prints one row of core/symbols/pyoffsets.c for the CPython whose
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
#if PY_VERSION_HEX >= 0x030a0000
#include <internal/pycore_moduleobject.h>
#endif
#if PY_VERSION_HEX >= 0x030b0000
#include <internal/pycore_dict.h>
#endif
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
	/* Thread names: sys.modules → threading → _active → Thread._name. */
	long modules, dk_size, dk_kind = -1, dk_index_bytes = -1, dk_nentries, dk_indices, md_dict;
	long long_digit, cached_keys = -1;

#if PY_VERSION_HEX >= 0x030c0000
	modules = OFF(PyInterpreterState, imports.modules);
	long_digit = OFF(PyLongObject, long_value.ob_digit);
#else
	modules = OFF(PyInterpreterState, modules);
	long_digit = OFF(PyLongObject, ob_digit);
#endif
#if PY_VERSION_HEX >= 0x030b0000
	dk_size = OFF(PyDictKeysObject, dk_log2_size);
	dk_kind = OFF(PyDictKeysObject, dk_kind);
	dk_index_bytes = OFF(PyDictKeysObject, dk_log2_index_bytes);
	dk_nentries = OFF(PyDictKeysObject, dk_nentries);
	dk_indices = OFF(PyDictKeysObject, dk_indices);
	cached_keys = OFF(PyHeapTypeObject, ht_cached_keys);
#else
	/* Objects/dict-common.h, not installed: refcnt, size, lookup, usable,
	 * nentries, indices — the same from 3.6 to 3.10. */
	dk_size = 8;
	dk_nentries = 32;
	dk_indices = 40;
#endif
#if PY_VERSION_HEX >= 0x030a0000
	md_dict = OFF(PyModuleObject, md_dict);
#else
	md_dict = 16; /* Objects/moduleobject.c: PyObject_HEAD, then md_dict */
#endif
	printf("\t{ %d, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, "
	       "%ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, "
	       "%ld, %ld, %ld, %ld },\n",
	       PY_MINOR_VERSION, OFF(_PyRuntimeState, interpreters.head), interp_threads,
	       OFF(PyThreadState, next), OFF(PyThreadState, thread_id), native, ts_frame, ts_cframe,
	       cf_frame, (long)sizeof(PyThreadState), prev, code, is_entry, owner, fr_size,
	       OFF(PyCodeObject, co_filename), OFF(PyCodeObject, co_name), qualname,
	       OFF(PyCodeObject, co_firstlineno), (long)sizeof(PyASCIIObject),
	       (long)sizeof(PyCompactUnicodeObject), OFF(PyASCIIObject, length), modules,
	       OFF(PyDictObject, ma_keys), OFF(PyDictObject, ma_values), dk_size, dk_kind,
	       dk_index_bytes, dk_nentries, dk_indices, md_dict, long_digit,
	       OFF(PyTypeObject, tp_dictoffset), OFF(PyTypeObject, tp_basicsize), cached_keys);
#if PY_VERSION_HEX >= 0x030d0000
	fprintf(stderr,
		"debug offsets: interp_head %ld threads_head %ld cur_frame %ld native %ld "
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
