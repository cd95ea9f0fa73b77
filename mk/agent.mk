# The agent's HTTPS helper, doorstep-agent-sync (agent/syncer/): the one agent program that
# links libcurl, the ordinary way. The agent starts it for enroll and sync and finds it in
# $DOORSTEP_LIBEXEC_DIR, else LIBEXECDIR (compiled in), else ../libexec/doorstep or
# ../libexec beside the running agent (installed and build layouts; agent/helper.h).
PREFIX     ?= /usr/local
LIBEXECDIR ?= $(PREFIX)/libexec/doorstep
SYNCER_SRC := $(wildcard agent/syncer/*.c)
SYNCER_BIN := $(BUILD)/libexec/doorstep-agent-sync

all: $(SYNCER_BIN)

$(call obj,agent/helper.c): ALL_CFLAGS += -DDOORSTEP_LIBEXECDIR="\"$(LIBEXECDIR)\""

$(SYNCER_BIN): $(call obj,$(SYNCER_SRC)) $(LIB_AGENT) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(shell pkg-config --libs libcurl jansson zlib)
