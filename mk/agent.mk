# The agent's HTTPS helper, doorstep-agent-sync (agent/syncer/): the one agent program that
# links libcurl, the ordinary way. The agent starts it for enroll and sync and finds it in
# $DOORSTEP_LIBEXEC_DIR, else LIBEXECDIR (compiled in), else ../libexec/doorstep or
# ../libexec beside the running agent (installed and build layouts; agent/helper.h).
PREFIX     ?= /usr/local
LIBEXECDIR ?= $(PREFIX)/libexec/doorstep
SYNCER_SRC := $(wildcard agent/syncer/*.c)
SYNCER_BIN := $(BUILD)/libexec/doorstep-agent-sync

all: $(SYNCER_BIN)

# The compiled-in directory. The stamp holds its value and changes only with it, so a build
# with another PREFIX or LIBEXECDIR recompiles agent/helper.c and nothing else.
LIBEXECDIR_STAMP := $(BUILD)/obj/agent/libexecdir.stamp
$(call obj,agent/helper.c): ALL_CFLAGS += -DDOORSTEP_LIBEXECDIR="\"$(LIBEXECDIR)\""
$(call obj,agent/helper.c): $(LIBEXECDIR_STAMP)
$(LIBEXECDIR_STAMP): syncer-libexecdir
	@mkdir -p $(dir $@)
	@echo '$(LIBEXECDIR)' | cmp -s - $@ || echo '$(LIBEXECDIR)' >$@
.PHONY: syncer-libexecdir
syncer-libexecdir:

$(SYNCER_BIN): $(call obj,$(SYNCER_SRC)) $(LIB_AGENT) $(LIB_SHARED)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(shell pkg-config --libs libcurl jansson zlib)
