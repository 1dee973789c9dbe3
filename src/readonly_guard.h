/*-------------------------------------------------------------------------
 *
 * readonly_guard.h
 *	  What every module of readonly_guard shares, and the module map.
 *
 * Module map, from the top layer down.  A file calls and includes only files
 * of its own layer or below, with no cycle (core's hooks and callbacks call
 * in from above, of course); tools/check-layers.py reads this map and
 * checks it.
 *
 *	entry		readonly_guard.c	_PG_init: GUCs, shared memory hooks, the
 *									other hooks, the worker; wires the
 *									modules together
 *
 *	SQL-API		functions.c		rog_enable(), rog_disable(), rog_status(),
 *				functions.h		rog_stats() ...
 *				lag.c			rog_follower_lag(), rog_wait_for_catchup()
 *
 *	guard		guard.c			the hooks and their installation; guard.h
 *								is what the layers above may call
 *				guard.h
 *				guard_int.h		the guard's private header: the
 *								per-statement check and its caches, the
 *								transaction's flags (read this first)
 *				xact.c			the backend's view of the mode (the copies
 *								of the state word), the transaction's flags
 *								and read-only mark, the transaction
 *								callbacks, the commit judge
 *				report.c		the refusal: error, detail, hint; the
 *								explanation of core's own refusals
 *				classify.c		what a utility statement or a plan does
 *				writers.c		which functions write without the executor
 *				objects.c		is a catalog object temporary, or one
 *								that a statement names
 *				judge.c			what a transaction changed, from the locks
 *								and files it holds
 *
 *	cluster		drain.c			the drain of rog_enable()
 *				drain.h
 *				settings.c		readonly_guard.enabled from ALTER
 *				settings.h		DATABASE/ROLE, live; exempt roles
 *				notify.c		NOTIFY readonly_guard
 *				notify.h
 *				worker.c		background worker: start-up reports,
 *				worker.h		promotion
 *
 *	state		startup.c		the state at start-up and after a promotion
 *				state.c			shared memory: the state word, the cluster
 *				state.h			flag, its changes, counters; the struct is
 *				state_int.h		private to state.c and startup.c
 *				statefile.c		the state file: format, durable write, read
 *				statefile.h
 *
 *	common		readonly_guard.h	this map, what every module shares
 *				compat.h		every difference between PostgreSQL versions
 *
 * Where a change goes: a new writer function, writers.c; a new utility
 * statement, classify.c (rog_classify_utility()); a new SQL function,
 * functions.c or lag.c and the SQL scripts; a new field of the cluster
 * state, state.c, statefile.c (a new file version) and rog_status().
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_H
#define READONLY_GUARD_H

#include "compat.h"

/*
 * Declarations between ROG_HIDDEN_BEGIN and ROG_HIDDEN_END do not leave the
 * shared library: the per-statement check reaches these variables directly
 * instead of through the GOT.  Every header of the modules uses them.
 */
#if defined(__GNUC__) || defined(__clang__)
#define ROG_HIDDEN_BEGIN	_Pragma("GCC visibility push(hidden)")
#define ROG_HIDDEN_END		_Pragma("GCC visibility pop")
#else
#define ROG_HIDDEN_BEGIN
#define ROG_HIDDEN_END
#endif

/* ROG_VERSION comes from default_version in the control file (Makefile) */
#ifndef ROG_VERSION
#error "ROG_VERSION must be defined by the Makefile"
#endif

#define ROG_REASON_MAXLEN		1024	/* bytes, without the terminator */

/* the longest wait we accept: a hundred years is "forever" */
#define ROG_MAX_TIMEOUT_MS		((int64) 100 * 366 * 24 * 3600 * 1000)

/* statement classes for the refusal counters (rog_stats()) */
typedef enum RogStatClass
{
	ROG_STAT_WRITE,				/* INSERT, UPDATE, DELETE, MERGE */
	ROG_STAT_ROW_LOCK,			/* SELECT FOR UPDATE/SHARE */
	ROG_STAT_DDL,				/* other utility statements */
	ROG_STAT_COPY,				/* COPY FROM */
	ROG_STAT_LOCK,				/* LOCK TABLE above ROW EXCLUSIVE */
	ROG_STAT_MAINTENANCE,		/* VACUUM, ANALYZE, CLUSTER, REINDEX */
	ROG_STAT_FUNCTION,			/* nextval(), setval(), large objects */
	ROG_STAT_COMMIT,			/* COMMIT, PREPARE, COMMIT PREPARED */
	ROG_NUM_STAT_CLASSES
} RogStatClass;

#endif							/* READONLY_GUARD_H */
