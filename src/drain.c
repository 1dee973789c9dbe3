/*-------------------------------------------------------------------------
 *
 * drain.c
 *	  The drain of rog_enable(): the work that was under way when the mode
 *	  began may finish, for drain_timeout; then it is ended.
 *
 * Two kinds of work predate the mode: transactions that had taken a
 * transaction ID (they may have written already), and statements that were
 * running (they set up their plans, and may call writers, without the
 * mode's checks).  While rog_enable() drains, both may go on and commit
 * (rog_drain_permits()); it waits for the transactions on their transaction
 * locks, so pg_locks shows whom it waits for, and for the statements by
 * watching the backends' activity; at the timeout it ends the transactions'
 * backends and cancels the statements, and waits for both to be gone, and
 * for the commits it permitted to land.  When rog_enable() returns, nothing
 * that started before the mode is running or committing.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/pmsignal.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "access/twophase.h"
#include "utils/backend_status.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "drain.h"
#include "state.h"

/* how long one wait for a transaction may last, in milliseconds */
#define ROG_DRAIN_SLICE_MS		1000

/* how often a running statement is looked at again, in milliseconds */
#define ROG_STATEMENT_SLICE_MS	100

/* how long canceled statements may take to stop before their backend is ended */
#define ROG_CANCEL_GRACE_MS		5000
#define ROG_CANCEL_POLL_MS		5


/*
 * Per process (by PGPROC number): the start of the statement in which it
 * called rog_enable() or rog_disable().  The drain neither waits for nor
 * cancels such a statement, so concurrent callers do not block or end each
 * other.
 */
static pg_atomic_uint64 *rog_admin_statement = NULL;

/*
 * Per process: the signal the drain sent it (SIGINT, SIGTERM), 0 if none,
 * so that the error the signal causes there says why (rog_emit_log()).
 */
static pg_atomic_uint32 *rog_drain_signal = NULL;

/*
 * Per process: the transaction ID of the commit it asked the drain to
 * permit, published before the question, so that a drain ending after it
 * waits for that commit (slow after the pre-commit callback: ON COMMIT
 * actions, NOTIFY's lock) to land before rog_enable() returns.
 */
static pg_atomic_uint32 *rog_drained_commit = NULL;

static int
rog_process_slots(void)
{
	return MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts;
}

Size
rog_drain_shmem_size(void)
{
	return add_size(mul_size(rog_process_slots(), sizeof(pg_atomic_uint64)),
					mul_size(rog_process_slots(), 2 * sizeof(pg_atomic_uint32)));
}

void
rog_drain_shmem_init(void)
{
	bool		found;
	int			i;

	rog_admin_statement = ShmemInitStruct("readonly_guard drain",
										  rog_drain_shmem_size(), &found);
	rog_drain_signal = (pg_atomic_uint32 *) (rog_admin_statement + rog_process_slots());
	rog_drained_commit = rog_drain_signal + rog_process_slots();
	if (!found)
		for (i = 0; i < rog_process_slots(); i++)
		{
			pg_atomic_init_u64(&rog_admin_statement[i], 0);
			pg_atomic_init_u32(&rog_drain_signal[i], 0);
			pg_atomic_init_u32(&rog_drained_commit[i], InvalidTransactionId);
		}
}

/*
 * The error that a signal of the drain causes in its backend: a cancel
 * becomes a refusal of read-only mode (SQLSTATE 25006, so applications see
 * maintenance, not a user's cancel), and both say why.  Runs in the
 * backend that got the signal, for each message it emits (guard.c's
 * emit_log_hook).
 */
void
rog_explain_drain_signal(ErrorData *edata)
{
	uint32		signo;

	if (MyProc == NULL || rog_drain_signal == NULL || edata->elevel < ERROR ||
		(edata->sqlerrcode != ERRCODE_QUERY_CANCELED &&
		 edata->sqlerrcode != ERRCODE_ADMIN_SHUTDOWN))
		return;
	signo = pg_atomic_exchange_u32(&rog_drain_signal[ROG_PROCNO(MyProc)], 0);
	if (signo == SIGINT && edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
	{
		edata->sqlerrcode = ERRCODE_READ_ONLY_SQL_TRANSACTION;
		edata->message = pstrdup("canceling statement because read-only mode began");
		edata->detail = pstrdup("The statement was running when read-only mode of readonly_guard began and did not finish within the drain_timeout of rog_enable().");
		edata->hint = pstrdup("Run it again: reads work in read-only mode, writes once an administrator runs rog_disable().");
	}
	else if (signo == SIGTERM && edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
	{
		edata->detail = pstrdup("Read-only mode of readonly_guard began while this session's transaction or statement was under way, and it did not finish within the drain_timeout of rog_enable().");
		edata->hint = pstrdup("Connect again: reads work in read-only mode, writes once an administrator runs rog_disable().");
	}
}

/* Send signo to the backend pid, and tell it, first, that the drain did. */
static void
rog_signal_backend(int pid, int signo)
{
	PGPROC	   *proc = BackendPidGetProc(pid);

	if (proc != NULL)
		pg_atomic_write_u32(&rog_drain_signal[ROG_PROCNO(proc)], (uint32) signo);
	if (kill(pid, signo) != 0 && errno != ESRCH)
		ereport(WARNING,
				(errmsg("could not send signal to process %d: %m", pid)));
}

/*
 * The current statement calls rog_enable() or rog_disable() (calling true),
 * or the call failed (false).
 */
void
rog_drain_note_admin_call(bool calling)
{
	pg_atomic_write_u64(&rog_admin_statement[ROG_PROCNO(MyProc)],
						calling ? (uint64) GetCurrentStatementStartTimestamp() : 0);
}

static bool
rog_is_admin_statement(PGPROC *proc, PgBackendStatus *be)
{
	return (TimestampTz) pg_atomic_read_u64(&rog_admin_statement[ROG_PROCNO(proc)]) ==
		be->st_activity_start_timestamp;
}

/* ---- commits the drain permitted ---- */

/*
 * This backend is about to ask whether the drain permits the commit of
 * transaction xid, or (InvalidTransactionId) is done with that question.
 * The full barrier of the atomic exchange orders the note before the
 * question's read of the state word.
 */
void
rog_drain_note_commit(TransactionId xid)
{
	(void) pg_atomic_exchange_u32(&rog_drained_commit[ROG_PROCNO(MyProc)], xid);
}

/* The commits the drain was asked to permit still under way; how many. */
static int
rog_collect_drained_commits(TransactionId **xids)
{
	int			n = 0;
	int			i;

	*xids = palloc(sizeof(TransactionId) * rog_process_slots());
	pg_memory_barrier();
	for (i = 0; i < rog_process_slots(); i++)
	{
		TransactionId xid = pg_atomic_read_u32(&rog_drained_commit[i]);

		if (TransactionIdIsNormal(xid) && TransactionIdIsInProgress(xid))
			(*xids)[n++] = xid;
	}
	return n;
}

/* ---- transactions that had an XID ---- */

/* the drain of one rog_enable() call, for its error cleanup */
typedef struct RogDrain
{
	bool		ended;			/* rog_end_drain() was called */
	bool		done;			/* and all that follows it */
	TimestampTz cutoff_time;
} RogDrain;

static void rog_end_statements(TimestampTz cutoff_time, bool cleanup);
static int	rog_poll_drained_commits(bool terminate);

/*
 * Error cleanup (a cancel or statement_timeout of rog_enable()): end the
 * drain unless rog_drain() ended it already, let the commits it permitted
 * land, and end at once the statements from before the mode, as
 * drain_timeout 0 would, so that an interrupted call leaves nothing
 * unchecked running.  Interrupts are held: no second error here.
 */
static void
rog_end_drain_callback(int code, Datum arg)
{
	RogDrain   *drain = (RogDrain *) DatumGetPointer(arg);
	MemoryContext old;

	if (!drain->ended)
	{
		rog_end_drain();
		drain->ended = true;
	}
	if (drain->done || !rog_cluster_enabled() || RecoveryInProgress())
		return;
	HOLD_INTERRUPTS();
	old = MemoryContextSwitchTo(TopMemoryContext);
	ereport(LOG,
			(errmsg("rog_enable() was interrupted: ending at once the statements that were running when read-only mode began")));
	rog_end_statements(drain->cutoff_time, true);
	(void) rog_poll_drained_commits(true);
	MemoryContextSwitchTo(old);
	RESUME_INTERRUPTS();
}

/*
 * The transactions that hold an ID older than cutoff and belong to a live
 * backend (prepared transactions, whose PGPROC has no pid, are not waited
 * for).  A snapshot would not do: it does not list XIDs at or above its
 * xmax, and the newest writers are exactly those.
 */
static int
rog_collect_drain_set(TransactionId cutoff, TransactionId **xids)
{
	int			n = 0;
	uint32		i;

	*xids = palloc(sizeof(TransactionId) * ProcGlobal->allProcCount);
	LWLockAcquire(ProcArrayLock, LW_SHARED);
	for (i = 0; i < ProcGlobal->allProcCount; i++)
	{
		PGPROC	   *proc = &ProcGlobal->allProcs[i];
		TransactionId xid = proc->xid;

		if (proc->pid != 0 && proc != MyProc &&
			TransactionIdIsNormal(xid) && TransactionIdPrecedes(xid, cutoff))
			(*xids)[n++] = xid;
	}
	LWLockRelease(ProcArrayLock);
	return n;
}

/* Keep the transactions that are still running; returns how many. */
static int
rog_prune_drain_set(TransactionId *xids, int n)
{
	int			kept = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (TransactionIdIsValid(xids[i]) && TransactionIdIsInProgress(xids[i]))
			xids[kept++] = xids[i];
	return kept;
}

/* what rog_wait_with_timeout() waits on */
typedef void (*RogLockWait) (void *arg);

static void
rog_wait_for_xid_lock(void *arg)
{
	XactLockTableWait(*(TransactionId *) arg, NULL, NULL, XLTW_None);
}

static void
rog_wait_for_vxid_lock(void *arg)
{
	(void) VirtualXactLock(*(VirtualTransactionId *) arg, true);
}

/*
 * Wait on a lock for up to timeout_ms.  Returns true if the wait ended
 * before.  The lock timeout raises an error, which a subtransaction
 * absorbs; a cancel is re-thrown.
 */
static bool
rog_wait_with_timeout(int timeout_ms, RogLockWait wait, void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	int			save_lock_timeout = LockTimeout;
	bool		ended = true;

	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		LockTimeout = Max(timeout_ms, 1);
		wait(arg);
		LockTimeout = save_lock_timeout;
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		LockTimeout = save_lock_timeout;
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		FreeErrorData(edata);
		ended = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return ended;
}

/*
 * Wait up to timeout_ms for the transaction xid to end, as a waiter on its
 * transaction lock: pg_locks and pg_blocking_pids() show whom rog_enable()
 * waits for.  Returns true if it ended.
 */
static bool
rog_wait_for_xid(TransactionId xid, int timeout_ms)
{
	if (!TransactionIdIsInProgress(xid))
		return true;
	return rog_wait_with_timeout(timeout_ms, rog_wait_for_xid_lock, &xid);
}

/*
 * Wait until the transactions in xids end, or until deadline (0: none), or
 * until read-only mode is turned off.  Waits in slices so that a
 * rog_disable() meanwhile is noticed.  Returns how many are still running;
 * they are moved to the front of xids.
 */
static int
rog_wait_for_transactions(TransactionId *xids, int n, TimestampTz deadline)
{
	int			i = 0;

	while (i < n)
	{
		int			slice_ms = ROG_DRAIN_SLICE_MS;

		if (!rog_cluster_enabled())
			break;				/* disabled meanwhile: nothing to wait for */
		if (deadline != 0)
		{
			TimestampTz now = GetCurrentTimestamp();

			if (now >= deadline)
				break;
			slice_ms = Min(slice_ms, (int) ((deadline - now + 999) / 1000));
		}
		if (rog_wait_for_xid(xids[i], slice_ms))
			xids[i++] = InvalidTransactionId;
	}

	return rog_prune_drain_set(xids, n);
}

/* End the backends whose transactions outlived the drain. */
static void
rog_terminate_writers(TransactionId *xids, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		int			pid = BackendXidGetPid(xids[i]);
		PGPROC	   *proc;
		char	   *role;

		if (pid == 0)
			continue;
		proc = BackendPidGetProc(pid);
		role = proc ? GetUserNameFromId(proc->roleId, true) : NULL;
		ereport(LOG,
				(errmsg("terminating backend with PID %d (role \"%s\") whose transaction %u outlived the drain of read-only mode",
						pid, role ? role : "?", xids[i])));
		rog_signal_backend(pid, SIGTERM);
	}
}


/* ---- transactions and statements that began before the mode ---- */

/* What the drain does about a backend (rog_backend_predates()) */
typedef enum RogPredates
{
	ROG_PREDATES_NOT,			/* nothing */
	ROG_PREDATES_WRITER,		/* wait: its transaction began before the mode
								 * and may write and commit in the drain */
	ROG_PREDATES_STATEMENT		/* wait, then cancel: it runs a statement that
								 * began before the mode */
} RogPredates;

/*
 * What is the drain to do about this backend, as its status was read?  It
 * runs a statement that began before cutoff_time (whose plan, set up
 * without the mode's checks, may call writers; a procedure's CALL outlives
 * the transactions it commits), or its transaction began before and holds
 * a transaction ID (it may write and commit while the drain lasts).  Only
 * client backends; not this one, nor another rog_enable() or rog_disable().
 */
static RogPredates
rog_backend_predates(PgBackendStatus *be, TimestampTz cutoff_time)
{
	PGPROC	   *proc;

	if (be->st_backendType != B_BACKEND || be->st_procpid == MyProcPid ||
		be->st_xact_start_timestamp == 0)
		return ROG_PREDATES_NOT;
	proc = BackendPidGetProc(be->st_procpid);
	if (proc == NULL || rog_is_admin_statement(proc, be))
		return ROG_PREDATES_NOT;
	if ((be->st_state == STATE_RUNNING || be->st_state == STATE_FASTPATH) &&
		be->st_activity_start_timestamp < cutoff_time)
		return ROG_PREDATES_STATEMENT;
	if (be->st_xact_start_timestamp < cutoff_time && TransactionIdIsValid(proc->xid))
		return ROG_PREDATES_WRITER;
	return ROG_PREDATES_NOT;
}

/*
 * The PIDs of the backends the drain waits for (statements_only: only
 * those running a statement from before the mode), read afresh; returns
 * how many.  The set can only shrink: later transactions do not belong.
 */
static int
rog_collect_predating(TimestampTz cutoff_time, bool statements_only, int **pids)
{
	int			nbackends;
	int			n = 0;
	int			i;

	pgstat_clear_backend_activity_snapshot();
	nbackends = pgstat_fetch_stat_numbackends();
	*pids = palloc(sizeof(int) * Max(nbackends, 1));
	for (i = 1; i <= nbackends; i++)
	{
		LocalPgBackendStatus *local = rog_local_beentry(i);
		RogPredates what;

		if (local == NULL)
			continue;
		what = rog_backend_predates(&local->backendStatus, cutoff_time);
		if (what == ROG_PREDATES_STATEMENT ||
			(what == ROG_PREDATES_WRITER && !statements_only))
			(*pids)[n++] = local->backendStatus.st_procpid;
	}
	return n;
}

/*
 * Wait up to timeout_ms for the backend pid to end its transaction, as a
 * waiter on its virtual transaction lock: pg_locks and pg_blocking_pids()
 * show whom rog_enable() waits for.  A statement may end before its
 * transaction does; the caller looks again after each slice.
 */
static void
rog_wait_for_backend(int pid, int timeout_ms)
{
	PGPROC	   *proc = BackendPidGetProc(pid);
	VirtualTransactionId vxid;

	if (proc == NULL)
		return;
	GET_VXID_FROM_PGPROC(vxid, *proc);
	if (!VirtualTransactionIdIsValid(vxid))
		return;
	(void) rog_wait_with_timeout(timeout_ms, rog_wait_for_vxid_lock, &vxid);
}

/*
 * Wait until no backend predates the mode as rog_backend_predates() says,
 * or until deadline, or until read-only mode is turned off.
 */
static void
rog_wait_for_predating(TimestampTz cutoff_time, TimestampTz deadline)
{
	for (;;)
	{
		int		   *pids;
		int			n = rog_collect_predating(cutoff_time, false, &pids);
		TimestampTz now = GetCurrentTimestamp();

		if (n > 0 && now < deadline &&
			rog_cluster_enabled())
			rog_wait_for_backend(pids[0],
								 Min(ROG_STATEMENT_SLICE_MS,
									 (int) ((deadline - now + 999) / 1000)));
		else
			n = 0;
		pfree(pids);
		if (n == 0)
			return;
	}
}

/*
 * Send signo to the backends in pids, logging each with what it means; with
 * role names, unless in error cleanup (no catalog access there).
 */
static void
rog_signal_statements(int *pids, int n, int signo, bool cleanup)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		PGPROC	   *proc = BackendPidGetProc(pids[i]);
		char	   *role = proc && !cleanup ? GetUserNameFromId(proc->roleId, true) : NULL;

		ereport(LOG,
				(errmsg(signo == SIGINT ?
						"canceling the statement of backend with PID %d (role \"%s\"): it was running when read-only mode began and outlived the drain" :
						"terminating backend with PID %d (role \"%s\"): its statement, running when read-only mode began, did not stop when canceled",
						pids[i], role ? role : "?")));
		rog_signal_backend(pids[i], signo);
	}
}

/*
 * Give the statements that were sent a signal up to ROG_CANCEL_GRACE_MS to
 * stop, looking every few milliseconds.  Returns how many still run.
 */
static int
rog_await_signalled(TimestampTz cutoff_time, int **pids)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   ROG_CANCEL_GRACE_MS);

	for (;;)
	{
		int			n = rog_collect_predating(cutoff_time, true, pids);

		if (n == 0 || GetCurrentTimestamp() >= deadline)
			return n;
		pfree(*pids);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ROG_CANCEL_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * The drain is over: statements from before the mode that still run are
 * canceled (the session stays; the error says why:
 * rog_explain_drain_signal()), and the backends of those a cancel does not
 * stop within ROG_CANCEL_GRACE_MS are ended.  Transactions from before that
 * only hold an XID are left alone: what they wrote can no longer commit.
 */
static void
rog_end_statements(TimestampTz cutoff_time, bool cleanup)
{
	int		   *pids;
	int			n;

	n = rog_collect_predating(cutoff_time, true, &pids);
	if (n == 0)
		return;
	rog_signal_statements(pids, n, SIGINT, cleanup);
	pfree(pids);
	n = rog_await_signalled(cutoff_time, &pids);
	if (n == 0)
		return;
	rog_signal_statements(pids, n, SIGTERM, cleanup);
	pfree(pids);
	(void) rog_await_signalled(cutoff_time, &pids);
}

/* The drain is over: wait on their locks for the commits it permitted. */
static void
rog_await_drained_commits(void)
{
	TransactionId *xids;
	int			n = rog_collect_drained_commits(&xids);
	int			i;

	for (i = 0; i < n; i++)
		while (!rog_wait_for_xid(xids[i], ROG_DRAIN_SLICE_MS))
			;
	pfree(xids);
}

/*
 * The same in error cleanup (no lock waits): poll for ROG_CANCEL_GRACE_MS,
 * then end the backends of those still under way (another session's lock
 * may hold one up for ever), and poll again.  Returns how many remained.
 */
static int
rog_poll_drained_commits(bool terminate)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   ROG_CANCEL_GRACE_MS);
	TransactionId *xids;
	int			n;
	int			i;

	while ((n = rog_collect_drained_commits(&xids)) > 0 &&
		   GetCurrentTimestamp() < deadline && PostmasterIsAlive())
	{
		pfree(xids);
		pg_usleep(ROG_CANCEL_POLL_MS * 1000L);
	}
	for (i = 0; terminate && i < n; i++)
	{
		int			pid = BackendXidGetPid(xids[i]);

		ereport(LOG,
				(errmsg("terminating backend with PID %d: its commit, which the drain of read-only mode permitted, had not landed when rog_enable() was interrupted", pid)));
		if (pid != 0)
			rog_signal_backend(pid, SIGTERM);
	}
	pfree(xids);
	if (n > 0 && terminate && rog_poll_drained_commits(false) > 0)
		ereport(WARNING,
				(errmsg("commits that the drain of read-only mode permitted were still under way when rog_enable() was interrupted")));
	return n;
}

/* ---- the drain ---- */

/*
 * Let the work that predates the mode finish until the timeout, then end
 * what still runs.  The caller has become a drainer in
 * rog_set_cluster_enabled(); this ends the drain in all cases, errors (a
 * cancel) included.
 */
void
rog_drain(TransactionId cutoff, TimestampTz cutoff_time, int64 timeout_ms)
{
	RogDrain	drain = {false, false, cutoff_time};

	PG_ENSURE_ERROR_CLEANUP(rog_end_drain_callback, PointerGetDatum(&drain));
	{
		TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														   timeout_ms);
		TransactionId *xids = NULL;
		int			n = 0;

		if (!RecoveryInProgress())
		{
			n = rog_collect_drain_set(cutoff, &xids);
			if (n > 0)
				n = rog_wait_for_transactions(xids, n, deadline);
			rog_wait_for_predating(cutoff_time, deadline);
		}
		/* from here on nothing that predates the mode may commit */
		rog_end_drain();
		drain.ended = true;
		if (rog_cluster_enabled())
		{
			if (n > 0)
			{
				rog_terminate_writers(xids, n);
				(void) rog_wait_for_transactions(xids, n, 0);
			}
			if (!RecoveryInProgress())
				rog_end_statements(cutoff_time, false);
		}
		rog_await_drained_commits();
		drain.done = true;
	}
	PG_END_ENSURE_ERROR_CLEANUP(rog_end_drain_callback, PointerGetDatum(&drain));
}
