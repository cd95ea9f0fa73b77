# Fault-injection helpers for the tests: an allocation-failure shim loaded with LD_PRELOAD.
# Built without the sanitizers, whatever the build tree, so it can sit in front of them.
FAULT_SHIM := $(BUILD)/fault/failmalloc.so

$(FAULT_SHIM): tests/fault/failmalloc.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fPIC -shared -o $@ $< -ldl

test-build: $(FAULT_SHIM)
