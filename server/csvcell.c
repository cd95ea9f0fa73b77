/* csvcell.c: CSV files leave the server for spreadsheet programs, which run a cell starting
 * with `=` (and, in most of them, `+`, `-` or `@`) as a formula: a device's free text (a
 * recipient's name, a note) could then open links or run commands on an office computer
 * ("CSV injection"). Every text cell goes through here; import refuses such cells so none
 * is stored from a dispatcher's file either. */
#include <string.h>

#include "server/csvcell.h"

int csvcell_is_formula(const char *text)
{
	return text != NULL && text[0] != '\0' && strchr("=+-@\t\r", text[0]) != NULL;
}

void csvcell_text(FILE *out, const char *text)
{
	const char *s = text != NULL ? text : "";
	int formula = csvcell_is_formula(s);
	size_t i;

	if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	if (formula)
		fputc('\'', out);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}
