# The fault harness (tests/torture/): `make torture` runs its long form, kill -9 of the
# agent and of the server and a TCP fault proxy, and prints per-fault-kind figures. Its
# short form is the integration script tests/integration/test_torture.sh, run by `make test`.
# TRIALS_SCALE=0.1 runs a tenth of every count (a quick check that the long form works).

# LD_PRELOAD libraries for fault injection live in tests/tools/preload/.
PRELOAD_SRC := $(wildcard tests/tools/preload/*.c)
PRELOAD_SO  := $(patsubst tests/tools/preload/%.c,$(BUILD)/tools/%.so,$(PRELOAD_SRC))

$(BUILD)/tools/%.so: tests/tools/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

test-build: $(PRELOAD_SO)

.PHONY: torture
# The long form takes about a quarter of an hour; TRIALS_SCALE=0.1 runs a tenth of it.
torture: deps
	@$(MAKE) --no-print-directory test-build
	@BUILD=$(BUILD) tests/torture/run.sh
