/* cfg.h: the server's settings: one table (name, default, bounds, help) drives the config
 * file's parsing and validation, the commented sample `init` writes, and `--help`. */
#ifndef DS_CFG_H
#define DS_CFG_H

#include <stdio.h>

#include "err.h"

#define CFG_FILE_NAME "doorstep.conf"
#define CFG_LISTEN_MAX 128

struct cfg {
	char listen[CFG_LISTEN_MAX];   /* HOST:PORT */
	long log_level;                /* 0 error … 3 debug */
	long max_header_bytes;
	long max_body_bytes;
	long max_decompressed_bytes;
	long read_timeout_ms;
	long max_connections;
	long handshake_timeout_ms;
	long max_connections_per_address;
	long max_handshakes_per_address;
	long body_budget_bytes;
};

/* Set C to the defaults. */
void cfg_defaults(struct cfg *c);

/* Read PATH ("name = value" lines, '#' comments) over C. A missing file is fine. On
 * DS_EINVAL, ERR (size ERR_LEN) names the line and the problem. */
DS_WUR enum ds_err cfg_load(struct cfg *c, const char *path, char *err, size_t err_len);

/* Write the commented sample (every setting at its default) to F. */
void cfg_write_sample(FILE *f);

/* Print one line per setting (name, default, bounds, meaning) to F, for --help. */
void cfg_print_help(FILE *f);

#endif
