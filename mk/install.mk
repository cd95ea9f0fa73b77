# Installation in the usual places, with the usual variables: `make install` and
# `make uninstall` honour DESTDIR (a staging root for packagers), PREFIX and the directory
# variables below, which may each be set on their own. `make check` is the conventional
# name for `make test`.
#
# Installed: the two programs into BINDIR; every program `make all` left in
# $(BUILD)/libexec (the agent's helpers) into LIBEXECDIR; the man pages of man/ into
# MANDIR; and a commented sample of each program's configuration, printed by the program
# itself, into SYSCONFDIR/doorstep. The programs read their configuration from their data
# directories, never from SYSCONFDIR: the samples are there to copy.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/doorstep
MANDIR     ?= $(PREFIX)/share/man
# A system-wide install (PREFIX=/usr) keeps its samples in /etc, as the FHS has it.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
INSTALL    ?= install

INSTALL_BINS := doorstep-server doorstep-agent
INSTALL_MANS := $(wildcard man/*.[158])
INSTALL_ETC  := $(DESTDIR)$(SYSCONFDIR)/doorstep
SAMPLE_DIR   := $(BUILD)/etc
SAMPLES      := $(SAMPLE_DIR)/doorstep.conf.sample $(SAMPLE_DIR)/agent.conf.sample

.PHONY: install uninstall check samples
check: test

samples: $(SAMPLES)

# The server writes its commented sample into a data directory it initialises, so a
# throw-away one is made and only the sample kept.
$(SAMPLE_DIR)/doorstep.conf.sample: $(BIN)/doorstep-server
	@mkdir -p $(dir $@)
	@tmp=$$(mktemp -d) && $(BIN)/doorstep-server --data "$$tmp/d" init >/dev/null \
		&& cp "$$tmp/d/doorstep.conf" $@.tmp; rc=$$?; rm -rf "$$tmp"; \
		[ $$rc -eq 0 ] && mv $@.tmp $@

# `config --sample` creates the data directory it is given; a throw-away one it is.
$(SAMPLE_DIR)/agent.conf.sample: $(BIN)/doorstep-agent
	@mkdir -p $(dir $@)
	@tmp=$$(mktemp -d) && $(BIN)/doorstep-agent --data "$$tmp/d" config --sample >$@.tmp; \
		rc=$$?; rm -rf "$$tmp"; [ $$rc -eq 0 ] && mv $@.tmp $@

# The libexec programs are listed when the recipe runs, not when make reads this file, so
# that helpers built by this same `make install` are found.
install: all $(SAMPLES)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(INSTALL_ETC)
	$(INSTALL) -m 0755 $(addprefix $(BIN)/,$(INSTALL_BINS)) $(DESTDIR)$(BINDIR)
	@for f in $(BUILD)/libexec/*; do \
		if [ -f "$$f" ] && [ -x "$$f" ]; then \
			echo "$(INSTALL) -m 0755 $$f $(DESTDIR)$(LIBEXECDIR)"; \
			$(INSTALL) -m 0755 "$$f" $(DESTDIR)$(LIBEXECDIR) || exit 1; \
		fi; \
	done
	@for m in $(INSTALL_MANS); do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.}; \
		echo "$(INSTALL) -m 0644 $$m $$d"; \
		$(INSTALL) -d "$$d" && $(INSTALL) -m 0644 "$$m" "$$d" || exit 1; \
	done
	$(INSTALL) -m 0644 $(SAMPLES) $(INSTALL_ETC)

# Removes the files install puts and the two directories that are Doorstep's own, when
# empty; shared directories (BINDIR, MANDIR/manN) stay. The helpers removed are those of
# this build tree and any other doorstep-* program in LIBEXECDIR, so an uninstall after
# `make clean` still removes them.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(INSTALL_BINS))
	@for f in $(BUILD)/libexec/* $(DESTDIR)$(LIBEXECDIR)/doorstep-*; do \
		i=$(DESTDIR)$(LIBEXECDIR)/$${f##*/}; \
		if [ -f "$$i" ]; then echo "rm -f $$i"; rm -f "$$i" || exit 1; fi; \
	done
	@for m in $(INSTALL_MANS); do \
		i=$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; echo "rm -f $$i"; rm -f "$$i"; \
	done
	rm -f $(addprefix $(INSTALL_ETC)/,$(notdir $(SAMPLES)))
	@rmdir $(INSTALL_ETC) 2>/dev/null || true
	$(if $(filter doorstep,$(notdir $(LIBEXECDIR))),@rmdir $(DESTDIR)$(LIBEXECDIR) \
		2>/dev/null || true)
