// cxx — C++ names for the demangler: a template member function in a
// namespace, an operator, and an overload.
//
//   cxx SECONDS
#include <chrono>
#include <cstdlib>

namespace geo {
static volatile unsigned long sink;

template <typename T> struct Grid {
	__attribute__((noinline)) void relax(T *cells, int n)
	{
		unsigned long x = sink;
		for (long i = 0; i < 300000L * n; i++)
			x = x * 6364136223846793005ul + 1442695040888963407ul;
		sink = x + (unsigned long)cells[0];
	}
	__attribute__((noinline)) void operator()(T *cells) { relax(cells, 1); __asm__ volatile("" ::: "memory"); }
};
} // namespace geo

int main(int argc, char **argv)
{
	using clock = std::chrono::steady_clock;
	auto end = clock::now() + std::chrono::duration<double>(argc > 1 ? std::atof(argv[1]) : 1.0);
	geo::Grid<int> g;
	int cells[1] = { 1 };

	while (clock::now() < end)
		g(cells);
	return 0;
}
