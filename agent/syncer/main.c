/* main.c: doorstep-agent-sync, the agent's HTTPS helper. `doorstep-agent sync` and `enroll`
 * start it with its stdin and stdout on pipes (agent/helper.c) and it does only HTTPS: it
 * reads the hello (server, pin, token, timeouts), then answers each request with the
 * server's reply, until its input ends. It keeps nothing: what to send, the outbox and the
 * acknowledgements are the agent's, so whatever happens to this process, the agent has lost
 * nothing and sends nothing twice (a batch whose reply never came is sent again, and the
 * server answers "duplicate"). Messages are in agent/relay.h.
 *
 * Exit: 0 when its input ends, 1 when libcurl cannot start, 2 when started by hand or given
 * a message it does not understand (it says why on stderr). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/relay.h"
#include "agent/syncer/https.h"

#define MAIN_NAME "doorstep-agent-sync"

static const char main_usage[] =
	"usage: " MAIN_NAME "\n"
	"The HTTPS helper of doorstep-agent(1), which starts it; it reads requests on its\n"
	"standard input and writes the replies on its standard output, and is not run by hand.\n";

static int main_fail(int code, const char *what)
{
	fprintf(stderr, MAIN_NAME ": %s\n", what);
	return code;
}

/* The hello message into OUT: C (its strings borrowed from *HELLO, which the caller frees
 * with json_decref()). Returns 0, or an exit code after saying why. */
static int main_hello(struct relay *in, json_t **hello, struct https_conf *c)
{
	char *body = NULL;
	size_t len = 0;
	json_t *h;

	if (relay_recv(in, -1, NULL, hello, &body, &len) != DS_OK)
		return main_fail(2, "no hello from the agent");
	free(body);
	h = *hello;
	memset(c, 0, sizeof *c);
	c->base = json_string_value(json_object_get(h, "base"));
	c->pin = json_string_value(json_object_get(h, "pin"));
	c->token = json_string_value(json_object_get(h, "token"));
	c->connect_timeout_ms = (long)json_integer_value(json_object_get(h, "connect_timeout_ms"));
	c->total_timeout_ms = (long)json_integer_value(json_object_get(h, "total_timeout_ms"));
	if (json_integer_value(json_object_get(h, "v")) != RELAY_VERSION)
		return main_fail(2, "the agent speaks another version: install both together");
	if (c->base == NULL || c->pin == NULL || c->connect_timeout_ms <= 0 ||
	    c->total_timeout_ms <= 0)
		return main_fail(2, "the agent's hello is incomplete");
	return 0;
}

static const char *main_result_name(enum https_result r)
{
	return r == HTTPS_OK ? "ok" : r == HTTPS_PIN ? "pin" : "unreachable";
}

/* Answer one request. Returns 0 to go on, or an exit code. */
static int main_request(struct https *h, json_t *req, const char *body, size_t len)
{
	const char *path = json_string_value(json_object_get(req, "path"));
	struct https_reply r;
	enum https_result res;
	json_t *head;
	int code = 0;

	if (path == NULL)
		return main_fail(2, "a request without a path");
	res = https_post(h, path, body, len, json_is_true(json_object_get(req, "gzip")), &r);
	head = json_pack("{s:s,s:I,s:I,s:I,s:s}", "result", main_result_name(res),
	                 "http", (json_int_t)r.http_status, "connections",
	                 (json_int_t)r.connections, "sent_bytes", (json_int_t)r.sent_bytes,
	                 "message", r.message);
	if (head == NULL)
		code = main_fail(1, "out of memory");
	else if (relay_send(STDOUT_FILENO, head, r.body, r.len, NULL) != DS_OK)
		code = main_fail(1, "cannot answer: the agent is gone");
	json_decref(head);
	if (r.body != NULL)
		explicit_bzero(r.body, r.len); /* an enrolment reply holds the credential */
	free(r.body);
	return code;
}

/* Serve requests until the input ends. Returns the exit code. */
static int main_serve(struct relay *in, struct https *h)
{
	json_t *req = NULL;
	char *body = NULL;
	size_t len = 0;
	int code = 0;
	enum ds_err e;

	while (code == 0) {
		e = relay_recv(in, -1, NULL, &req, &body, &len);
		if (e == DS_EIO && errno == 0)
			break; /* the agent closed our input: its sync is over */
		if (e != DS_OK)
			return main_fail(2, "a message from the agent is not understood");
		code = main_request(h, req, body, len);
		json_decref(req);
		free(body);
	}
	return code;
}

int main(int argc, char **argv)
{
	struct https_conf conf;
	struct https *h = NULL;
	struct relay in;
	json_t *hello = NULL;
	int code;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "--version") == 0)) {
		fputs(strcmp(argv[1], "--help") == 0 ? main_usage : MAIN_NAME " 1.0\n", stdout);
		return 0;
	}
	if (argc > 1 || isatty(STDIN_FILENO)) {
		fputs(main_usage, stderr);
		return 2;
	}
	/* Ended with the agent that started it, even mid-request (a killed agent cannot say). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	relay_init(&in, STDIN_FILENO);
	if ((code = main_hello(&in, &hello, &conf)) != 0)
		goto out;
	code = 1;
	if (https_global_init() != DS_OK) {
		main_fail(1, "libcurl does not initialise");
		goto out;
	}
	if (https_new(&conf, &h) != DS_OK)
		code = main_fail(2, "the server URL, pin or token is not usable");
	else
		code = main_serve(&in, h);
	https_free(h);
	https_global_cleanup();
out:
	json_decref(hello);
	return code;
}
