/*-------------------------------------------------------------------------
 *
 * state.c
 *	  Cluster-wide read-only state: shared memory, state file, the drain's
 *	  shared part (who drains, what it permits; drain.c waits).
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
#include "common/controldata_utils.h"
#include "common/string.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/syslogger.h"
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
#define ROG_STATE_VERSION	3		/* 3 added timelines, 2 expires_at; older
									 * versions are still read */
#define ROG_STATE_TMPFILE	ROG_STATE_FILE ".tmp"
#define ROG_STATE_UNCHANGED	"The read-only state was not changed."

/*
 * Fields common to every version of the state file, in this order at its
 * start.
 */
#define ROG_STATE_FILE_FIELDS \
	uint32		magic; \
	uint32		version; \
	int32		enabled; \
	int32		reason_encoding; \
	TimestampTz enabled_at; \
	XLogRecPtr	lsn; \
	NameData	enabled_by; \
	int32		reason_len; \
	char		reason[ROG_REASON_MAXLEN + 1];

/* On-disk image of the state; written whole, checked by CRC. */
typedef struct RogStateFile
{
	ROG_STATE_FILE_FIELDS
	TimestampTz expires_at;		/* 0: the mode does not expire */
	/* added in version 3; 0 is "unknown" (see rog_load_enabled_state()) */
	TimeLineID	tli;			/* timeline the flag belongs to */
	TimeLineID	set_tli;		/* timeline rog_enable() ran on */
	TimeLineID	lsn_tli;		/* timeline of lsn */
	int32		armed_in_recovery;	/* rog_enable() ran on a standby */
	pg_crc32c	crc;
} RogStateFile;

/* version 2, written by readonly_guard 1.1 */
typedef struct RogStateFileV2
{
	ROG_STATE_FILE_FIELDS
	TimestampTz expires_at;
	pg_crc32c	crc;
} RogStateFileV2;

/* version 1, written by readonly_guard 1.0 */
typedef struct RogStateFileV1
{
	ROG_STATE_FILE_FIELDS
	pg_crc32c	crc;
} RogStateFileV1;

RogSharedState *rog_shared = NULL;
uint32		rog_seen_word = 0;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void rog_shmem_request_hook(void);
static void rog_shmem_startup_hook(void);
static void rog_startup_report(int elevel, int sqlerrcode, const char *message,
							   const char *detail, const char *hint);

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
	RequestAddinShmemSpace(MAXALIGN(rog_drain_shmem_size()));
	RequestNamedLWLockTranche("readonly_guard", 1);
}

/* ---- state file ---- */

static pg_crc32c
rog_crc(const void *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return crc;
}

static pg_crc32c
rog_state_file_crc(const RogStateFile *file)
{
	return rog_crc(file, offsetof(RogStateFile, crc));
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
	file->expires_at = (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_EXPIRES) ?
		(TimestampTz) pg_atomic_read_u64(&rog_shared->expires_at) : 0;
	file->tli = rog_shared->tli;
	file->set_tli = rog_shared->set_tli;
	file->lsn_tli = rog_shared->lsn_tli;
	file->armed_in_recovery = rog_shared->armed_in_recovery;
}

/*
 * Write the state file durably.  Raises an ERROR (and leaves the previous
 * file in place) if anything fails, e.g. a full disk.
 */
static void
rog_write_state_file(RogStateFile *file, const char *failure_detail)
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
				 errdetail("%s", failure_detail)));
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
				 errdetail("%s", failure_detail)));
	}

	if (CloseTransientFile(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not close file \"%s\": %m", ROG_STATE_TMPFILE)));

	(void) durable_rename(ROG_STATE_TMPFILE, ROG_STATE_FILE, ERROR);
}

/*
 * Decode the len bytes of a state file, of any version, into *file.
 * Returns NULL, or what is wrong with it.
 */
static const char *
rog_decode_state_file(const char *buf, size_t len, RogStateFile *file)
{
	RogStateFileV1 v1;
	RogStateFileV2 v2;

	memset(file, 0, sizeof(RogStateFile));
	if (len < offsetof(RogStateFileV1, enabled))
		return "it has the wrong size";
	memcpy(file, buf, offsetof(RogStateFileV1, enabled));
	if (file->magic != ROG_STATE_MAGIC)
		return "it has an unknown format";
	if (file->version == 1)
	{
		if (len != sizeof(RogStateFileV1))
			return "it has the wrong size";
		memcpy(&v1, buf, sizeof(v1));
		if (!EQ_CRC32C(v1.crc, rog_crc(&v1, offsetof(RogStateFileV1, crc))))
			return "its checksum does not match";
		memcpy(file, &v1, offsetof(RogStateFileV1, crc));
		file->expires_at = 0;
	}
	else if (file->version == 2)
	{
		if (len != sizeof(RogStateFileV2))
			return "it has the wrong size";
		memcpy(&v2, buf, sizeof(v2));
		if (!EQ_CRC32C(v2.crc, rog_crc(&v2, offsetof(RogStateFileV2, crc))))
			return "its checksum does not match";
		memcpy(file, &v2, offsetof(RogStateFileV2, crc));
	}
	else if (file->version == ROG_STATE_VERSION)
	{
		if (len != sizeof(RogStateFile))
			return "it has the wrong size";
		memcpy(file, buf, sizeof(RogStateFile));
		if (!EQ_CRC32C(file->crc, rog_state_file_crc(file)))
			return "its checksum does not match";
	}
	else
		return "it has an unknown format";
	if (file->reason_len < -1 || file->reason_len > ROG_REASON_MAXLEN)
		return "it holds an invalid reason length";
	return NULL;
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
	char		buf[sizeof(RogStateFile) + 1];

	fp = AllocateFile(ROG_STATE_FILE, PG_BINARY_R);
	if (fp == NULL)
	{
		if (errno == ENOENT)
			return false;
		problem = "it could not be opened";
	}
	else
	{
		nread = fread(buf, 1, sizeof(buf), fp);
		problem = rog_decode_state_file(buf, nread, file);
		FreeFile(fp);
	}

	if (problem == NULL)
	{
		file->reason[Max(file->reason_len, 0)] = '\0';
		file->enabled_by.data[NAMEDATALEN - 1] = '\0';
		return true;
	}

	rog_startup_report(WARNING, ERRCODE_DATA_CORRUPTED,
					   psprintf("readonly_guard state file \"%s\" is damaged: %s",
								ROG_STATE_FILE, problem),
					   "The server starts in read-only mode to be safe.",
					   "Check the cluster, then run rog_disable() to allow writes again.");

	memset(file, 0, sizeof(RogStateFile));
	file->enabled = 1;
	file->enabled_at = GetCurrentTimestamp();
	file->lsn = InvalidXLogRecPtr;
	namestrcpy(&file->enabled_by, "readonly_guard");
	file->reason_encoding = PG_SQL_ASCII;
	file->reason_len = strlen("state file damaged");
	strcpy(file->reason, "state file damaged");
	/* the current timeline, whatever it is: cleared by no promotion */
	file->armed_in_recovery = 1;
	return true;
}

/* Will the server start as a standby or for archive recovery? */
static bool
rog_starts_in_recovery(void)
{
	struct stat st;

	return stat(STANDBY_SIGNAL_FILE, &st) == 0 ||
		stat(RECOVERY_SIGNAL_FILE, &st) == 0;
}

/*
 * Start-up reports.  The shared memory startup hook runs in the postmaster
 * before the logging collector starts, so at a first start with
 * logging_collector = on what it logs goes to the postmaster's stderr only.
 * Then the reports wait in shared memory for the readonly_guard worker
 * (worker.c), started after the collector, which logs them.  At a crash
 * restart, or without the collector, they are logged at once.
 */
static bool rog_postmaster_initialized = false;

static bool
rog_defer_startup_reports(void)
{
	return Logging_collector && IsPostmasterEnvironment && !IsUnderPostmaster &&
		!rog_postmaster_initialized;
}

static void
rog_startup_report(int elevel, int sqlerrcode, const char *message,
				   const char *detail, const char *hint)
{
	RogStartupReport *report;

	if (!rog_defer_startup_reports() ||
		rog_shared->num_startup_reports >= ROG_MAX_STARTUP_REPORTS)
	{
		ereport(elevel,
				(errcode(sqlerrcode),
				 errmsg_internal("%s", message),
				 detail ? errdetail_internal("%s", detail) : 0,
				 hint ? errhint("%s", hint) : 0));
		return;
	}
	report = &rog_shared->startup_reports[rog_shared->num_startup_reports++];
	report->elevel = elevel;
	report->sqlerrcode = sqlerrcode;
	strlcpy(report->message, message, sizeof(report->message));
	strlcpy(report->detail, detail ? detail : "", sizeof(report->detail));
	strlcpy(report->hint, hint ? hint : "", sizeof(report->hint));
}

/* Log the start-up reports that waited for the logging collector. */
void
rog_log_startup_reports(void)
{
	int			i;

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < rog_shared->num_startup_reports; i++)
	{
		RogStartupReport *report = &rog_shared->startup_reports[i];

		ereport(report->elevel,
				(errcode(report->sqlerrcode),
				 errmsg_internal("%s", report->message),
				 report->detail[0] ? errdetail_internal("%s", report->detail) : 0,
				 report->hint[0] ? errhint("%s", report->hint) : 0));
	}
	rog_shared->num_startup_reports = 0;
	LWLockRelease(rog_shared->lock);
}

/* The timeline of the last checkpoint, from pg_control. */
static TimeLineID
rog_control_file_timeline(void)
{
	bool		crc_ok;
	ControlFileData *control = get_controlfile(DataDir, &crc_ok);
	TimeLineID	tli = crc_ok ? control->checkPointCopy.ThisTimeLineID : 0;

	pfree(control);
	return tli;
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
 * Say at start-up that the mode is on again.  A flag that a primary set and
 * that a standby now holds (a demoted primary) is cleared at a promotion:
 * say so already.
 */
static void
rog_report_resumed(const RogStateFile *file, bool in_recovery)
{
	char	   *detail = NULL;

	if (in_recovery && !file->armed_in_recovery)
		detail = psprintf("It was enabled on timeline %u while this server was a primary, and this server starts in recovery: "
						  "should it be promoted, the flag is cleared.", file->tli);
	else if (in_recovery)
		detail = psprintf("It was enabled on timeline %u while this server was a standby: "
						  "should it be promoted, the flag stays on.", file->tli);
	rog_startup_report(LOG, ERRCODE_SUCCESSFUL_COMPLETION,
					   "readonly_guard read-only mode is on, as it was before the restart",
					   detail, NULL);
}

/* Start in read-only mode as the state file says, unless it expired. */
static void
rog_load_enabled_state(RogStateFile *file, bool in_recovery)
{
	if (file->expires_at != 0 && file->expires_at <= GetCurrentTimestamp())
	{
		rog_startup_report(LOG, ERRCODE_SUCCESSFUL_COMPLETION,
						   psprintf("readonly_guard read-only mode expired at %s, while the server was down",
									timestamptz_to_str(file->expires_at)),
						   NULL, NULL);
		return;
	}

	/* a file of readonly_guard 1.1 or older: the last checkpoint's timeline */
	if (file->tli == 0)
		file->tli = file->set_tli = file->lsn_tli = rog_control_file_timeline();

	rog_shared->enabled_at = file->enabled_at;
	rog_shared->lsn = file->lsn;
	rog_shared->enabled_by = file->enabled_by;
	rog_shared->reason_encoding = file->reason_encoding;
	rog_shared->reason_len = file->reason_len;
	if (file->reason_len > 0)
		memcpy(rog_shared->reason, file->reason, file->reason_len + 1);
	rog_shared->tli = file->tli;
	rog_shared->set_tli = file->set_tli;
	rog_shared->lsn_tli = file->lsn_tli;
	rog_shared->armed_in_recovery = file->armed_in_recovery;
	/* no transaction survives a restart: nothing predates the mode */
	rog_shared->cutoff_xid = FirstNormalTransactionId;
	pg_atomic_write_u64(&rog_shared->expires_at, (uint64) file->expires_at);

	/*
	 * ROG_WORD_RECOVERY even without recovery: once recovery (crash recovery
	 * included) is over, the first look checks the flag's timeline.
	 */
	pg_atomic_write_u32(&rog_shared->word,
						pg_atomic_read_u32(&rog_shared->word) | ROG_WORD_ENABLED |
						ROG_WORD_RECOVERY |
						(file->expires_at != 0 ? ROG_WORD_EXPIRES : 0));
	rog_report_resumed(file, in_recovery);
}

static void
rog_shmem_startup_hook(void)
{
	bool		found;
	RogStateFile file;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	rog_shared = ShmemInitStruct("readonly_guard", sizeof(RogSharedState), &found);
	if (!found)
	{
		bool		in_recovery = rog_starts_in_recovery();

		memset(rog_shared, 0, sizeof(RogSharedState));
		rog_shared->lock = &(GetNamedLWLockTranche("readonly_guard"))->lock;
		pg_atomic_init_u32(&rog_shared->word, 0);
		pg_atomic_init_u32(&rog_shared->settings_generation, 0);
		pg_atomic_init_u32(&rog_shared->postmaster_enabled, 0);
		pg_atomic_init_u64(&rog_shared->expires_at, 0);
		for (i = 0; i < ROG_NUM_STAT_CLASSES; i++)
		{
			pg_atomic_init_u64(&rog_shared->refused_total[i], 0);
			pg_atomic_init_u64(&rog_shared->refused_since_enabled[i], 0);
		}
		pg_atomic_init_u64(&rog_shared->stats_reset, (uint64) GetCurrentTimestamp());
		if (in_recovery)
			pg_atomic_write_u32(&rog_shared->word, ROG_WORD_RECOVERY);
		rog_publish_postmaster_value();
		rog_shared->reason_len = -1;
		rog_shared->cutoff_xid = InvalidTransactionId;

		/* the postmaster (re)starts: take the state from the file */
		if (rog_read_state_file(&file) && file.enabled)
			rog_load_enabled_state(&file, in_recovery);
		if (!IsUnderPostmaster)
			rog_postmaster_initialized = true;
	}
	rog_drain_shmem_init();
	LWLockRelease(AddinShmemInitLock);
}

/* ---- the word ---- */

/*
 * Set and clear flag bits and count one change.  Atomic by itself; callers
 * that change other shared fields with it hold the lock.
 */
static void
rog_change_word(uint32 set, uint32 clear)
{
	uint32		old = pg_atomic_read_u32(&rog_shared->word);

	while (!pg_atomic_compare_exchange_u32(&rog_shared->word, &old,
										   ((old | set) & ~clear) + ROG_WORD_CHANGE))
		;
}

/*
 * The flag's life across a promotion.  The cluster flag means "freeze this
 * primary": it belongs to the timeline it was set on.  Once recovery is over
 * (a promotion, or crash recovery), a flag of another timeline is cleared,
 * with a WARNING, unless it was armed on a standby by rog_enable(), which is
 * there to freeze the server it becomes: that one stays, with a WARNING, and
 * belongs to the new timeline from now on; its LSN moves to the new
 * timeline's present.  Crash recovery stays on its timeline and so keeps
 * the flag as it was.
 */
void
rog_check_flag_timeline(void)
{
	TimeLineID	now_tli;
	RogStateFile file;
	char	   *enabled_at;

	if (!(pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED) ||
		RecoveryInProgress())
		return;
	now_tli = GetWALInsertionTimeLine();

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	if (!(pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED) ||
		rog_shared->tli == now_tli)
	{
		LWLockRelease(rog_shared->lock);
		return;
	}
	rog_state_to_file(&file);
	enabled_at = pstrdup(timestamptz_to_str(file.enabled_at));
	if (file.armed_in_recovery)
	{
		file.tli = file.lsn_tli = now_tli;
		file.armed_in_recovery = 0;
		file.lsn = GetXLogInsertRecPtr();
		rog_write_state_file(&file, "Read-only mode is on; the state file still names the timeline before the promotion.");
		rog_shared->tli = rog_shared->lsn_tli = now_tli;
		rog_shared->armed_in_recovery = 0;
		rog_shared->lsn = file.lsn;
		LWLockRelease(rog_shared->lock);
		ereport(WARNING,
				(errmsg("readonly_guard read-only mode stays on after the promotion to timeline %u", now_tli),
				 errdetail("It was enabled on a standby on timeline %u by role \"%s\" at %s, which keeps it for the promotion.",
						   file.set_tli, NameStr(file.enabled_by), enabled_at),
				 errhint("Run rog_disable() to accept writes on this primary.")));
		return;
	}
	file.enabled = 0;
	rog_write_state_file(&file, "Read-only mode stays on until the state file can be written.");
	rog_change_word(0, ROG_WORD_ENABLED | ROG_WORD_EXPIRES | ROG_WORD_ANNOUNCE);
	rog_shared->cutoff_xid = InvalidTransactionId;
	LWLockRelease(rog_shared->lock);
	ereport(WARNING,
			(errmsg("readonly_guard read-only mode of timeline %u cleared at the promotion to timeline %u",
					file.tli, now_tli),
			 errdetail("It was enabled by role \"%s\" at %s while this server was the primary of timeline %u; "
					   "a promoted server does not keep a read-only mode set on an earlier timeline.",
					   NameStr(file.enabled_by), enabled_at, file.tli),
			 errhint("Run rog_enable() to make this server read-only again.")));
}

/*
 * Called when a backend sees a word different from the one it saw last: the
 * state changed somewhere.
 */
void
rog_notice_change(uint32 word)
{
	/* outside a transaction the catalog cannot be read: look again later */
	if (!rog_refresh_session())
		return;
	rog_seen_word = word;
	rog_transaction_sees_change((word & ROG_WORD_ENABLED) || rog_session_read_only);
}

/*
 * A standby was promoted: pg_db_role_setting may have changed under replay,
 * which tells no session.  Make every session re-read it (a few backends
 * may get here before the flag is cleared: a re-read too many is harmless).
 */
void
rog_notice_promotion(void)
{
	if (RecoveryInProgress())
		return;
	rog_check_flag_timeline();
	rog_settings_changed();
	rog_change_word(0, ROG_WORD_RECOVERY);
}

/*
 * Has timed read-only mode run out by the start of this statement?  Then
 * lift it: the backend that clears the flag logs it and notifies.  The state
 * file keeps expires_at, so the mode does not come back after a restart.
 */
static void
rog_notice_expiry(uint32 word)
{
	TimestampTz now = GetCurrentStatementStartTimestamp();
	TimestampTz expires_at;

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
	/* ANNOUNCE: sessions notify until one of them commits (see guard.c) */
	rog_change_word(ROG_WORD_ANNOUNCE, ROG_WORD_ENABLED | ROG_WORD_EXPIRES);
	rog_shared->cutoff_xid = InvalidTransactionId;
	LWLockRelease(rog_shared->lock);

	ereport(LOG,
			(errmsg("read-only mode of the cluster expired at %s",
					timestamptz_to_str(expires_at))));
}

/* A transaction that announced the expiry committed: the others may stop. */
void
rog_expiry_announced(void)
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

/*
 * The slow part of rog_read_only(), for words with ROG_WORD_EXPIRES,
 * ROG_WORD_RECOVERY or ROG_WORD_ANNOUNCE.  Returns the word as it is now,
 * already noticed.
 */
uint32
rog_notice_expiry_or_promotion(uint32 word)
{
	if (word & ROG_WORD_RECOVERY)
		rog_notice_promotion();
	if (word & ROG_WORD_EXPIRES)
		rog_notice_expiry(word);
	if (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ANNOUNCE)
		rog_announce_expiry();

	word = pg_atomic_read_u32(&rog_shared->word);
	if (word != rog_seen_word)
		rog_notice_change(word);
	return word;
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
	was_enabled = (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED) != 0;

	rog_state_to_file(&file);
	file.enabled = 1;
	if (!was_enabled)
	{
		file.enabled_at = GetCurrentTimestamp();
		/* not known until the drain is over: see rog_set_lsn() */
		file.lsn = InvalidXLogRecPtr;
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
	file.expires_at = expires_at;
	/* this call, on or again, makes the flag this server's, as it is now */
	file.tli = file.set_tli = rog_current_timeline();
	file.armed_in_recovery = RecoveryInProgress();

	/* durable first; an error here leaves memory and disk unchanged */
	rog_write_state_file(&file, ROG_STATE_UNCHANGED);

	rog_shared->enabled_at = file.enabled_at;
	rog_shared->lsn = file.lsn;
	rog_shared->enabled_by = file.enabled_by;
	rog_shared->reason_encoding = file.reason_encoding;
	rog_shared->reason_len = file.reason_len;
	memcpy(rog_shared->reason, file.reason, sizeof(rog_shared->reason));
	rog_shared->tli = file.tli;
	rog_shared->set_tli = file.set_tli;
	rog_shared->armed_in_recovery = file.armed_in_recovery;

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
	if ((pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED) &&
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
	if (!(pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED))
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


