/* fmt: C++ names as perf shows them by default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fmt.h"

#include <string.h>

static const char *sh(const char *name)
{
	static char buf[512];

	return fmt_short_name(name, buf, sizeof(buf));
}

static void short_names_drop_return_type_and_parameters(void **state)
{
	(void)state;
	assert_string_equal(sh("main"), "main");
	assert_string_equal(sh("work_a"), "work_a");
	assert_string_equal(sh("ns::Foo::bar(int, char const*) const"), "ns::Foo::bar");
	assert_string_equal(
	    sh("heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<"
	       "v8::internal::FullHeapObjectSlot>(v8::internal::FullHeapObjectSlot, "
	       "v8::internal::HeapObject)"),
	    "v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>");
	assert_string_equal(sh("std::vector<int, std::allocator<int> >::push_back(int const&)"),
			    "std::vector<int, std::allocator<int> >::push_back");
	assert_string_equal(sh("Foo::operator()(int)"), "Foo::operator()");
	assert_string_equal(sh("Foo::operator()()"), "Foo::operator()");
	assert_string_equal(sh("operator new(unsigned long)"), "operator new");
	assert_string_equal(sh("void* operator new[](unsigned long)"), "operator new[]");
	assert_string_equal(sh("(anonymous namespace)::helper(int)"),
			    "(anonymous namespace)::helper");
	assert_string_equal(sh("unsigned long ns::f<unsigned long>(unsigned long)"),
			    "ns::f<unsigned long>");
	assert_string_equal(sh("std::function<void (int)>::operator()(int) const"),
			    "std::function<void (int)>::operator()");
}

static const char *safe(const char *in, size_t n, size_t *carry)
{
	static char out[256];
	size_t o = fmt_safe_text(in, n, out, carry);

	out[o] = 0;
	return out;
}

/* Controls from a name never pass: C0 (ESC, BEL, CR), DEL, C1 (U+009B,
 * the one-byte CSI), bidi overrides; newline and tab do; bytes that are not
 * UTF-8 become U+FFFD (a raw 0x9b would be a CSI to an 8-bit terminal). */
static void controls_become_question_marks(void **state)
{
	size_t carry;

	(void)state;
	assert_string_equal(safe("\x1b]0;PWN\x07\x1b[41m", 13, &carry), "?]0;PWN??[41m");
	assert_int_equal(carry, 0);
	assert_string_equal(safe("a\rb\x7f\n\tc", 7, &carry), "a?b?\n\tc");
	assert_string_equal(safe("\xc2\x9b"
				 "41m",
				 5, &carry),
			    "?41m");
	assert_string_equal(safe("x\xe2\x80\xaey\xe2\x81\xa6z", 9, &carry), "x?y?z");
	assert_string_equal(safe("\x9bq", 2, &carry), "\xef\xbf\xbdq");
	assert_string_equal(safe("caf\xc3\xa9 \xe2\x86\x92", 9, &carry),
			    "caf\xc3\xa9 \xe2\x86\x92");
	assert_string_equal(safe("a\0b", 3, &carry), "a?b");
}

/* A sequence cut by the end of a write waits for the rest: a stream that
 * is written in pieces comes out as one. */
static void a_cut_sequence_is_carried(void **state)
{
	size_t carry;

	(void)state;
	assert_string_equal(safe("ab\xe2\x86", 4, &carry), "ab");
	assert_int_equal(carry, 2);
	assert_string_equal(safe("\xe2\x86\x92", 3, &carry), "\xe2\x86\x92");
	assert_int_equal(carry, 0);
	/* A cut C1 is carried too, then filtered whole. */
	assert_string_equal(safe("\xc2", 1, &carry), "");
	assert_int_equal(carry, 1);
	assert_string_equal(safe("\xc2\x9b", 2, &carry), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(short_names_drop_return_type_and_parameters),
		cmocka_unit_test(controls_become_question_marks),
		cmocka_unit_test(a_cut_sequence_is_carried),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
