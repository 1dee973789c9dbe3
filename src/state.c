/*-------------------------------------------------------------------------
 *
 * state.c
 *	  Cluster-wide read-only state: shared memory, state file, drain.
 *
 * The state lives in a small shared memory struct.  Backends look at one
 * pg_atomic_uint32 per statement (rog_read_only() in readonly_guard.h); the
 * rest (reason, who, when, LSN) is protected by an LWLock and read only when
 * reporting or refusing.
 *
 * Every change is first written to the state file ROG_STATE_FILE in the data
 * directory (write to a temporary file, fsync, durable_rename) and only then
 * published in shared memory, so memory and disk never disagree and the mode
 * survives a clean restart as well as a crash restart, which re-runs the
 * shared memory startup hook and so reloads the file.  A damaged state file
 * makes the server start in read-only mode with a WARNING: failing safe.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "common/string.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/pg_crc32c.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "readonly_guard.h"

#define ROG_STATE_MAGIC		0x524F4731	/* "ROG1" */
#define ROG_STATE_VERSION	1
#define ROG_STATE_TMPFILE	ROG_STATE_FILE ".tmp"

/* how long one wait of the drain loop may last, in milliseconds */
#define ROG_DRAIN_SLICE_MS	1000

/* On-disk image of the state; written whole, checked by CRC. */
typedef struct RogStateFile
{
	uint32		magic;
	uint32		version;
	int32		enabled;
	int32		reason_encoding;
	TimestampTz enabled_at;
	XLogRecPtr	lsn;
	NameData	enabled_by;
	int32		reason_len;
	char		reason[ROG_REASON_MAXLEN + 1];
	pg_crc32c	crc;
} RogStateFile;

RogSharedState *rog_shared = NULL;
uint32		rog_seen_word = 0;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void rog_shmem_request_hook(void);
static void rog_shmem_startup_hook(void);

void
rog_install_shmem_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = rog_shmem_request_hook;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = rog_shmem_startup_hook;
}

static void
rog_shmem_request_hook(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	RequestAddinShmemSpace(MAXALIGN(sizeof(RogSharedState)));
	RequestNamedLWLockTranche("readonly_guard", 1);
}

/* ---- state file ---- */

static pg_crc32c
rog_state_file_crc(const RogStateFile *file)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, file, offsetof(RogStateFile, crc));
	FIN_CRC32C(crc);
	return crc;
}

/* Fill *file from shared memory; caller holds the lock. */
static void
rog_state_to_file(RogStateFile *file)
{
	memset(file, 0, sizeof(RogStateFile));
	file->magic = ROG_STATE_MAGIC;
	file->version = ROG_STATE_VERSION;
	file->enabled = (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED) != 0;
	file->reason_encoding = rog_shared->reason_encoding;
	file->enabled_at = rog_shared->enabled_at;
	file->lsn = rog_shared->lsn;
	file->enabled_by = rog_shared->enabled_by;
	file->reason_len = rog_shared->reason_len;
	if (rog_shared->reason_len > 0)
		memcpy(file->reason, rog_shared->reason, rog_shared->reason_len);
}

/*
 * Write the state file durably.  Raises an ERROR (and leaves the previous
 * file in place) if anything fails, e.g. a full disk.
 */
static void
rog_write_state_file(RogStateFile *file)
{
	int			fd;

	file->crc = rog_state_file_crc(file);

	fd = OpenTransientFile(ROG_STATE_TMPFILE, O_WRONLY | O_CREAT | O_TRUNC | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", ROG_STATE_TMPFILE)));

	errno = 0;
	if (write(fd, file, sizeof(RogStateFile)) != sizeof(RogStateFile))
	{
		int			save_errno = errno;

		CloseTransientFile(fd);
		unlink(ROG_STATE_TMPFILE);
		errno = save_errno ? save_errno : ENOSPC;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write file \"%s\": %m", ROG_STATE_TMPFILE),
				 errdetail("The read-only state was not changed.")));
	}

	if (pg_fsync(fd) != 0)
	{
		int			save_errno = errno;

		CloseTransientFile(fd);
		unlink(ROG_STATE_TMPFILE);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", ROG_STATE_TMPFILE),
				 errdetail("The read-only state was not changed.")));
	}

	if (CloseTransientFile(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not close file \"%s\": %m", ROG_STATE_TMPFILE)));

	(void) durable_rename(ROG_STATE_TMPFILE, ROG_STATE_FILE, ERROR);
}

/*
 * Load the state file into *file.  Returns false if there is none.  A file
 * that exists but cannot be read or trusted yields a read-only state and a
 * WARNING: starting writable by accident is the one thing not to do.
 */
static bool
rog_read_state_file(RogStateFile *file)
{
	FILE	   *fp;
	size_t		nread;
	const char *problem = NULL;
	char		extra;

	fp = AllocateFile(ROG_STATE_FILE, PG_BINARY_R);
	if (fp == NULL)
	{
		if (errno == ENOENT)
			return false;
		problem = "it could not be opened";
	}
	else
	{
		nread = fread(file, 1, sizeof(RogStateFile), fp);
		if (nread != sizeof(RogStateFile) || fread(&extra, 1, 1, fp) != 0)
			problem = "it has the wrong size";
		else if (file->magic != ROG_STATE_MAGIC ||
				 file->version != ROG_STATE_VERSION)
			problem = "it has an unknown format";
		else if (!EQ_CRC32C(file->crc, rog_state_file_crc(file)))
			problem = "its checksum does not match";
		else if (file->reason_len < -1 || file->reason_len > ROG_REASON_MAXLEN)
			problem = "it holds an invalid reason length";
		FreeFile(fp);
	}

	if (problem == NULL)
	{
		file->reason[Max(file->reason_len, 0)] = '\0';
		file->enabled_by.data[NAMEDATALEN - 1] = '\0';
		return true;
	}

	ereport(WARNING,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("readonly_guard state file \"%s\" is damaged: %s",
					ROG_STATE_FILE, problem),
			 errdetail("The server starts in read-only mode to be safe."),
			 errhint("Check the cluster, then run rog_disable() to allow writes again.")));

	memset(file, 0, sizeof(RogStateFile));
	file->enabled = 1;
	file->enabled_at = GetCurrentTimestamp();
	file->lsn = InvalidXLogRecPtr;
	namestrcpy(&file->enabled_by, "readonly_guard");
	file->reason_encoding = PG_SQL_ASCII;
	file->reason_len = strlen("state file damaged");
	strcpy(file->reason, "state file damaged");
	return true;
}

static void
rog_shmem_startup_hook(void)
{
	bool		found;
	RogStateFile file;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	rog_shared = ShmemInitStruct("readonly_guard", sizeof(RogSharedState), &found);
	if (!found)
	{
		memset(rog_shared, 0, sizeof(RogSharedState));
		rog_shared->lock = &(GetNamedLWLockTranche("readonly_guard"))->lock;
		pg_atomic_init_u32(&rog_shared->word, 0);
		pg_atomic_init_u32(&rog_shared->settings_generation, 0);
		pg_atomic_init_u32(&rog_shared->postmaster_enabled, 0);
		rog_publish_postmaster_value();
		rog_shared->reason_len = -1;
		rog_shared->cutoff_xid = InvalidTransactionId;

		/* the postmaster (re)starts: take the state from the file */
		if (rog_read_state_file(&file) && file.enabled)
		{
			rog_shared->enabled_at = file.enabled_at;
			rog_shared->lsn = file.lsn;
			rog_shared->enabled_by = file.enabled_by;
			rog_shared->reason_encoding = file.reason_encoding;
			rog_shared->reason_len = file.reason_len;
			if (file.reason_len > 0)
				memcpy(rog_shared->reason, file.reason, file.reason_len + 1);
			/* no transaction survives a restart: nothing predates the mode */
			rog_shared->cutoff_xid = FirstNormalTransactionId;
			pg_atomic_write_u32(&rog_shared->word, ROG_WORD_ENABLED);
			ereport(LOG,
					(errmsg("readonly_guard read-only mode is on, as it was before the restart")));
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* ---- the word ---- */

/* Set and clear flag bits and count one change; caller holds the lock. */
static void
rog_change_word(uint32 set, uint32 clear)
{
	uint32		old = pg_atomic_read_u32(&rog_shared->word);

	while (!pg_atomic_compare_exchange_u32(&rog_shared->word, &old,
										   ((old | set) & ~clear) + ROG_WORD_CHANGE))
		;
}

/*
 * Called when a backend sees a word different from the one it saw last: the
 * state changed somewhere.
 */
void
rog_notice_change(uint32 word)
{
	uint32		old = rog_seen_word;

	/* outside a transaction the catalog cannot be read: look again later */
	if (!rog_refresh_session())
		return;
	rog_seen_word = word;
	if ((old & ROG_WORD_ENABLED) && !(word & ROG_WORD_ENABLED))
		rog_forget_transaction_observation();
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
	LWLockRelease(rog_shared->lock);
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
 * Turn the cluster flag on, or update the reason if it is on already.
 * Returns true if this call turned it on.  *cutoff receives the first
 * transaction ID that does not predate the mode, and the caller becomes a
 * drainer: it must call rog_drain() next.
 */
bool
rog_set_cluster_enabled(const char *reason, TransactionId *cutoff)
{
	RogStateFile file;
	bool		was_enabled;

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	was_enabled = (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED) != 0;

	rog_state_to_file(&file);
	file.enabled = 1;
	if (!was_enabled)
	{
		file.enabled_at = GetCurrentTimestamp();
		file.lsn = rog_current_lsn();
		namestrcpy(&file.enabled_by, GetUserNameFromId(GetUserId(), false));
		file.reason_len = -1;
		memset(file.reason, 0, sizeof(file.reason));
	}
	if (reason != NULL)
	{
		file.reason_len = strlen(reason);
		Assert(file.reason_len <= ROG_REASON_MAXLEN);
		memset(file.reason, 0, sizeof(file.reason));
		memcpy(file.reason, reason, file.reason_len);
		file.reason_encoding = GetDatabaseEncoding();
	}

	/* durable first; an error here leaves memory and disk unchanged */
	rog_write_state_file(&file);

	rog_shared->enabled_at = file.enabled_at;
	rog_shared->lsn = file.lsn;
	rog_shared->enabled_by = file.enabled_by;
	rog_shared->reason_encoding = file.reason_encoding;
	rog_shared->reason_len = file.reason_len;
	memcpy(rog_shared->reason, file.reason, sizeof(rog_shared->reason));

	if (!was_enabled)
	{
		/*
		 * Refuse new writes first, then note the next transaction ID: any
		 * transaction holding an older one may have written before the
		 * refusal could reach it, so it belongs to the drain.
		 */
		rog_change_word(ROG_WORD_ENABLED, 0);
		pg_memory_barrier();
		rog_shared->cutoff_xid = XidFromFullTransactionId(ReadNextFullTransactionId());
	}
	rog_shared->drainers++;
	rog_change_word(ROG_WORD_DRAINING, 0);
	*cutoff = rog_shared->cutoff_xid;
	LWLockRelease(rog_shared->lock);

	return !was_enabled;
}

/* Record the LSN at which the mode took effect (after the drain). */
void
rog_set_lsn(XLogRecPtr lsn)
{
	RogStateFile file;

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	if (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED)
	{
		rog_state_to_file(&file);
		file.lsn = lsn;
		rog_write_state_file(&file);
		rog_shared->lsn = lsn;
	}
	LWLockRelease(rog_shared->lock);
}

/* Turn the cluster flag off.  Returns true if it was on. */
bool
rog_set_cluster_disabled(void)
{
	RogStateFile file;

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	if (!(pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED))
	{
		LWLockRelease(rog_shared->lock);
		return false;
	}

	rog_state_to_file(&file);
	file.enabled = 0;
	rog_write_state_file(&file);

	rog_change_word(0, ROG_WORD_ENABLED);
	rog_shared->cutoff_xid = InvalidTransactionId;
	LWLockRelease(rog_shared->lock);
	return true;
}

/* ---- drain ---- */

/*
 * May a transaction holding xid still write and commit?  Only while a drain
 * is in progress and only if it predates the mode.
 */
bool
rog_drain_permits(TransactionId xid)
{
	bool		permits;

	LWLockAcquire(rog_shared->lock, LW_SHARED);
	permits = (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_DRAINING) != 0 &&
		TransactionIdIsNormal(rog_shared->cutoff_xid) &&
		TransactionIdPrecedes(xid, rog_shared->cutoff_xid);
	LWLockRelease(rog_shared->lock);
	return permits;
}

static void
rog_end_drain(void)
{
	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	Assert(rog_shared->drainers > 0);
	if (--rog_shared->drainers == 0)
		rog_change_word(0, ROG_WORD_DRAINING);
	LWLockRelease(rog_shared->lock);
}

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

/*
 * Wait up to timeout_ms for the transaction xid to end, as a waiter on its
 * transaction lock: pg_locks and pg_blocking_pids() show whom rog_enable()
 * waits for.  Returns true if it ended.  The lock timeout raises an error,
 * which a subtransaction absorbs; a cancel is re-thrown.
 */
static bool
rog_wait_for_xid(TransactionId xid, int timeout_ms)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	int			save_lock_timeout = LockTimeout;
	bool		ended = true;

	if (!TransactionIdIsInProgress(xid))
		return true;

	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		LockTimeout = Max(timeout_ms, 1);
		XactLockTableWait(xid, NULL, NULL, XLTW_None);
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

/*
 * Let the transactions that wrote before the mode began commit until the
 * timeout, then end those still open.  The caller has become a drainer in
 * rog_set_cluster_enabled(); this ends the drain in all cases, errors (a
 * cancel) included.
 */
void
rog_drain(TransactionId cutoff, int64 timeout_ms)
{
	bool		drain_ended = false;

	PG_ENSURE_ERROR_CLEANUP(rog_end_drain_callback, PointerGetDatum(&drain_ended));
	{
		TransactionId *xids = NULL;
		int			n = 0;

		if (!RecoveryInProgress())
			n = rog_collect_drain_set(cutoff, &xids);
		if (n > 0)
			n = rog_wait_for_transactions(xids, n,
										  TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
																	  timeout_ms));
		/* from here on no transaction that predates the mode may commit */
		rog_end_drain();
		drain_ended = true;
		if (n > 0 && (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED))
		{
			rog_terminate_writers(xids, n);
			(void) rog_wait_for_transactions(xids, n, 0);
		}
	}
	PG_END_ENSURE_ERROR_CLEANUP(rog_end_drain_callback, PointerGetDatum(&drain_ended));
}
