/*-------------------------------------------------------------------------
 *
 * startup.c
 *	  The cluster state at start-up and after a promotion.
 *
 * At start-up (and at a crash restart, which re-runs the shared memory
 * startup hook) the state comes from the state file.  A damaged state file
 * makes the server start in read-only mode with a WARNING: failing safe.
 * The flag belongs to the timeline it was set on; once recovery is over, a
 * flag of an earlier timeline is cleared or kept as rog_check_flag_timeline()
 * says.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "common/controldata_utils.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "postmaster/syslogger.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "state_int.h"

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

	rog_state_from_file(file);
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

/* A state file that cannot be trusted: read-only mode, to be safe. */
static void
rog_fail_safe(RogStateFile *file, const char *problem)
{
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
}

/*
 * Take the state from the state file, in the postmaster (or at a crash
 * restart), once rog_state_shmem_init() has made the shared memory.
 */
void
rog_state_load(void)
{
	RogStateFile file;
	const char *problem;
	bool		in_recovery = rog_starts_in_recovery();

	if (in_recovery)
		rog_change_word(ROG_WORD_RECOVERY, 0);
	if (rog_read_state_file(&file, &problem))
	{
		if (problem != NULL)
			rog_fail_safe(&file, problem);
		if (file.enabled)
			rog_load_enabled_state(&file, in_recovery);
	}
	if (!IsUnderPostmaster)
		rog_postmaster_initialized = true;
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
static void
rog_check_flag_timeline(void)
{
	TimeLineID	now_tli;
	RogStateFile file;
	char	   *enabled_at;

	if (!rog_cluster_enabled() ||
		RecoveryInProgress())
		return;
	now_tli = GetWALInsertionTimeLine();

	LWLockAcquire(rog_shared->lock, LW_EXCLUSIVE);
	if (!rog_cluster_enabled() ||
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
		rog_state_from_file(&file);
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
 * Recovery is over (a promotion, or the end of crash recovery): check the
 * flag's timeline.  pg_db_role_setting may have changed under replay,
 * which tells no session.  Make every session re-read it (a few backends
 * may get here before the flag is cleared: a re-read too many is harmless).
 */
void
rog_state_notice_promotion(void)
{
	if (RecoveryInProgress())
		return;
	rog_check_flag_timeline();
	rog_settings_changed();
	rog_change_word(0, ROG_WORD_RECOVERY);
}
