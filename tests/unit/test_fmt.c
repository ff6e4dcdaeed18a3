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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(short_names_drop_return_type_and_parameters),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
