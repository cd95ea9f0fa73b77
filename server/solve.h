/* solve.h: the `doorstep-server solve` command: solves one Solomon-format VRPTW
 * file with the route scheduler and prints the routes as one JSON object. */
#ifndef DS_SOLVE_H
#define DS_SOLVE_H

#define SOLVE_DEFAULT_TIME_LIMIT_MS 950L

/* Run `solve FILE [--objective vehicles|distance] [--time-limit-ms N] [--seed N]
 * [--iterations N]`; argv[0] is "solve". Prints JSON on stdout, errors on stderr.
 * Returns the exit code: 0 solved, 1 bad input file or failure, 2 bad usage. */
int solve_main(int argc, char **argv);

#endif
