/*-------------------------------------------------------------------------
 *
 * readonly_guard.h
 *	  Declarations shared by the modules of readonly_guard.
 *
 * The extension is split by concern:
 *	  readonly_guard.c	module entry point: GUCs, hook installation
 *	  state.c			cluster-wide state in shared memory and its state file
 *	  guard.c			the hooks that refuse writes and the error they raise
 *	  settings.c		readonly_guard.enabled from ALTER DATABASE/ROLE, live
 *	  functions.c		SQL-callable functions (rog_enable, rog_status, ...)
 *	  lag.c				follower catch-up: rog_follower_lag(), rog_wait_for_catchup()
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_H
#define READONLY_GUARD_H

#include "access/transam.h"
#include "access/xlogdefs.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "port/atomics.h"
#include "storage/lwlock.h"
#include "utils/guc.h"

#include "compat.h"

/*
 * Nothing declared below leaves the shared library: the per-statement check
 * then reaches these variables directly instead of through the GOT.
 */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(hidden)
#define ROG_VISIBILITY_PUSHED
#endif

#define ROG_VERSION				"1.2"	/* = default_version in the control file */
#define ROG_REASON_MAXLEN		1024	/* bytes, without the terminator */
#define ROG_STATE_FILE			"readonly_guard.state"

/* the longest wait we accept: a hundred years is "forever" */
#define ROG_MAX_TIMEOUT_MS		((int64) 100 * 366 * 24 * 3600 * 1000)

/*
 * Bits of RogSharedState.word, the only thing the per-statement check reads.
 * The bits above the flags count changes, so that a backend can tell with a
 * single comparison that nothing changed since it last looked.
 */
#define ROG_WORD_ENABLED		0x1u	/* cluster-wide read-only mode is on */
#define ROG_WORD_DRAINING		0x2u	/* writers that predate it may commit */
#define ROG_WORD_EXPIRES		0x4u	/* ...until expires_at */
#define ROG_WORD_RECOVERY		0x8u	/* started in recovery, end not seen */
#define ROG_WORD_ANNOUNCE		0x10u	/* an expiry no NOTIFY has announced */
#define ROG_WORD_CHANGE			0x20u	/* one step of the change counter */

/* a word with any of these needs a look at every statement (rog_read_only()) */
#define ROG_WORD_WATCH			(ROG_WORD_EXPIRES | ROG_WORD_RECOVERY | \
								 ROG_WORD_ANNOUNCE)

/*
 * EXPIRES is never set without ENABLED, so the word never holds this value:
 * rog_quiet_word is set to it to mean "look again".
 */
#define ROG_WORD_IMPOSSIBLE		ROG_WORD_EXPIRES

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

/* a start-up message that waits for the logging collector (state.c) */
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

/* a copy of the cluster state, for reporting */
typedef struct RogClusterState
{
	bool		enabled;
	bool		draining;
	TimestampTz enabled_at;
	TimestampTz expires_at;		/* 0 if it does not expire */
	XLogRecPtr	lsn;
	NameData	enabled_by;
	char	   *reason;			/* palloc'd, converted; NULL if none */
	TimeLineID	set_tli;		/* timeline rog_enable() ran on; 0: unknown */
	TimeLineID	lsn_tli;		/* timeline of lsn */
	TimeLineID	current_tli;	/* this server's timeline now */
	bool		armed_in_recovery;	/* rog_enable() ran on a standby */
	bool		before_promotion;	/* enabled on an earlier timeline */
} RogClusterState;

/* readonly_guard.c: GUCs */
extern bool rog_setting_enabled;
extern char *rog_message;
extern char *rog_exempt_roles;
extern bool rog_allow_maintenance;

/* settings.c */
extern bool rog_session_read_only;
extern void rog_find_guc_record(void);
extern void rog_assign_enabled(bool newval, void *extra);
extern void rog_publish_postmaster_value(void);
extern bool rog_refresh_session(void);
extern const char *rog_session_source(void);
extern bool rog_database_setting_on(void);
extern char *rog_database_message(void);
extern const char *rog_session_message(void);
extern bool rog_check_exempt_roles(char **newval, void **extra, GucSource source);
extern bool rog_session_exempt(void);

/* state.c */
extern RogSharedState *rog_shared;
extern uint32 rog_seen_word;

extern void rog_install_shmem_hooks(void);
extern void rog_notice_change(uint32 word);
extern uint32 rog_notice_expiry_or_promotion(uint32 word);
extern void rog_get_cluster_state(RogClusterState *state);
extern bool rog_set_cluster_enabled(const char *reason, TimestampTz expires_at,
									TransactionId *cutoff,
									TimestampTz *cutoff_time);
extern bool rog_set_cluster_disabled(void);
extern void rog_set_lsn(XLogRecPtr lsn, bool turned_on);
extern void rog_drain(TransactionId cutoff, TimestampTz cutoff_time,
					  int64 timeout_ms);
extern bool rog_drain_permits(TransactionId xid, TimestampTz since);
extern void rog_end_drain(void);

/* drain.c */
extern Size rog_drain_shmem_size(void);
extern void rog_drain_shmem_init(void);
extern void rog_drain_note_admin_call(void);
extern void rog_explain_drain_signal(ErrorData *edata);
extern XLogRecPtr rog_current_lsn(void);
extern void rog_count_refusal(RogStatClass class);
extern void rog_expiry_announced(void);
extern void rog_settings_changed(void);
extern void rog_reset_stats(void);
extern TimeLineID rog_current_timeline(void);
extern void rog_check_flag_timeline(void);
extern void rog_notice_promotion(void);
extern void rog_log_startup_reports(void);

/* worker.c */
extern void rog_register_worker(void);

/*
 * Is read-only mode in force for this backend?  One atomic read and a
 * comparison with the value seen last time.  The hooks call it only when
 * the word differs from rog_quiet_word, the last value for which this
 * backend found nothing to do (see guard.c).
 */
static inline bool
rog_read_only(void)
{
	uint32		word = pg_atomic_read_u32(&rog_shared->word);

	if (unlikely(word != rog_seen_word))
		rog_notice_change(word);
	if (unlikely(word & ROG_WORD_WATCH))
		word = rog_notice_expiry_or_promotion(word);
	return (word & ROG_WORD_ENABLED) != 0 || rog_session_read_only;
}

/* guard.c */
extern uint32 rog_quiet_word;
extern uint32 rog_settled_word;

/* Make every hook look at the state again at its next call. */
static inline void
rog_spoil_quiet_word(void)
{
	rog_quiet_word = ROG_WORD_IMPOSSIBLE;
	rog_settled_word = ROG_WORD_IMPOSSIBLE;
}

extern void rog_install_hooks(void);
extern void rog_announce_expiry(void);
extern void rog_mark_transaction_read_only(void);
extern void rog_refuse_if_transaction_wrote(void);
extern void rog_transaction_sees_change(bool is_on);
extern const char *rog_source_name(void);

/* judge.c */
extern void rog_note_temp_relation_dropped(Oid relid);
extern const char *rog_protected_change(bool allow_relations);

/* functions.c */
extern void rog_require_preload(void);
extern bool rog_notify_state_change(void);
extern int64 rog_interval_arg_ms(FunctionCallInfo fcinfo, int argno,
								 const char *name, const char *null_hint);

#ifdef ROG_VISIBILITY_PUSHED
#pragma GCC visibility pop
#endif

#endif							/* READONLY_GUARD_H */
