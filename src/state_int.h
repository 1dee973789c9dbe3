/*-------------------------------------------------------------------------
 *
 * state_int.h
 *	  The shared memory struct of the cluster state: private to state.c and
 *	  startup.c.  Every other module goes through state.h.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_STATE_INT_H
#define READONLY_GUARD_STATE_INT_H

#include "storage/lwlock.h"

#include "state.h"
#include "statefile.h"

/* a start-up message that waits for the logging collector (startup.c) */
#define ROG_MAX_STARTUP_REPORTS	4
typedef struct RogStartupReport
{
	int			elevel;
	int			sqlerrcode;
	char		message[256];
	char		detail[512];
	char		hint[256];
} RogStartupReport;

typedef struct RogSharedState
{
	pg_atomic_uint32 word;		/* flags and change counter, read lock-free */
	pg_atomic_uint32 settings_generation;	/* bumped by ALTER ... SET
											 * readonly_guard.* */
	pg_atomic_uint32 postmaster_enabled;	/* readonly_guard.enabled in the
											 * server's configuration */
	pg_atomic_uint64 expires_at;	/* when the mode lifts itself; valid
									 * while ROG_WORD_EXPIRES is set */
	pg_atomic_uint64 refused_total[ROG_NUM_STAT_CLASSES];
	pg_atomic_uint64 refused_since_enabled[ROG_NUM_STAT_CLASSES];
	pg_atomic_uint64 stats_reset;	/* TimestampTz of the last reset */

	/* everything below is protected by lock */
	LWLock	   *lock;
	TimestampTz enabled_at;		/* when the mode began */
	XLogRecPtr	lsn;			/* WAL insert position when it took effect */
	TransactionId cutoff_xid;	/* transactions below this one predate it */
	TimestampTz cutoff_time;	/* so does work begun before this */
	NameData	enabled_by;		/* role that enabled it */
	int			reason_encoding;	/* database encoding the reason came in */
	int			reason_len;		/* -1 when there is no reason */
	char		reason[ROG_REASON_MAXLEN + 1];
	int			drainers;		/* rog_enable() calls currently draining */
	TimeLineID	tli;			/* timeline the flag belongs to */
	TimeLineID	set_tli;		/* timeline rog_enable() ran on */
	TimeLineID	lsn_tli;		/* timeline of lsn */
	int			armed_in_recovery;	/* rog_enable() ran on a standby */
	int			num_startup_reports;
	RogStartupReport startup_reports[ROG_MAX_STARTUP_REPORTS];
} RogSharedState;

ROG_HIDDEN_BEGIN

extern RogSharedState *rog_shared;

/* state.c */
extern void rog_change_word(uint32 set, uint32 clear);
extern void rog_state_to_file(RogStateFile *file);
extern void rog_state_from_file(const RogStateFile *file);

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_STATE_INT_H */
