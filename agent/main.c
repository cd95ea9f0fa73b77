/* main.c: doorstep-agent (work in progress; the CLI lands shortly). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "doorstep-agent: not built yet\n");
	return 1;
}
