/* cfg.c: a deliberately small format (name = value) so an office's technician can edit it
 * with any editor; unknown names and out-of-range values are errors, never ignored. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "server/cfg.h"


struct cfg_item {
	const char *name;
	int is_text;
	size_t off;
	long def, lo, hi;
	const char *text_def;
	const char *help;
};

static const struct cfg_item cfg_items[] = {
	{"listen", 1, offsetof(struct cfg, listen), 0, 0, 0, "127.0.0.1:8443",
	 "address and port to serve HTTPS on (serve --listen overrides)"},
	{"log_level", 0, offsetof(struct cfg, log_level), 2, 0, 3, NULL,
	 "0 errors, 1 warnings, 2 info, 3 debug"},
	{"max_header_bytes", 0, offsetof(struct cfg, max_header_bytes), 16384, 1024, 1048576, NULL,
	 "largest request head; larger gets 431"},
	{"max_body_bytes", 0, offsetof(struct cfg, max_body_bytes), 4194304, 1024, 268435456, NULL,
	 "largest request body as sent; larger gets 413"},
	{"max_decompressed_bytes", 0, offsetof(struct cfg, max_decompressed_bytes), 16777216, 1024,
	 1073741824, NULL, "largest gzip body after decompression; larger gets 413"},
	{"read_timeout_ms", 0, offsetof(struct cfg, read_timeout_ms), 10000, 100, 600000, NULL,
	 "a request must arrive whole within this time; idle keep-alive closes after it"},
	{"max_connections", 0, offsetof(struct cfg, max_connections), 1024, 1, 100000, NULL,
	 "connections served at once; idle keep-alive ones are closed near it, more are refused"},
	{"handshake_timeout_ms", 0, offsetof(struct cfg, handshake_timeout_ms), 3000, 100, 60000,
	 NULL, "a TLS handshake must start and finish within this time of the connection"},
	{"max_connections_per_address", 0, offsetof(struct cfg, max_connections_per_address), 128,
	 1, 100000, NULL, "connections one client address may hold; more are refused"},
	{"max_handshakes_per_address", 0, offsetof(struct cfg, max_handshakes_per_address), 32, 1,
	 100000, NULL, "TLS handshakes in progress one client address may hold; more are refused"},
	{"body_budget_bytes", 0, offsetof(struct cfg, body_budget_bytes), 67108864, 1048576,
	 4294967296, NULL,
	 "request bodies held at once by all clients; past it 503 with Retry-After"},
};

#define CFG_N (sizeof cfg_items / sizeof cfg_items[0])

void cfg_defaults(struct cfg *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < CFG_N; i++) {
		if (cfg_items[i].is_text)
			snprintf((char *)c + cfg_items[i].off, CFG_LISTEN_MAX, "%s",
			         cfg_items[i].text_def);
		else
			*(long *)(void *)((char *)c + cfg_items[i].off) = cfg_items[i].def;
	}
}

/* conffile_read's callback: one setting of the file. */
static enum ds_err cfg_set(void *ctx, const char *name, const char *val, char *err,
                           size_t err_len)
{
	struct cfg *c = ctx;
	const struct cfg_item *it = NULL;
	char *end;
	long v;
	size_t i;

	for (i = 0; i < CFG_N; i++)
		if (strcmp(cfg_items[i].name, name) == 0)
			it = &cfg_items[i];
	if (it == NULL) {
		snprintf(err, err_len, "unknown setting \"%s\"", name);
		return DS_EINVAL;
	}
	if (it->is_text) {
		if (strlen(val) >= CFG_LISTEN_MAX || val[0] == '\0') {
			snprintf(err, err_len, "%s: empty or too long", name);
			return DS_EINVAL;
		}
		snprintf((char *)c + it->off, CFG_LISTEN_MAX, "%s", val);
		return DS_OK;
	}
	v = strtol(val, &end, 10);
	if (*val == '\0' || *end != '\0' || v < it->lo || v > it->hi) {
		snprintf(err, err_len, "%s must be a whole number %ld-%ld", name, it->lo, it->hi);
		return DS_EINVAL;
	}
	*(long *)(void *)((char *)c + it->off) = v;
	return DS_OK;
}

enum ds_err cfg_load(struct cfg *c, const char *path, char *err, size_t err_len)
{
	return conffile_read(path, NULL, cfg_set, c, err, err_len);
}

void cfg_write_sample(FILE *f)
{
	size_t i;

	fprintf(f, "# Doorstep server settings. Lines are \"name = value\"; '#' starts a comment.\n"
	           "# Every setting is shown at its default.\n");
	/* The bounds go on the help line, so uncommenting a setting's line gives a valid one. */
	for (i = 0; i < CFG_N; i++) {
		if (cfg_items[i].is_text)
			fprintf(f, "\n# %s\n# %s = %s\n", cfg_items[i].help, cfg_items[i].name,
			        cfg_items[i].text_def);
		else
			fprintf(f, "\n# %s (%ld-%ld)\n# %s = %ld\n", cfg_items[i].help,
			        cfg_items[i].lo,
			        cfg_items[i].hi, cfg_items[i].name, cfg_items[i].def);
	}
}

void cfg_print_help(FILE *f)
{
	size_t i;

	fprintf(f, "Settings in DIR/%s:\n", CFG_FILE_NAME);
	for (i = 0; i < CFG_N; i++) {
		if (cfg_items[i].is_text)
			fprintf(f, "  %-24s default %s: %s\n", cfg_items[i].name,
			        cfg_items[i].text_def,
			        cfg_items[i].help);
		else
			fprintf(f, "  %-24s default %ld (%ld-%ld): %s\n", cfg_items[i].name,
			        cfg_items[i].def, cfg_items[i].lo, cfg_items[i].hi,
			        cfg_items[i].help);
	}
}
