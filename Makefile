# Makefile for readonly_guard (PGXS)

MODULE_big = readonly_guard
OBJS = \
	src/readonly_guard.o \
	src/state.o \
	src/guard.o \
	src/settings.o \
	src/functions.o \
	src/lag.o \
	src/worker.o

EXTENSION = readonly_guard
DATA = readonly_guard--1.0.sql readonly_guard--1.1.sql readonly_guard--1.2.sql \
	readonly_guard--1.0--1.1.sql readonly_guard--1.1--1.2.sql
PGFILEDESC = "readonly_guard - enforced cluster read-only mode"

REGRESS = setup upgrade blocked allowed escape errors features bypass fuzz settled readonly_cause

ISOLATION = drain_commit drain_timeout drain_zero commit_after prepared_stmt twophase concurrent_enable db_setting notify settled_change
ISOLATION_OPTS = --load-extension=readonly_guard

TAP_TESTS = 1

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# every module includes the shared header
$(OBJS): src/readonly_guard.h
