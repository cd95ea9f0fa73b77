/* solomon.h: parser for the Solomon VRPTW benchmark format (also Gehring and
 * Homberger's larger instances): a name line, a VEHICLE section with the fleet
 * size and capacity, and a CUSTOMER section with one row per stop, depot first. */
#ifndef DS_SOLOMON_H
#define DS_SOLOMON_H

#include <stddef.h>

#include "err.h"

#define SOLOMON_MAX_CUSTOMERS 1000        /* Homberger's largest, depot not counted */
#define SOLOMON_MAX_BYTES     (1u << 20)  /* whole file */
#define SOLOMON_MAX_LINE      256         /* one line, without its end */
#define SOLOMON_MAX_NAME      64
#define SOLOMON_MAX_VEHICLES  1000
#define SOLOMON_MAX_ERR       160         /* error message buffer */

/* One row: the depot (index 0) or a customer. Times in the file's unit. */
struct solomon_row {
	long id;
	double x, y;
	double demand;
	double ready, due;
	double service;
};

struct solomon_instance {
	char name[SOLOMON_MAX_NAME];
	int vehicles;
	double capacity;
	int n_rows;             /* depot + customers */
	struct solomon_row *rows;
};

/* Parse LEN bytes at BUF (need not be NUL-terminated; CRLF and blank lines are
 * fine). OUT: the instance; caller frees with solomon_free(). On DS_EINVAL or
 * DS_ETOOBIG, ERR (ERR_LEN bytes) gets a message naming the line, such as
 * "line 12: bad number 'x1'". DS_ENOMEM when out of memory. */
int solomon_parse(const char *buf, size_t len, struct solomon_instance **out,
    char *err, size_t err_len) DS_WUR;

void solomon_free(struct solomon_instance *inst);

#endif
