# Doorstep: top-level build. `make` builds both programs; `make demo` and `make test`
# are the two commands the README gives a new user. Sources are found by wildcard, so a
# new module is a new .c/.h pair and nothing here changes; a part with extra targets
# brings its own fragment in mk/.

CC      ?= cc
BUILD   ?= build
BIN     := $(BUILD)/bin
SAN     ?=

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wpointer-arith -Wvla -Wundef -Wwrite-strings -Wold-style-definition \
           -Wimplicit-fallthrough -Wno-format-truncation
CFLAGS  ?= -O2 -g
CPPFLAGS_ALL := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Ishared -I. \
           $(shell pkg-config --cflags sqlite3 jansson libuv zlib libcurl 2>/dev/null)
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
ALL_CFLAGS = $(CPPFLAGS_ALL) $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

# Debian 12 ships no pkg-config file for mbedTLS 2.28 or http-parser 2.9.
LIBS_MBED   := -lmbedtls -lmbedx509 -lmbedcrypto
# One JSON library per program: the server reads and writes JSON with yajl, the agent with
# jansson. Tests and test tools may also link jansson, as an oracle (LIBS_ORACLE).
LIBS_ORACLE := $(shell pkg-config --libs jansson)
LIBS_SHARED := $(LIBS_MBED) $(shell pkg-config --libs jansson yajl zlib) -lm
LIBS_SERVER := $(shell pkg-config --libs sqlite3 libuv libcrypto yajl zlib) -lhttp_parser -lcsv \
           $(LIBS_MBED) -lm -lpthread
LIBS_AGENT  := $(shell pkg-config --libs sqlite3 libgps jansson zlib) $(LIBS_MBED) -lm
# The agent binary (not its tests) links its libraries statically, only libc and libm
# shared: the daemon pays resident memory for every shared library it maps, and a shared
# libgps alone brings D-Bus, systemd, gcrypt and libstdc++ (see agent/gpslink.c). libcurl
# is not linked into it at all: the sync helper has it (mk/agent.mk). AGENT_STATIC=0 links
# dynamically where the .a files are missing.
AGENT_STATIC ?= 1
ifeq ($(AGENT_STATIC),1)
LIBS_AGENT_BIN := -Wl,--gc-sections -Wl,-Bstatic -lsqlite3 -lgps -ljansson -lz $(LIBS_MBED) \
           -Wl,-Bdynamic -lm
else
LIBS_AGENT_BIN := $(LIBS_AGENT)
endif
LIBS_CHECK  := $(shell pkg-config --libs check)

SHARED_SRC := $(wildcard shared/*.c)
SERVER_SRC := $(filter-out server/main.c,$(wildcard server/*.c server/net/*.c server/db/*.c))
ROUTE_SRC  := $(wildcard route/*.c)
AGENT_SRC  := $(filter-out agent/main.c,$(wildcard agent/*.c))
obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_SHARED := $(BUILD)/libshared.a
LIB_SERVER := $(BUILD)/libserver.a
LIB_ROUTE  := $(BUILD)/lib/libdoorstep-route.a
LIB_AGENT  := $(BUILD)/libagent.a

UNIT_SHARED := $(patsubst tests/unit/shared/%.c,$(BUILD)/tests/shared/%,\
	$(wildcard tests/unit/shared/test_*.c))
UNIT_SERVER := $(patsubst tests/unit/server/%.c,$(BUILD)/tests/server/%,\
	$(wildcard tests/unit/server/test_*.c))
UNIT_AGENT  := $(patsubst tests/unit/agent/%.c,$(BUILD)/tests/agent/%,\
	$(wildcard tests/unit/agent/test_*.c))
UNIT_ROUTE  := $(patsubst tests/unit/route/%.c,$(BUILD)/tests/route/%,\
	$(wildcard tests/unit/route/test_*.c))
UNIT_ALL    := $(UNIT_SHARED) $(UNIT_SERVER) $(UNIT_AGENT) $(UNIT_ROUTE)
TOOLS       := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))

.PHONY: all deps demo test test-run check-asan bench lint clean fuzz
all: $(BIN)/doorstep-server $(BIN)/doorstep-agent

deps:
	@scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_SHARED): $(call obj,$(SHARED_SRC))
	@rm -f $@; ar rcs $@ $^
$(LIB_SERVER): $(call obj,$(SERVER_SRC))
	@rm -f $@; ar rcs $@ $^
$(LIB_AGENT): $(call obj,$(AGENT_SRC))
	@rm -f $@; ar rcs $@ $^
# The routing engine is a library of its own: route/route.h is its one public header.
$(LIB_ROUTE): $(call obj,$(ROUTE_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@; ar rcs $@ $^

$(BIN)/doorstep-server: $(call obj,server/main.c) $(LIB_SERVER) $(LIB_ROUTE) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SERVER)
$(BIN)/doorstep-agent: $(call obj,agent/main.c) $(LIB_AGENT) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_AGENT_BIN)

$(BUILD)/tests/shared/%: $(call obj,tests/unit/shared/%.c) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SHARED) $(shell pkg-config --libs sqlite3) \
		$(LIBS_CHECK)
$(BUILD)/tests/server/%: $(call obj,tests/unit/server/%.c) $(LIB_SERVER) $(LIB_ROUTE) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SERVER) $(LIBS_ORACLE) $(LIBS_CHECK)
$(BUILD)/tests/agent/%: $(call obj,tests/unit/agent/%.c) $(LIB_AGENT) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_AGENT) $(LIBS_CHECK)
$(BUILD)/tests/route/%: $(call obj,tests/unit/route/%.c) $(LIB_ROUTE) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -lm $(LIBS_CHECK)
# Test and benchmark helpers written in C (load generators, fuzz-corpus replayers) link
# everything the server links.
$(BUILD)/tools/%: $(call obj,tests/tools/%.c) $(LIB_SERVER) $(LIB_ROUTE) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SERVER) $(LIBS_ORACLE) \
		$(shell pkg-config --libs libcurl)

test-build: all $(UNIT_ALL) $(TOOLS)

# The README's test command: install what is missing, build, run every test.
test: deps
	@$(MAKE) --no-print-directory test-build
	@BUILD=$(BUILD) tests/run.sh

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer, in its own tree.
check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 CFLAGS="-O1 -g" test-build
	@BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run.sh

# The README's main job: a demo of the whole flow on the embedded SQLite default.
demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory test-build
	@BUILD=$(BUILD) bench/run.sh

# Banned calls (house style): fails when one appears in project C code.
lint:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)\s*\(' \
		shared/*.c shared/*.h server/*.c server/*.h server/*/*.c server/*/*.h route/*.c \
		route/*.h agent/*.c agent/*.h agent/syncer/*.[ch] tests/*/*.c tests/*/*/*.c \
		2>/dev/null \
		|| { echo "lint: banned call found"; false; }
	@scripts/lint-layout.py .
	@scripts/lint-width.py .
	@echo "lint: ok"

clean:
	rm -rf build build-asan build-fuzz

-include mk/*.mk
-include $(shell find $(BUILD) build-asan -name '*.d' 2>/dev/null)
