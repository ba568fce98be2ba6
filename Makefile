# Supervisor in C: one non-recursive Makefile.
#   make            build build/supervisord
#   make run        build and run supervisord in the foreground on etc/demo.conf
#   make check      unit + integration tests + fuzz corpus replay; ends "N passed, N failed"
#   make SANITIZE=address,undefined check   the same, built with sanitizers (in build/san)
#   make install    PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc/supervisor

PREFIX  ?= /usr/local
SYSCONFDIR ?= /etc/supervisor
DESTDIR ?=
CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif

SANITIZE ?=
ifeq ($(SANITIZE),)
O       ?= build
else
O       ?= build/san
endif

PKGS      := libmicrohttpd expat jansson libcurl gnutls
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wformat=2 -Wvla -Wwrite-strings -fno-common
CFLAGS    ?= -O2 -g
# Recursive (=) on purpose: pkg-config runs after `make check`/`make run`
# have installed the packages on a fresh machine.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -DXML_DTD $(WARN) $(CFLAGS) -MMD -MP \
             -Isrc/common -Isrc/supervisord $(PKG_CFLAGS)
LDLIBS_D   = $(shell pkg-config --libs $(PKGS))
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

COMMON_SRC := $(wildcard src/common/*.c)
SUPD_SRC   := $(filter-out src/supervisord/main.c,$(wildcard src/supervisord/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
HELPER_SRC := $(wildcard tests/helpers/*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))
COMMON_OBJ := $(call obj,$(COMMON_SRC))
SUPD_OBJ   := $(call obj,$(SUPD_SRC))
UNIT_BIN   := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
HELPER_BIN := $(patsubst tests/helpers/%.c,$(O)/helpers/%,$(HELPER_SRC))
FUZZ_REPLAY:= $(patsubst tests/fuzz/%.c,$(O)/fuzz-replay/%,$(FUZZ_SRC))
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRC))

.PHONY: all run check check-build unit integration fuzz lint clean install deps bench
all: $(O)/supervisord $(O)/supervisorctl

deps:
	@sh scripts/deps

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libcommon.a: $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(O)/libsupd.a: $(SUPD_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/supervisord: $(call obj,src/supervisord/main.c) $(O)/libsupd.a $(O)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_D)

# Unit tests link the module archives, so each pulls only what it uses.
$(O)/tests/%: $(O)/obj/tests/unit/%.o $(O)/libsupd.a $(O)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_D) -lcmocka

# supervisorctl: its own objects (libctl.a, shared with its unit tests and
# fuzz target) plus the common library and the supervisord modules it reuses
# (config search path, %(...)s expansion). libedit is linked only here; no
# libcurl: its start-up alone would cost more than a whole `status`.
CTL_PKGS   := expat libedit
CTL_SRC    := $(wildcard src/supervisorctl/*.c)
CTL_OBJ    := $(call obj,$(filter-out src/supervisorctl/main.c,$(CTL_SRC)))
CTL_CFLAGS  = -Isrc/supervisorctl $(shell pkg-config --cflags libedit)
LDLIBS_CTL  = $(shell pkg-config --libs $(CTL_PKGS))
$(O)/obj/src/supervisorctl/%.o: ALL_CFLAGS += $(CTL_CFLAGS)
$(O)/obj/tests/unit/test_ctl_%.o: ALL_CFLAGS += $(CTL_CFLAGS)
$(O)/obj/tests/fuzz/fuzz_ctl_%.o: ALL_CFLAGS += $(CTL_CFLAGS)
$(O)/libctl.a: $(CTL_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(O)/supervisorctl: $(call obj,src/supervisorctl/main.c) $(O)/libctl.a $(O)/libsupd.a $(O)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CTL)
$(O)/tests/test_ctl_%: $(O)/obj/tests/unit/test_ctl_%.o $(O)/libctl.a $(O)/libsupd.a $(O)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CTL) -lcmocka
$(O)/fuzz-replay/fuzz_ctl_%: $(O)/obj/tests/fuzz/fuzz_ctl_%.o $(O)/obj/tests/fuzz/replay.o $(O)/libctl.a $(O)/libsupd.a $(O)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CTL)
$(O)/fuzz/fuzz_ctl_%: tests/fuzz/fuzz_ctl_%.c $(filter-out src/supervisorctl/main.c,$(CTL_SRC)) $(COMMON_SRC) $(SUPD_SRC)
	@mkdir -p $(dir $@)
	clang -std=c17 -D_GNU_SOURCE -DXML_DTD -g -O1 -fsanitize=fuzzer,address,undefined \
	    -Isrc/common -Isrc/supervisord $(CTL_CFLAGS) $(shell pkg-config --cflags $(PKGS)) \
	    -o $@ $^ $(LDLIBS_D) $(LDLIBS_CTL)

$(O)/helpers/%: $(O)/obj/tests/helpers/%.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

# Fuzz targets: replayed over their corpus by a plain driver in `make check`,
# built for libFuzzer by `make fuzz`.
$(O)/fuzz-replay/%: $(O)/obj/tests/fuzz/%.o $(O)/obj/tests/fuzz/replay.o $(O)/libsupd.a $(O)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_D)
$(O)/obj/tests/fuzz/replay.o: tests/fuzz/replay.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

# make fuzz [FUZZ_SECONDS=60] [FUZZ=fuzz_ini]: each target for that long
FUZZ_SECONDS ?= 60
FUZZ ?= $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC))
fuzz: $(addprefix $(O)/fuzz/,$(FUZZ))
	@sh tests/fuzz/run $(O) $(FUZZ_SECONDS) $^
$(O)/fuzz/%: tests/fuzz/%.c $(COMMON_SRC) $(SUPD_SRC)
	@mkdir -p $(dir $@)
	clang -std=c17 -D_GNU_SOURCE -DXML_DTD -g -O1 -fsanitize=fuzzer,address,undefined \
	    -Isrc/common -Isrc/supervisord $(shell pkg-config --cflags $(PKGS)) \
	    -o $@ $^ $(LDLIBS_D)

unit: $(UNIT_BIN)
integration: $(O)/supervisord $(O)/supervisorctl $(HELPER_BIN)

check:
	@sh scripts/deps
	@$(MAKE) --no-print-directory check-build
	@O=$(O) sh tests/run-check

check-build: $(O)/supervisord $(O)/supervisorctl $(UNIT_BIN) $(HELPER_BIN) $(FUZZ_REPLAY)

run:
	@sh scripts/deps
	@$(MAKE) --no-print-directory all
	@mkdir -p run/log
	$(O)/supervisord -c etc/demo.conf

# Benchmarks side by side with Python Supervisor (not part of check; see
# doc/bench.md): make bench [QUICK=1]. Results in $(O)/bench/results.jsonl.
bench:
	@sh scripts/deps
	@$(MAKE) --no-print-directory $(O)/supervisord $(O)/supervisorctl $(O)/bench/streamer
	@O=$(O) QUICK=$(QUICK) sh bench/run

$(O)/bench/streamer: bench/streamer.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) -o $@ $<

lint:
	clang-format --dry-run --Werror src/*/*.c src/*/*.h tests/unit/*.c tests/helpers/*.c
	clang-tidy --quiet src/*/*.c -- -std=c17 -D_GNU_SOURCE -DXML_DTD -Isrc/common -Isrc/supervisord

install: $(O)/supervisord $(O)/supervisorctl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 $(O)/supervisord $(DESTDIR)$(PREFIX)/bin/supervisord
	install -m 0644 doc/supervisord.8 $(DESTDIR)$(PREFIX)/share/man/man8/supervisord.8
	install -m 0755 $(O)/supervisorctl $(DESTDIR)$(PREFIX)/bin/supervisorctl
	install -m 0644 doc/supervisorctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/supervisorctl.1
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    etc/supervisord.service.in > $(DESTDIR)$(PREFIX)/lib/systemd/system/supervisord.service

clean:
	rm -rf build run

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
