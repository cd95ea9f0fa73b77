# Fuzz targets: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput. `make fuzz` builds them
# with libFuzzer (clang); the ordinary suite replays tests/fuzz/corpus/NAME/ through the same
# function with a small driver, so every corpus input is a regression test.
# fuzz_agent_*.c targets link the agent's library; the others the server's.
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_SRC))
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))

$(BUILD)/fuzz-replay/fuzz_agent_%: $(call obj,tests/fuzz/fuzz_agent_%.c) \
	$(call obj,tests/fuzz/replay.c) $(LIB_AGENT) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_AGENT)

$(BUILD)/fuzz-replay/%: $(call obj,tests/fuzz/%.c) $(call obj,tests/fuzz/replay.c) \
	$(LIB_SERVER) $(LIB_ROUTE) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SERVER) $(LIBS_ORACLE)

test-build: $(FUZZ_REPLAY)

build-fuzz/fuzz_agent_%: tests/fuzz/fuzz_agent_%.c FORCE
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SAN=1 \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link -Wno-unknown-warning-option" \
		build-fuzz/libagent.a build-fuzz/libshared.a
	clang $(CPPFLAGS_ALL) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< \
		build-fuzz/libagent.a build-fuzz/libshared.a $(LIBS_AGENT)

build-fuzz/%: tests/fuzz/%.c FORCE
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SAN=1 \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link -Wno-unknown-warning-option" \
		build-fuzz/libserver.a build-fuzz/lib/libdoorstep-route.a build-fuzz/libshared.a
	clang $(CPPFLAGS_ALL) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< \
		build-fuzz/libserver.a build-fuzz/lib/libdoorstep-route.a build-fuzz/libshared.a \
		$(LIBS_SERVER) $(LIBS_ORACLE)

# The fuzzers are linked on every call: the inner make knows whether the libraries changed,
# the rule above would not (it names only the target's own source).
.PHONY: FORCE
FORCE:

# Builds every fuzzer; run one with e.g.
# build-fuzz/fuzz_wire tests/fuzz/corpus/wire -max_total_time=60
fuzz:
	@scripts/install-deps.sh --fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
