# paddock: per-user namespaces and cgroups for every login.
#
#   make            build pam_paddock.so and paddock into build/
#   make deps       install build and test dependencies (apt-get, only if missing)
#   make check      deps + build + the whole test suite
#   make check-faults  the fault sweep in full: every kill point (root)
#   make demo       deps + build + a real isolated login, shown side by side
#   make bench      benchmarks (root), writes tests/bench/RESULTS.md
#   make profile    one first and one joining login under strace -f -T, then the joining
#                   login step by step under uprobes (root)
#   make install    DESTDIR PREFIX SYSCONFDIR PAMDIR (uninstall: the same, keeps the policy)
#   make deb        the Debian package (dpkg-buildpackage -b) into build/deb/
#   STATIC_DEPS=1   link libcap, libaudit, inih and libseccomp in from their static
#                   archives (default 0: dynamically, as distributions expect)
#   make fuzz       libFuzzer run over the policy parser (FUZZ_SECONDS)
#
# CPPFLAGS, CFLAGS and LDFLAGS from the environment or the command line are added to
# the project's own (dpkg-buildflags' hardening included).  The paths compiled in
# (the helper under SBINDIR, the policy under SYSCONFDIR) are recorded in
# build/config: a make install with other paths rebuilds first.

# paddock's version, the only place it is written: paddock --version prints it, the
# module logs it under "debug"; debian/changelog's top entry must name the same
# (tests/unit/install.sh).
VERSION  := 0.1.0

CC       ?= cc
PKGS     := pam libcap audit inih libsystemd libseccomp
PREFIX   ?= /usr
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
PAMCONFDIR ?= $(PREFIX)/share/pam-configs
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
PAMDIR   ?= $(shell pkg-config --variable=libdir pam 2>/dev/null || echo /lib/x86_64-linux-gnu)/security
DESTDIR  ?=
FUZZ_SECONDS ?= 60

B ?= build

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-security \
	-Wmissing-prototypes -Wstrict-prototypes -Wvla -Wpointer-arith \
	-Wcast-qual -Wwrite-strings -Wundef -Wnull-dereference \
	-Wimplicit-fallthrough -Wno-unused-parameter \
	-Wno-format-truncation  # snprintf cuts bounded messages on purpose
HARDEN := -fstack-protector-strong -fstack-clash-protection -fcf-protection \
	-fno-strict-aliasing -fno-common
# _FORTIFY_SOURCE only when the caller's flags do not set it (dpkg-buildflags does,
# to 2 or 3): a second definition with another value is an error under -Werror.
ifeq ($(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),)
HARDEN += -D_FORTIFY_SOURCE=2
endif
CFLAGS ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?=
# What is compiled in: the helper the module execs, the policy, the version.
PATH_DEFS := -DPADDOCK_HELPER_PATH='"$(SBINDIR)/paddock"' \
	-DPOLICY_DEFAULT_PATH='"$(SYSCONFDIR)/security/paddock.conf"' \
	-DPADDOCK_VERSION='"$(VERSION)"'
ALL_CFLAGS := -std=gnu17 -D_GNU_SOURCE $(PATH_DEFS) $(WARN) $(HARDEN) -fPIC -fvisibility=hidden \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS) $(CFLAGS)
LDHARDEN := -Wl,-z,relro,-z,now,-z,defs -Wl,--as-needed $(LDFLAGS)
LIBS_CONF := $(shell pkg-config --libs inih 2>/dev/null)
# libsystemd is not linked: pam_module/sd-bus-dl.c loads it on the first D-Bus call.
# STATIC_DEPS=0 (default): libcap, libaudit, inih and libseccomp are linked dynamically,
# so their security updates reach paddock without a rebuild (what distributions expect).
# STATIC_DEPS=1 links them in from their static archives, so the holder's exec and the
# module's dlopen map libc (and libpam) only: a faster first login
# (tests/bench/RESULTS.md).
STATIC_DEPS ?= 0
DEP_PKGS  := libcap audit inih libseccomp
# The test programs link dynamically: the unit tests interpose libaudit's functions.
LIBS_TEST := $(shell pkg-config --libs pam $(DEP_PKGS) 2>/dev/null)
ifeq ($(STATIC_DEPS),1)
LIBS_ALL  := $(shell pkg-config --libs pam 2>/dev/null) \
	-Wl,-Bstatic $(shell pkg-config --static --libs $(DEP_PKGS) 2>/dev/null) -Wl,-Bdynamic
else
LIBS_ALL  := $(LIBS_TEST)
endif

CONF_SRC   := $(wildcard conf/*.c)
ENGINE_SRC := $(filter-out pam_module/pam_paddock.c,$(wildcard pam_module/*.c))
# paddock-net (shell/net-*.c) is a program of its own: libmnl and libnftnl are mapped
# only while it sets a nat paddock's network up, never in the holder or in sshd;
# libnftables (its header only at build time) is loaded with dlopen to make the table.
NET_SRC    := $(wildcard shell/net-*.c)
SHELL_SRC  := $(filter-out $(NET_SRC),$(wildcard shell/*.c))
NET_OBJ    := $(NET_SRC:%.c=$(B)/%.o)
LIBS_NET   := $(shell pkg-config --libs libmnl libnftnl 2>/dev/null)
CONF_OBJ   := $(CONF_SRC:%.c=$(B)/%.o)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(B)/%.o)
SHELL_OBJ  := $(SHELL_SRC:%.c=$(B)/%.o)
UNIT_SRC   := $(wildcard tests/unit/test-*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
PAMTEST_SRC := $(wildcard tests/pam/*.c)
PAMTEST_BIN := $(PAMTEST_SRC:tests/pam/%.c=$(B)/tests/%)
# tests/root/*-probe.c are programs the root tests hand to users, not tests themselves.
PROBE_SRC  := $(wildcard tests/root/*-probe.c)
PROBE_BIN  := $(PROBE_SRC:tests/root/%.c=$(B)/tests/probes/%)
ROOTTEST_SRC := $(filter-out $(PROBE_SRC),$(wildcard tests/root/*.c))
ROOTTEST_BIN := $(ROOTTEST_SRC:tests/root/%.c=$(B)/tests/root/%)

.PHONY: all deps check check-faults demo bench profile install uninstall fuzz format lint clean \
	man-lint deb FORCE

all: $(B)/pam_paddock.so $(B)/paddock $(B)/paddock-net $(UNIT_BIN) $(PAMTEST_BIN) $(ROOTTEST_BIN) \
	$(PROBE_BIN)

# build/config: what the objects were built with.  Rewritten only when it changes, so
# that a make (or make install) with another PREFIX, SYSCONFDIR, VERSION, STATIC_DEPS
# or other flags rebuilds everything instead of installing a module that execs a
# helper, or reads a policy, somewhere else.
BUILD_CONFIG := $(SBINDIR) $(SYSCONFDIR) $(VERSION) $(STATIC_DEPS) $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)
$(B)/config: FORCE
	@mkdir -p $(B)
	@if [ "$$(cat $@ 2>/dev/null)" != '$(BUILD_CONFIG)' ]; then echo '$(BUILD_CONFIG)' >$@; fi

$(B)/%.o: %.c $(wildcard */*.h) $(B)/config
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The policy memo's tag (conf/policy-memo.c): a checksum of the parser's sources, so that a
# memo made by another build of the parser is never taken for this one's.
MEMO_TAG := $(shell cat $(sort $(wildcard conf/*.c conf/*.h)) | cksum | cut -d' ' -f1)
$(B)/conf/policy-memo.o: ALL_CFLAGS += -DPOLICY_MEMO_TAG='"$(MEMO_TAG)"'
$(B)/conf/policy-memo.o: $(CONF_SRC)

# Made anew each time: ar r keeps the members of sources since renamed or removed,
# and the linker takes a symbol from the first member that has it.
$(B)/libpaddock-conf.a: $(CONF_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/libpaddock-engine.a: $(ENGINE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/pam_paddock.so: $(B)/pam_module/pam_paddock.o $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a pam_module/pam_paddock.map $(B)/config
	$(CC) -shared $(ALL_CFLAGS) $(LDHARDEN) -Wl,--version-script=pam_module/pam_paddock.map \
		-o $@ $(B)/pam_module/pam_paddock.o $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a $(LIBS_ALL)

$(B)/paddock: $(SHELL_OBJ) $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a $(B)/config
	$(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) -o $@ $(SHELL_OBJ) $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a $(LIBS_ALL)

$(B)/paddock-net: $(NET_OBJ) $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a
	$(CC) $(ALL_CFLAGS) -pie $(LDHARDEN) -o $@ $(NET_OBJ) $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a $(LIBS_ALL) $(LIBS_NET)

$(B)/tests/test-%: tests/unit/test-%.c tests/unit/tap.h $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a $(LIBS_TEST)

$(B)/tests/root/%: tests/root/%.c tests/unit/tap.h $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a $(LIBS_TEST)

$(B)/tests/probes/%: tests/root/%.c tests/unit/tap.h $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(B)/libpaddock-engine.a $(B)/libpaddock-conf.a $(LIBS_TEST)

$(B)/tests/%: tests/pam/%.c tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(shell pkg-config --libs pam) -ldl

# Every package the build, the tests, the demo and lint use.  Installed only
# when one is missing, so a prepared machine makes no network call.
DEB_PKGS := gcc make pkg-config libpam0g-dev libcap-dev libaudit-dev libinih-dev \
	libcap-ng-dev libsystemd-dev libpam-modules pamtester openssh-server openssh-client \
	libseccomp-dev \
	iproute2 util-linux procps passwd login strace python3 mandoc clang \
	libclang-rt-14-dev clang-format cppcheck socat auditd \
	qemu-system-x86 qemu-utils mmdebstrap busybox-static kmod e2fsprogs curl bsdutils \
	libncurses-dev libncursesw6 prometheus prometheus-node-exporter tmux time \
	dpkg-dev debhelper lintian fakeroot git \
	libmnl-dev libnftnl-dev libnftables-dev nftables dnsmasq-base iputils-ping iptables iperf3 bash-completion

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing:" $$missing; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
		echo "make deps: all dependencies present"; \
	fi

check: deps
	$(MAKE) all
	tests/run

check-faults: deps
	$(MAKE) all
	PADDOCK_FAULTS=full TESTS='root/faults-sweep.sh' tests/run root

demo: deps
	$(MAKE) all
	tests/demo.sh

bench: deps
	$(MAKE) all
	tests/bench/run

# One first and one joining login under strace -f -T, then joining logins under uprobes
# on the module's steps (where the time goes).
profile: deps
	$(MAKE) all
	tests/bench/profile

# make install: the file list and modes are documented in paddock(8) (INSTALLATION)
# and checked by tests/unit/install.sh.  The policy is never overwritten.
install: $(B)/pam_paddock.so $(B)/paddock $(B)/paddock-net
	install -d -m 0755 $(DESTDIR)$(PAMDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(PAMCONFDIR) \
		$(DESTDIR)$(SYSCONFDIR)/security $(DESTDIR)$(SYSCONFDIR)/security/paddock.d \
		$(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 $(B)/pam_paddock.so $(DESTDIR)$(PAMDIR)/pam_paddock.so
	install -m 0755 $(B)/paddock $(DESTDIR)$(SBINDIR)/paddock
	install -m 0755 $(B)/paddock-net $(DESTDIR)$(SBINDIR)/paddock-net
	ln -sfn paddock $(DESTDIR)$(SBINDIR)/paddock-shell
	install -m 0644 man/paddock.8 man/pam_paddock.8 $(DESTDIR)$(MANDIR)/man8/
	ln -sfn paddock.8 $(DESTDIR)$(MANDIR)/man8/paddock-shell.8
	install -m 0644 man/paddock.conf.5 $(DESTDIR)$(MANDIR)/man5/paddock.conf.5
	install -m 0644 conf/pam-configs/paddock $(DESTDIR)$(PAMCONFDIR)/paddock
	install -m 0644 shell/paddock.bash-completion $(DESTDIR)$(BASHCOMPDIR)/paddock
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/security/paddock.conf ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/security/paddock.conf"; \
	else \
		install -m 0644 conf/paddock.conf $(DESTDIR)$(SYSCONFDIR)/security/paddock.conf; \
	fi
	@echo "installed; to enable (Debian): paddock check --system && pam-auth-update --enable paddock"

# The live PAM stacks must stop naming the module before it goes (a stack with a
# missing "required" module denies every login).
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -f $(PAMCONFDIR)/paddock ] && command -v pam-auth-update >/dev/null; then \
		echo "pam-auth-update --package --remove paddock"; \
		pam-auth-update --package --remove paddock; \
	fi
	rm -f $(DESTDIR)$(PAMDIR)/pam_paddock.so $(DESTDIR)$(SBINDIR)/paddock \
		$(DESTDIR)$(SBINDIR)/paddock-shell $(DESTDIR)$(SBINDIR)/paddock-net \
		$(DESTDIR)$(PAMCONFDIR)/paddock \
		$(DESTDIR)$(MANDIR)/man5/paddock.conf.5 $(DESTDIR)$(MANDIR)/man8/paddock.8 \
		$(DESTDIR)$(MANDIR)/man8/pam_paddock.8 $(DESTDIR)$(MANDIR)/man8/paddock-shell.8 \
		$(DESTDIR)$(BASHCOMPDIR)/paddock
	@echo "left $(DESTDIR)$(SYSCONFDIR)/security/paddock.conf and paddock.d/ in place (your policy)"

# make deb: the Debian package, built by dpkg-buildpackage -b in a copy of the tree
# under build/deb/ (dpkg-buildpackage writes its results beside the source tree, and
# debhelper its work files into debian/: neither may land in this checkout).  The
# .deb (and -dbgsym), .buildinfo and .changes files are left in build/deb/; a make deb
# with nothing changed since does nothing (the VM tier and tests/unit/install.sh use it).
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE := build/deb/paddock_$(VERSION)_$(DEB_ARCH).deb
DEB_SRC  := build/deb/paddock-$(VERSION)
DEB_INPUTS := $(wildcard Makefile LICENSE debian/* debian/source/* conf/*.[ch] conf/paddock.conf \
	conf/pam-configs/* pam_module/*.[ch] pam_module/*.map shell/*.[ch] man/*.[58])
deb: $(DEB_FILE)

$(DEB_FILE): $(DEB_INPUTS)
	@test "$$(sed -n '1s/^paddock (\([^)]*\)).*/\1/p' debian/changelog)" = "$(VERSION)" || \
		{ echo "make deb: debian/changelog's top entry is not version $(VERSION)"; exit 1; }
	rm -rf build/deb
	mkdir -p $(DEB_SRC)
	tar --exclude=./build --exclude=./.git -cf - . | tar -C $(DEB_SRC) -xf -
	cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc
	rm -rf $(DEB_SRC)
	@ls build/deb/*.deb

$(B)/fuzz-policy: tests/fuzz/fuzz-policy.c $(CONF_SRC) $(wildcard conf/*.h)
	@mkdir -p $(B)
	clang -std=gnu17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ tests/fuzz/fuzz-policy.c $(CONF_SRC) $(LIBS_CONF)

fuzz: $(B)/fuzz-policy
	@mkdir -p $(B)/fuzz-corpus
	cp -f tests/fuzz/corpus/* $(B)/fuzz-corpus/ 2>/dev/null || true
	$(B)/fuzz-policy -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -detect_leaks=1 \
		-dict=tests/fuzz/policy.dict $(B)/fuzz-corpus

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint: man-lint
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem --inline-suppr -I conf -I pam_module \
		conf pam_module shell
	@for f in $$(git ls-files '*.c' '*.h'); do \
		clang-format --dry-run --Werror "$$f" >/dev/null 2>&1 || { echo "lint: $$f is not clang-formatted (make format)"; exit 1; }; \
	done

man-lint:
	@for m in man/*.[0-9]; do \
		out=$$(mandoc -Tlint -W warning "$$m" 2>&1); \
		if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	done

clean:
	rm -rf $(B)
