/* weird — functions whose symbol names are hostile to YAML and folded
 * formats (colons, angle brackets, stars, '#', quotes, spaces), set through
 * asm labels so the symbol table holds exactly these strings.
 *
 *   weird SECONDS
 */
#include <stdlib.h>
#include <time.h>

#include "spin.h"

static volatile unsigned long sink;

__attribute__((noinline)) void hostile_1(void) __asm__("ns::Tmpl<int*>::operator() const");
__attribute__((noinline)) void hostile_2(void) __asm__("key: value # not a comment");
__attribute__((noinline)) void hostile_3(void) __asm__("say \"hi\" and 'bye'");

void hostile_1(void) { SPIN(3000000); }
void hostile_2(void) { SPIN(2000000); }
void hostile_3(void) { SPIN(1000000); }

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 1.0);

	do {
		hostile_1();
		hostile_2();
		hostile_3();
	} while (now() < end);
	return 0;
}
