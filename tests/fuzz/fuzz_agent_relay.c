/* fuzz_agent_relay.c: the messages between the agent and its HTTPS helper, as either end
 * reads them: any bytes give whole messages (a JSON object head and exactly "len" body
 * bytes) until a clean refusal or the end of input, never a read past a buffer. */
#include <fcntl.h>
#include <string.h>

#include "agent/relay.h"
#include "fuzz_agent_files.h"

#define FUZZ_RELAY_FILE "relay"
#define FUZZ_RELAY_MESSAGES_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[FUZZ_PATH_MAX], path[FUZZ_PATH_MAX * 2];
	struct relay r;
	json_t *head;
	char *body;
	size_t len;
	int fd, i;

	if (fuzz_put(dir, FUZZ_RELAY_FILE, data, size) != 0)
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir, FUZZ_RELAY_FILE);
	if ((fd = open(path, O_RDONLY)) >= 0) {
		relay_init(&r, fd);
		for (i = 0; i < FUZZ_RELAY_MESSAGES_MAX; i++) {
			if (relay_recv(&r, -1, NULL, &head, &body, &len) != DS_OK)
				break;
			if (!json_is_object(head) || strlen(body) > len || len > RELAY_BODY_MAX)
				__builtin_trap();
			json_decref(head);
			free(body);
		}
		close(fd);
	}
	fuzz_clean(dir, FUZZ_RELAY_FILE);
	return 0;
}
