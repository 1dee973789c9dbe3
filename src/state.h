/*-------------------------------------------------------------------------
 *
 * state.h
 *	  The cluster-wide read-only state in shared memory (state.c) and its
 *	  life across restarts and promotions (startup.c).
 *
 * The shared struct is private to state.c and startup.c (state_int.h).
 * Other modules read the state word through rog_state_word() and the rest
 * through the functions below.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_STATE_H
#define READONLY_GUARD_STATE_H

#include "access/transam.h"
#include "access/xlogdefs.h"
#include "datatype/timestamp.h"
#include "port/atomics.h"

#include "readonly_guard.h"

/*
 * Bits of the state word, the only thing the per-statement check reads.
 * The bits above the flags count changes, so that a backend can tell with a
 * single comparison that nothing changed since it last looked.
 */
#define ROG_WORD_ENABLED		0x1u	/* cluster-wide read-only mode is on */
#define ROG_WORD_DRAINING		0x2u	/* writers that predate it may commit */
#define ROG_WORD_EXPIRES		0x4u	/* ...until expires_at */
#define ROG_WORD_RECOVERY		0x8u	/* started in recovery, end not seen */
#define ROG_WORD_ANNOUNCE		0x10u	/* an expiry no NOTIFY has announced */
#define ROG_WORD_CHANGE			0x20u	/* one step of the change counter */

/* a word with any of these needs a look at every statement (guard_int.h) */
#define ROG_WORD_WATCH			(ROG_WORD_EXPIRES | ROG_WORD_RECOVERY | \
								 ROG_WORD_ANNOUNCE)

/*
 * EXPIRES is never set without ENABLED, so the state word never holds this
 * value: the one sentinel of the per-backend copies of the word, meaning
 * "look again" (guard_int.h).
 */
#define ROG_WORD_IMPOSSIBLE		ROG_WORD_EXPIRES

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

ROG_HIDDEN_BEGIN

/* the state word in shared memory; NULL until it is attached */
extern pg_atomic_uint32 *rog_state_word_ptr;

/* The state word: one atomic read. */
static inline uint32
rog_state_word(void)
{
	return pg_atomic_read_u32(rog_state_word_ptr);
}

/* Is the cluster flag on? */
static inline bool
rog_cluster_enabled(void)
{
	return (rog_state_word() & ROG_WORD_ENABLED) != 0;
}

/* state.c: shared memory */
extern Size rog_state_shmem_size(void);
extern void rog_state_shmem_request(void);
extern bool rog_state_shmem_init(void);
extern bool rog_state_attached(void);
extern bool rog_state_lock_held_by_me(void);

/* state.c: reading */
extern void rog_get_cluster_state(RogClusterState *state);
extern XLogRecPtr rog_current_lsn(void);
extern TimeLineID rog_current_timeline(void);

/* state.c: changing */
extern bool rog_set_cluster_enabled(const char *reason, TimestampTz expires_at,
									TransactionId *cutoff,
									TimestampTz *cutoff_time);
extern bool rog_set_cluster_disabled(void);
extern void rog_set_lsn(XLogRecPtr lsn, bool turned_on);
extern void rog_state_expire_if_due(void);
extern void rog_state_clear_announce(void);

/* state.c: the drain's shared part */
extern bool rog_drain_permits(TransactionId xid, TimestampTz since);
extern void rog_end_drain(void);

/* state.c: what session settings need */
extern void rog_settings_changed(void);
extern uint32 rog_state_settings_generation(void);
extern void rog_state_set_postmaster_enabled(bool enabled);
extern bool rog_state_postmaster_enabled(void);

/* state.c: refusal counters */
extern void rog_count_refusal(RogStatClass class);
extern void rog_reset_stats(void);
extern TimestampTz rog_read_stats(uint64 *since_enabled, uint64 *total);

/* startup.c */
extern void rog_state_load(void);
extern void rog_log_startup_reports(void);
extern void rog_state_notice_promotion(void);

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_STATE_H */
