# Makefile for readonly_guard (PGXS)

MODULE_big = readonly_guard
OBJS = \
	src/readonly_guard.o \
	src/statefile.o \
	src/state.o \
	src/startup.o \
	src/settings.o \
	src/drain.o \
	src/notify.o \
	src/worker.o \
	src/judge.o \
	src/objects.o \
	src/writers.o \
	src/classify.o \
	src/report.o \
	src/xact.o \
	src/guard.o \
	src/functions.o \
	src/lag.o

EXTENSION = readonly_guard
DATA = readonly_guard--1.0.sql readonly_guard--1.1.sql readonly_guard--1.2.sql \
	readonly_guard--1.0--1.1.sql readonly_guard--1.1--1.2.sql
PGFILEDESC = "readonly_guard - enforced cluster read-only mode"

# pg_regress runs these in this order, which is the order of their names:
# 00_setup creates the extension and the fixtures that 01 to 05 share (in
# this order; 05_errors drops them again); 10 and later need only the
# extension and bring their own fixtures (README "Adding a test").
REGRESS = 00_setup 01_upgrade 02_blocked 03_allowed 04_escape 05_errors \
	10_mode_options 11_bypass 12_fuzz 13_infinite 14_settled \
	15_readonly_cause 16_promise 18_setting_revert 19_setting_reach

ISOLATION = drain_commit drain_timeout drain_zero commit_after prepared_stmt twophase concurrent_enable db_setting notify settled_change inflight
ISOLATION_OPTS = --load-extension=readonly_guard

TAP_TESTS = 1

# the version the C code reports (rog_version()) is the control file's,
# found next to this Makefile (also in a VPATH build)
ROG_CONTROL := $(dir $(firstword $(MAKEFILE_LIST)))readonly_guard.control
ROG_VERSION := $(shell sed -n "s/^default_version *= *'\\(.*\\)'/\\1/p" $(ROG_CONTROL))
ifeq ($(ROG_VERSION),)
$(error no default_version in $(ROG_CONTROL))
endif
PG_CPPFLAGS += -DROG_VERSION='"$(ROG_VERSION)"'

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# tests of functions that exist only from some version on
ifeq ($(shell test $(MAJORVERSION) -ge 18 && echo yes),yes)
REGRESS += 17_writers_18
endif

# every module includes the headers of the modules it uses
$(OBJS): $(wildcard src/*.h) $(ROG_CONTROL)
