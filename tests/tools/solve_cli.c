/* solve_cli.c: runs the `solve` command on its own, so tests and the benchmark do
 * not depend on how server/main.c dispatches commands. */
#include "server/solve.h"

int main(int argc, char **argv)
{
	static char name[] = "solve";

	argv[0] = name;
	return solve_main(argc, argv);
}
