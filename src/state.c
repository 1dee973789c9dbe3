/*-------------------------------------------------------------------------
 *
 * state.c
 *	  Cluster-wide read-only state in shared memory: the state word, the
 *	  cluster flag and its changes, the drain's shared part, the counters.
 *
 * The state lives in a small shared memory struct (state_int.h), private to
 * this module and startup.c.  Backends look at one pg_atomic_uint32 per
 * statement, the state word (rog_state_word() in state.h); the rest
 * (reason, who, when, LSN) is protected by an LWLock and read only when
 * reporting or refusing.  Every change is written to the state file
 * (statefile.c) before it is published here.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "common/string.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "state_int.h"

#define ROG_STATE_UNCHANGED	"The read-only state was not changed."

RogSharedState *rog_shared = NULL;
pg_atomic_uint32 *rog_state_word_ptr = NULL;

/*
 * readonly_guard.enabled in the server's configuration, as the postmaster
 * last set it (rog_state_set_postmaster_enabled()), for the shared memory
 * it makes.
 */
static bool postmaster_enabled = false;

/* ---- shared memory ---- */

Size
rog_state_shmem_size(void)
{
	return MAXALIGN(sizeof(RogSharedState));
}

/* Call from the shmem_request_hook: the lock's tranche. */
void
rog_state_shmem_request(void)
{
	RequestNamedLWLockTranche("readonly_guard", 1);
}

/*
 * Attach to the shared state, making it if it does not exist yet.  Call
 * from the shmem_startup_hook, holding AddinShmemInitLock.  Returns true if
 * this call made it: then the caller loads it (rog_state_load()).
 */
bool
rog_state_shmem_init(void)
{
	bool		found;
	int			i;

	rog_shared = ShmemInitStruct("readonly_guard", sizeof(RogSharedState), &found);
	rog_state_word_ptr = &rog_shared->word;
	if (found)
		return false;

	memset(rog_shared, 0, sizeof(RogSharedState));
	rog_shared->lock = &(GetNamedLWLockTranche("readonly_guard"))->lock;
	pg_atomic_init_u32(&rog_shared->word, 0);
	pg_atomic_init_u32(&rog_shared->settings_generation, 0);
	pg_atomic_init_u32(&rog_shared->postmaster_enabled, postmaster_enabled ? 1 : 0);
	pg_atomic_init_u64(&rog_shared->expires_at, 0);
	for (i = 0; i < ROG_NUM_STAT_CLASSES; i++)
	{
		pg_atomic_init_u64(&rog_shared->refused_total[i], 0);
		pg_atomic_init_u64(&rog_shared->refused_since_enabled[i], 0);
	}
	pg_atomic_init_u64(&rog_shared->stats_reset, (uint64) GetCurrentTimestamp());
	rog_shared->reason_len = -1;
	rog_shared->cutoff_xid = InvalidTransactionId;
	return true;
}

/* Is the shared state there (the library was preloaded)? */
bool
rog_state_attached(void)
{
	return rog_shared != NULL;
}

/* Does this process hold the state's lock (an error raised under it)? */
bool
rog_state_lock_held_by_me(void)
{
	return rog_shared != NULL && LWLockHeldByMe(rog_shared->lock);
}

/* ---- the state file's image ---- */

/* Fill *file from shared memory; caller holds the lock. */
void
rog_state_to_file(RogStateFile *file)
{
	memset(file, 0, sizeof(RogStateFile));
	file->magic = ROG_STATE_MAGIC;
	file->version = ROG_STATE_VERSION;
	file->enabled = rog_cluster_enabled();
	file->reason_encoding = rog_shared->reason_encoding;
	file->enabled_at = rog_shared->enabled_at;
	file->lsn = rog_shared->lsn;
	file->enabled_by = rog_shared->enabled_by;
	file->reason_len = rog_shared->reason_len;
	if (rog_shared->reason_len > 0)
		memcpy(file->reason, rog_shared->reason, rog_shared->reason_len);
	file->expires_at = (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_EXPIRES) ?
		(TimestampTz) pg_atomic_read_u64(&rog_shared->expires_at) : 0;
	file->tli = rog_shared->tli;
	file->set_tli = rog_shared->set_tli;
	file->lsn_tli = rog_shared->lsn_tli;
	file->armed_in_recovery = rog_shared->armed_in_recovery;
}

/* Publish what *file says (but the flag and expiry); caller holds the lock. */
void
rog_state_from_file(const RogStateFile *file)
{
	rog_shared->enabled_at = file->enabled_at;
	rog_shared->lsn = file->lsn;
	rog_shared->enabled_by = file->enabled_by;
	rog_shared->reason_encoding = file->reason_encoding;
	rog_shared->reason_len = file->reason_len;
	memcpy(rog_shared->reason, file->reason, sizeof(rog_shared->reason));
	rog_shared->tli = file->tli;
	rog_shared->set_tli = file->set_tli;
	rog_shared->lsn_tli = file->lsn_tli;
	rog_shared->armed_in_recovery = file->armed_in_recovery;
}

/* ---- the word ---- */

/*
 * Set and clear flag bits and count one change.  Atomic by itself; callers
 * that change other shared fields with it hold the lock.
 */
void
rog_change_word(uint32 set, uint32 clear)
{
	uint32		old = pg_atomic_read_u32(&rog_shared->word);

	while (!pg_atomic_compare_exchange_u32(&rog_shared->word, &old,
										   ((old | set) & ~clear) + ROG_WORD_CHANGE))
		;
}

/*
 * The timeline this server is on: the one it writes WAL on, or, in
 * recovery, the one it replays.
 */
TimeLineID
rog_current_timeline(void)
{
	TimeLineID	tli;

	if (!RecoveryInProgress())
		return GetWALInsertionTimeLine();
	(void) GetXLogReplayRecPtr(&tli);
	return tli;
}

/*
 * Has timed read-only mode run out by the start of this statement?  Then
 * lift it: the backend that clears the flag logs it and notifies.  The state
 * file keeps expires_at, so the mode does not come back after a restart.
 */
void
rog_state_expire_if_due(void)
{
	TimestampTz now = GetCurrentStatementStartTimestamp();
	TimestampTz expires_at;
	uint32		word;

	pg_read_barrier();
	expires_at = (TimestampTz) pg_atomic_read_u64(&rog_shared->expires_at);
	if (now < expires_at)
		return;

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	word = pg_atomic_read_u32(&rog_shared->word);
	expires_at = (TimestampTz) pg_atomic_read_u64(&rog_shared->expires_at);
	if ((word & ROG_WORD_EXPIRES) == 0 || now < expires_at)
	{
		LWLockRelease(rog_shared->lock);
		return;
	}
	/* ANNOUNCE: sessions notify until one of them commits (see xact.c) */
	rog_change_word(ROG_WORD_ANNOUNCE, ROG_WORD_ENABLED | ROG_WORD_EXPIRES);
	rog_shared->cutoff_xid = InvalidTransactionId;
	LWLockRelease(rog_shared->lock);

	ereport(LOG,
			(errmsg("read-only mode of the cluster expired at %s",
					timestamptz_to_str(expires_at))));
}

/* A transaction that announced the expiry committed: the others may stop. */
void
rog_state_clear_announce(void)
{
	if (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ANNOUNCE)
		rog_change_word(0, ROG_WORD_ANNOUNCE);
}

/*
 * pg_db_role_setting changed (a commit of ALTER DATABASE/ROLE SET
 * readonly_guard.*, a promotion): every session re-reads it at its next
 * statement.  The generation goes first: a backend that sees the new word
 * must also see the new generation (rog_refresh_session()).
 */
void
rog_settings_changed(void)
{
	pg_atomic_fetch_add_u32(&rog_shared->settings_generation, 1);
	pg_atomic_fetch_add_u32(&rog_shared->word, ROG_WORD_CHANGE);
}

/* The count of changes of readonly_guard.* settings (rog_settings_changed()). */
uint32
rog_state_settings_generation(void)
{
	return pg_atomic_read_u32(&rog_shared->settings_generation);
}

/*
 * readonly_guard.enabled in the server's configuration changed (in the
 * postmaster, before or after it made the shared memory).  Sessions whose
 * value came from a database or role setting that has since been removed
 * fall back to this one: count a change so that they recompute at their
 * next statement.
 */
void
rog_state_set_postmaster_enabled(bool enabled)
{
	postmaster_enabled = enabled;
	if (rog_shared == NULL)
		return;
	pg_atomic_write_u32(&rog_shared->postmaster_enabled, enabled ? 1 : 0);
	pg_atomic_fetch_add_u32(&rog_shared->word, ROG_WORD_CHANGE);
}

bool
rog_state_postmaster_enabled(void)
{
	return pg_atomic_read_u32(&rog_shared->postmaster_enabled) != 0;
}

/* ---- refusal counters ---- */

void
rog_count_refusal(RogStatClass class)
{
	pg_atomic_fetch_add_u64(&rog_shared->refused_total[class], 1);
	pg_atomic_fetch_add_u64(&rog_shared->refused_since_enabled[class], 1);
}

static void
rog_reset_counters(pg_atomic_uint64 *counters)
{
	int			i;

	for (i = 0; i < ROG_NUM_STAT_CLASSES; i++)
		pg_atomic_write_u64(&counters[i], 0);
}

void
rog_reset_stats(void)
{
	rog_reset_counters(rog_shared->refused_total);
	rog_reset_counters(rog_shared->refused_since_enabled);
	pg_atomic_write_u64(&rog_shared->stats_reset, (uint64) GetCurrentTimestamp());
}

/*
 * Read the counters into since_enabled[] and total[] (ROG_NUM_STAT_CLASSES
 * each); returns when they were last reset.
 */
TimestampTz
rog_read_stats(uint64 *since_enabled, uint64 *total)
{
	int			i;

	for (i = 0; i < ROG_NUM_STAT_CLASSES; i++)
	{
		since_enabled[i] = pg_atomic_read_u64(&rog_shared->refused_since_enabled[i]);
		total[i] = pg_atomic_read_u64(&rog_shared->refused_total[i]);
	}
	return (TimestampTz) pg_atomic_read_u64(&rog_shared->stats_reset);
}

/* ---- reading ---- */

/* The reason, made safe to show in the current database's encoding. */
static char *
rog_reason_for_display(void)
{
	char	   *reason;

	if (rog_shared->reason_len < 0)
		return NULL;
	reason = pnstrdup(rog_shared->reason, rog_shared->reason_len);
	if (rog_shared->reason_encoding != GetDatabaseEncoding() && !pg_is_ascii(reason))
	{
		char	   *p;

		for (p = reason; *p; p++)
			if (IS_HIGHBIT_SET(*p))
				*p = '?';
	}
	return reason;
}

void
rog_get_cluster_state(RogClusterState *state)
{
	uint32		word;

	LWLockAcquire(rog_shared->lock, LW_SHARED);
	word = pg_atomic_read_u32(&rog_shared->word);
	state->enabled = (word & ROG_WORD_ENABLED) != 0;
	state->draining = (word & ROG_WORD_DRAINING) != 0;
	state->enabled_at = rog_shared->enabled_at;
	state->lsn = rog_shared->lsn;
	state->enabled_by = rog_shared->enabled_by;
	state->reason = state->enabled ? rog_reason_for_display() : NULL;
	state->expires_at = (word & ROG_WORD_EXPIRES) ?
		(TimestampTz) pg_atomic_read_u64(&rog_shared->expires_at) : 0;
	state->set_tli = rog_shared->set_tli;
	state->lsn_tli = rog_shared->lsn_tli;
	state->armed_in_recovery = rog_shared->armed_in_recovery != 0;
	LWLockRelease(rog_shared->lock);
	state->current_tli = rog_current_timeline();
	state->before_promotion = state->enabled && state->set_tli != 0 &&
		state->set_tli != state->current_tli;
}

XLogRecPtr
rog_current_lsn(void)
{
	if (RecoveryInProgress())
		return GetXLogReplayRecPtr(NULL);
	return GetXLogInsertRecPtr();
}

/* ---- changing ---- */


/*
 * The state file's image of the state with the flag on (again): the
 * present state, with who and when if it was off, and the reason and expiry
 * given.  Caller holds the lock.
 */
static void
rog_enabled_image(RogStateFile *file, const char *reason,
				  TimestampTz expires_at, bool was_enabled)
{
	rog_state_to_file(file);
	file->enabled = 1;
	if (!was_enabled)
	{
		file->enabled_at = GetCurrentTimestamp();
		/* not known until the drain is over: see rog_set_lsn() */
		file->lsn = InvalidXLogRecPtr;
		namestrcpy(&file->enabled_by, GetUserNameFromId(GetUserId(), false));
		file->reason_len = -1;
		memset(file->reason, 0, sizeof(file->reason));
	}
	if (reason != NULL)
	{
		file->reason_len = strlen(reason);
		Assert(file->reason_len <= ROG_REASON_MAXLEN);
		memset(file->reason, 0, sizeof(file->reason));
		memcpy(file->reason, reason, file->reason_len);
		file->reason_encoding = GetDatabaseEncoding();
	}
	file->expires_at = expires_at;
	/* this call, on or again, makes the flag this server's, as it is now */
	file->tli = file->set_tli = rog_current_timeline();
	file->armed_in_recovery = RecoveryInProgress();
}

/*
 * Turn the cluster flag on, or update the reason if it is on already.
 * Returns true if this call turned it on.  *cutoff receives the first
 * transaction ID that does not predate the mode, and the caller becomes a
 * drainer: it must call rog_drain() next.
 */
bool
rog_set_cluster_enabled(const char *reason, TimestampTz expires_at,
						TransactionId *cutoff, TimestampTz *cutoff_time)
{
	RogStateFile file;
	bool		was_enabled;

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	was_enabled = rog_cluster_enabled();

	rog_enabled_image(&file, reason, expires_at, was_enabled);

	/* durable first; an error here leaves memory and disk unchanged */
	rog_write_state_file(&file, ROG_STATE_UNCHANGED);

	rog_state_from_file(&file);

	/* the expiry first: the word below publishes it */
	pg_atomic_write_u64(&rog_shared->expires_at, (uint64) expires_at);
	if (!was_enabled)
	{
		rog_reset_counters(rog_shared->refused_since_enabled);

		/*
		 * Refuse new writes first, then note the next transaction ID: any
		 * transaction holding an older one may have written before the
		 * refusal could reach it, so it belongs to the drain.
		 */
		rog_change_word(ROG_WORD_ENABLED | (expires_at != 0 ? ROG_WORD_EXPIRES : 0),
						ROG_WORD_ANNOUNCE);
		pg_memory_barrier();
		rog_shared->cutoff_xid = XidFromFullTransactionId(ReadNextFullTransactionId());
		rog_shared->cutoff_time = GetCurrentTimestamp();
	}
	rog_shared->drainers++;

	/*
	 * The drain window opens when the mode comes on, and closes when the
	 * first drainer's drain is over (rog_end_drain()): once any rog_enable()
	 * has returned, nothing from before the mode may commit.  A call that
	 * finds the mode on does not open it again.
	 */
	rog_change_word((was_enabled ? 0 : ROG_WORD_DRAINING) |
					(expires_at != 0 ? ROG_WORD_EXPIRES : 0),
					expires_at != 0 ? 0 : ROG_WORD_EXPIRES);
	*cutoff = rog_shared->cutoff_xid;
	*cutoff_time = rog_shared->cutoff_time;
	LWLockRelease(rog_shared->lock);

	return !was_enabled;
}

/*
 * Record the LSN at which the mode took effect, after the drain: by the
 * call that turned the mode on, or by a later rog_enable() if that call
 * never got there (it was cancelled or its backend died during the drain).
 */
void
rog_set_lsn(XLogRecPtr lsn, bool turned_on)
{
	RogStateFile file;

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	if (rog_cluster_enabled() &&
		(turned_on || XLogRecPtrIsInvalid(rog_shared->lsn)))
	{
		rog_state_to_file(&file);
		file.lsn = lsn;
		file.lsn_tli = rog_current_timeline();
		rog_write_state_file(&file,
							 "Read-only mode is on; the WAL position after the drain was not recorded.");
		rog_shared->lsn = lsn;
		rog_shared->lsn_tli = file.lsn_tli;
	}
	LWLockRelease(rog_shared->lock);
}

/* Turn the cluster flag off.  Returns true if it was on. */
bool
rog_set_cluster_disabled(void)
{
	RogStateFile file;

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	if (!rog_cluster_enabled())
	{
		LWLockRelease(rog_shared->lock);
		return false;
	}

	rog_state_to_file(&file);
	file.enabled = 0;
	rog_write_state_file(&file, ROG_STATE_UNCHANGED);

	rog_change_word(0, ROG_WORD_ENABLED | ROG_WORD_EXPIRES | ROG_WORD_ANNOUNCE);
	rog_shared->cutoff_xid = InvalidTransactionId;
	LWLockRelease(rog_shared->lock);
	return true;
}

/* ---- drain ---- */

/*
 * May a transaction holding xid (or none), doing work begun at since, still
 * write and commit?  Only while a drain is in progress, and only if it had
 * its XID or its work had begun before the mode did.
 */
bool
rog_drain_permits(TransactionId xid, TimestampTz since)
{
	bool		permits;

	LWLockAcquire(rog_shared->lock, LW_SHARED);
	permits = (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_DRAINING) != 0 &&
		((TransactionIdIsValid(xid) && TransactionIdIsNormal(rog_shared->cutoff_xid) &&
		  TransactionIdPrecedes(xid, rog_shared->cutoff_xid)) ||
		 since < rog_shared->cutoff_time);
	LWLockRelease(rog_shared->lock);
	return permits;
}

/* This backend's drain is over (rog_set_cluster_enabled() began it). */
void
rog_end_drain(void)
{
	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	Assert(rog_shared->drainers > 0);
	rog_shared->drainers--;
	if (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_DRAINING)
		rog_change_word(0, ROG_WORD_DRAINING);
	LWLockRelease(rog_shared->lock);
}
