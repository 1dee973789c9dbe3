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
 * backends and cancels the statements, and waits for both to be gone.  When
 * rog_enable() returns, nothing that started before the mode is running.
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
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "access/twophase.h"
#include "utils/backend_status.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "readonly_guard.h"

/* how long one wait for a transaction may last, in milliseconds */
#define ROG_DRAIN_SLICE_MS		1000

/* how often a running statement is looked at again, in milliseconds */
#define ROG_STATEMENT_SLICE_MS	100

/* how long cancelled statements may take to stop before their backend is ended */
#define ROG_CANCEL_GRACE_MS		5000

/*
 * Per process (by PGPROC number): the cutoff time of the mode this process
 * has taken in, at one of its hooks.  From then on its statements and
 * function calls run under the guard's checks and its transaction is marked
 * read-only, so the drain need not wait for the statement it is running:
 * this keeps concurrent rog_enable() and rog_disable() calls, and any
 * statement that has reached a hook since, from being canceled.
 */
static pg_atomic_uint64 *rog_noticed = NULL;

static int
rog_noticed_slots(void)
{
	return MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts;
}

Size
rog_drain_shmem_size(void)
{
	return mul_size(rog_noticed_slots(), sizeof(pg_atomic_uint64));
}

void
rog_drain_shmem_init(void)
{
	bool		found;
	int			i;

	rog_noticed = ShmemInitStruct("readonly_guard noticed", rog_drain_shmem_size(),
								  &found);
	if (!found)
		for (i = 0; i < rog_noticed_slots(); i++)
			pg_atomic_init_u64(&rog_noticed[i], 0);
}

/* This process took in the cluster mode: publish which one. */
void
rog_drain_note_noticed(void)
{
	if (MyProc != NULL && rog_noticed != NULL)
		pg_atomic_write_u64(&rog_noticed[ROG_PROCNO(MyProc)],
							(uint64) rog_shared->cutoff_time);
}

/* Has the process with PGPROC proc taken in the mode that began at cutoff_time? */
static bool
rog_has_noticed(PGPROC *proc, TimestampTz cutoff_time)
{
	return (TimestampTz) pg_atomic_read_u64(&rog_noticed[ROG_PROCNO(proc)]) == cutoff_time;
}

/* ---- transactions that had an XID ---- */

/* error cleanup: end the drain unless rog_drain() ended it already */
static void
rog_end_drain_callback(int code, Datum arg)
{
	bool	   *drain_ended = (bool *) DatumGetPointer(arg);

	if (!*drain_ended)
		rog_end_drain();
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

		if (!(pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED))
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
		if (kill(pid, SIGTERM) != 0 && errno != ESRCH)
			ereport(WARNING,
					(errmsg("could not send signal to process %d: %m", pid)));
	}
}


/* ---- statements that were running ---- */

/*
 * Was this backend, when its status was read, running a statement that
 * began before cutoff_time (and, with unnoticed, has it reached no hook
 * since)?  Only client backends run statements the drain is about; other
 * drainers, and this backend, are not waited for.
 */
static bool
rog_statement_predates(PgBackendStatus *be, TimestampTz cutoff_time,
					   bool unnoticed)
{
	PGPROC	   *proc;

	if (be->st_backendType != B_BACKEND || be->st_procpid == MyProcPid ||
		(be->st_state != STATE_RUNNING && be->st_state != STATE_FASTPATH) ||
		be->st_activity_start_timestamp >= cutoff_time)
		return false;
	proc = BackendPidGetProc(be->st_procpid);
	return proc != NULL && !(unnoticed && rog_has_noticed(proc, cutoff_time)) &&
		!rog_is_drainer(be->st_procpid);
}

/*
 * The PIDs of the backends running a statement that began before
 * cutoff_time, read afresh; returns how many.  The set can only shrink:
 * statements that begin later do not belong to it.
 */
static int
rog_collect_statements(TimestampTz cutoff_time, bool unnoticed, int **pids)
{
	int			nbackends;
	int			n = 0;
	int			i;

	pgstat_clear_backend_activity_snapshot();
	nbackends = pgstat_fetch_stat_numbackends();
	*pids = palloc(sizeof(int) * Max(nbackends, 1));
	for (i = 1; i <= nbackends; i++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);

		if (local && rog_statement_predates(&local->backendStatus, cutoff_time,
											unnoticed))
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
	rog_wait_with_timeout(timeout_ms, rog_wait_for_vxid_lock, &vxid);
}

/*
 * Wait until no statement that began before cutoff_time runs (and, with
 * unnoticed, has reached no hook since), or until deadline, or until
 * read-only mode is turned off.  Returns how many still run; their PIDs are
 * in *pids.
 */
static int
rog_wait_for_statements(TimestampTz cutoff_time, bool unnoticed,
						TimestampTz deadline, int **pids)
{
	for (;;)
	{
		int			n = rog_collect_statements(cutoff_time, unnoticed, pids);
		TimestampTz now = GetCurrentTimestamp();

		if (n == 0 || now >= deadline ||
			!(pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED))
			return n;
		rog_wait_for_backend((*pids)[0],
							 Min(ROG_STATEMENT_SLICE_MS,
								 (int) ((deadline - now + 999) / 1000)));
		pfree(*pids);
	}
}

/* Send signo to the backends in pids, logging each with what it means. */
static void
rog_signal_statements(int *pids, int n, int signo)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		PGPROC	   *proc = BackendPidGetProc(pids[i]);
		char	   *role = proc ? GetUserNameFromId(proc->roleId, true) : NULL;

		ereport(LOG,
				(errmsg(signo == SIGINT ?
						"canceling the statement of backend with PID %d (role \"%s\"): it was running when read-only mode began and outlived the drain" :
						"terminating backend with PID %d (role \"%s\"): its statement, running when read-only mode began, did not stop when canceled",
						pids[i], role ? role : "?")));
		if (kill(pids[i], signo) != 0 && errno != ESRCH)
			ereport(WARNING,
					(errmsg("could not send signal to process %d: %m", pids[i])));
	}
}

/*
 * The drain is over.  Statements from before the mode that have reached no
 * hook since may still call, from plans set up before it, what writes
 * outside any transaction: cancel them (the session stays), and end the
 * backends of those that do not stop.  Those that reached a hook are
 * guarded now (their transaction is marked read-only and judged at commit).
 */
static void
rog_end_statements(TimestampTz cutoff_time)
{
	int		   *pids;
	int			n;

	n = rog_collect_statements(cutoff_time, true, &pids);
	if (n == 0)
		return;
	rog_signal_statements(pids, n, SIGINT);
	pfree(pids);
	n = rog_wait_for_statements(cutoff_time, true,
								TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
															ROG_CANCEL_GRACE_MS),
								&pids);
	if (n == 0)
		return;
	rog_signal_statements(pids, n, SIGTERM);
	pfree(pids);
	(void) rog_wait_for_statements(cutoff_time, true,
								   TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
															   ROG_CANCEL_GRACE_MS),
								   &pids);
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
	bool		drain_ended = false;

	PG_ENSURE_ERROR_CLEANUP(rog_end_drain_callback, PointerGetDatum(&drain_ended));
	{
		TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														   timeout_ms);
		TransactionId *xids = NULL;
		int			n = 0;
		int		   *pids = NULL;
		int			nstatements = 0;

		if (!RecoveryInProgress())
		{
			n = rog_collect_drain_set(cutoff, &xids);
			if (n > 0)
				n = rog_wait_for_transactions(xids, n, deadline);
			nstatements = rog_wait_for_statements(cutoff_time, false, deadline,
												  &pids);
		}
		/* from here on nothing that predates the mode may commit */
		rog_end_drain();
		drain_ended = true;
		if (!(pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED))
			n = nstatements = 0;
		if (n > 0)
		{
			rog_terminate_writers(xids, n);
			(void) rog_wait_for_transactions(xids, n, 0);
		}
		if (nstatements > 0)
			rog_end_statements(cutoff_time);
	}
	PG_END_ENSURE_ERROR_CLEANUP(rog_end_drain_callback, PointerGetDatum(&drain_ended));
}
