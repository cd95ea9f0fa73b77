/* fuzz_agent_view.c: the daemon's GPS view file as read by acts and `status`: any bytes
 * are either refused or give a view whose fix, if any, is a real position. */
#include <math.h>

#include "agent/view.h"
#include "fuzz_agent_files.h"
#include "geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[FUZZ_PATH_MAX];
	struct view v;

	if (fuzz_put(dir, VIEW_FILE, data, size) != 0)
		return 0;
	if (view_read(dir, &v) == DS_OK) {
		(void)view_gpsd_name(v.gpsd);
		(void)view_alive(&v, 0, "x");
	}
	fuzz_clean(dir, VIEW_FILE);
	return 0;
}
