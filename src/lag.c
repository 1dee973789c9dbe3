/*-------------------------------------------------------------------------
 *
 * lag.c
 *	  Follower catch-up: rog_follower_lag() and rog_wait_for_catchup().
 *
 * Freezing writes for a maintenance is there to let the followers catch up
 * before a switchover.  rog_follower_lag() reports how far each follower is
 * behind, and rog_wait_for_catchup() waits until they have all caught up.
 *
 * On a primary the followers are the WAL senders of pg_stat_replication
 * (except those sending a base backup) and the logical replication slots
 * that no listed WAL sender streams from.  They are measured against the
 * catch-up target: the LSN at which read-only mode took effect
 * (rog_status().lsn) while the cluster flag is on, else the current WAL
 * insert position.  An LSN recorded on another timeline than the server's
 * (a flag that came through a promotion) is never the target: positions of
 * two timelines do not compare.  A follower has caught up once it has replayed up to the
 * target; a slot once its consumer has confirmed it; a client that does not
 * replay (pg_receivewal) once it has flushed it.
 *
 * On a standby there is one row, the standby itself: what it has received
 * (or, if more, the end of WAL its primary last reported) against what it
 * has replayed.
 *
 * Both functions read the system views through SPI: the views do the
 * privilege checks, and callers without the privileges of
 * pg_read_all_stats see the same NULLs there as in pg_stat_replication.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"


#include "access/htup_details.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/pg_lsn.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "functions.h"
#include "state.h"

PG_FUNCTION_INFO_V1(rog_follower_lag);
PG_FUNCTION_INFO_V1(rog_wait_for_catchup);

/* the columns of rog_follower_lag(), in order */
#define ROG_LAG_COLS			11
#define ROG_LAG_COL_NAME		1	/* application_name (SPI numbers from 1) */
#define ROG_LAG_COL_STATE		3	/* state */
#define ROG_LAG_COL_BYTES		9	/* lag_bytes */
#define ROG_LAG_COL_CAUGHT_UP	11	/* caught_up */

/* how often rog_wait_for_catchup() looks again, in milliseconds */
#define ROG_CATCHUP_POLL_MS		100

/*
 * The followers of a primary, measured against $1.  Base backups in progress
 * are not followers.  A logical slot streamed by a listed WAL sender is that
 * sender's row already.  A lost slot can never be consumed again.
 */
static const char *const rog_primary_query =
"SELECT r.application_name, r.client_addr, r.state, r.sync_state,"
"       r.sent_lsn, r.write_lsn, r.flush_lsn, r.replay_lsn,"
"       greatest(pg_catalog.pg_wal_lsn_diff($1,"
"           coalesce(r.replay_lsn, r.flush_lsn)), 0),"
"       r.replay_lag,"
"       coalesce(r.replay_lsn, r.flush_lsn) >= $1"
"  FROM pg_catalog.pg_stat_replication r"
" WHERE r.state IS DISTINCT FROM 'backup'"
" UNION ALL "
"SELECT s.slot_name::text, NULL::inet, 'logical slot', NULL::text,"
"       NULL::pg_lsn, NULL::pg_lsn, s.confirmed_flush_lsn, s.confirmed_flush_lsn,"
"       greatest(pg_catalog.pg_wal_lsn_diff($1,"
"           s.confirmed_flush_lsn), 0),"
"       NULL::interval,"
"       s.confirmed_flush_lsn >= $1"
"  FROM pg_catalog.pg_replication_slots s"
" WHERE s.slot_type = 'logical'"
"   AND s.wal_status IS DISTINCT FROM 'lost'"
"   AND NOT EXISTS (SELECT FROM pg_catalog.pg_stat_replication w"
"                    WHERE w.pid = s.active_pid)"
" ORDER BY 1";

/*
 * A standby describes itself.  The application name is the one it uses
 * towards its primary: application_name in primary_conninfo, else
 * cluster_name, else "walreceiver", as the WAL receiver does.  $1 is unused.
 */
static const char *const rog_standby_query =
"SELECT coalesce(substring(w.conninfo FROM '(?:^|\\s)application_name=(\\S+)'),"
"                substring(w.conninfo FROM 'fallback_application_name=(\\S+)'),"
"                nullif(pg_catalog.current_setting('cluster_name'), ''),"
"                'walreceiver'),"
"       NULL::inet, coalesce(w.status, 'disconnected'), NULL::text,"
"       NULL::pg_lsn, w.written_lsn, pg_catalog.pg_last_wal_receive_lsn(),"
"       pg_catalog.pg_last_wal_replay_lsn(),"
"       greatest(pg_catalog.pg_wal_lsn_diff(t.target,"
"           pg_catalog.pg_last_wal_replay_lsn()), 0),"
"       pg_catalog.now() - pg_catalog.pg_last_xact_replay_timestamp(),"
"       pg_catalog.pg_last_wal_replay_lsn() >= t.target"
"  FROM (SELECT $1) AS unused"
"  LEFT JOIN pg_catalog.pg_stat_wal_receiver w ON true"
" CROSS JOIN LATERAL (SELECT greatest("
"           pg_catalog.pg_last_wal_receive_lsn(), w.latest_end_lsn) AS target) t";

/* what one look at the followers found */
typedef struct RogCatchup
{
	XLogRecPtr	target;			/* the LSN they must reach */
	bool		draining;		/* read-only mode is still draining */
	int			connected;		/* followers that are WAL senders or standbys */
	int			behind;			/* followers that have not caught up */
} RogCatchup;

/*
 * An insert position just past a page header is where the next record will
 * start; the previous record ended at the start of that page, and that is
 * as far as a follower can get until more WAL is written.
 */
static XLogRecPtr
rog_record_boundary(XLogRecPtr lsn)
{
	if (XLogSegmentOffset(lsn, wal_segment_size) == SizeOfXLogLongPHD)
		return lsn - SizeOfXLogLongPHD;
	if (lsn % XLOG_BLCKSZ == SizeOfXLogShortPHD &&
		XLogSegmentOffset(lsn, wal_segment_size) > XLOG_BLCKSZ)
		return lsn - SizeOfXLogShortPHD;
	return lsn;
}

/*
 * The catch-up target of a primary: the read-only LSN once read-only mode
 * has taken effect, else the fallback (invalid: the current insert
 * position).
 */
static XLogRecPtr
rog_catchup_target(XLogRecPtr fallback, bool *draining)
{
	RogClusterState state;
	XLogRecPtr	target = fallback;

	rog_get_cluster_state(&state);
	if (state.reason)
		pfree(state.reason);
	*draining = state.draining;
	if (state.enabled && !state.draining && !XLogRecPtrIsInvalid(state.lsn))
	{
		if (state.lsn_tli == 0 || state.lsn_tli == state.current_tli)
			target = state.lsn;
		else if (!RecoveryInProgress())
			ereport(NOTICE,
					(errmsg("the read-only LSN %X/%X was recorded on timeline %u, this server is on timeline %u",
							LSN_FORMAT_ARGS(state.lsn), state.lsn_tli, state.current_tli),
					 errdetail("Followers are measured against the current WAL position instead.")));
	}
	if (XLogRecPtrIsInvalid(target))
		target = rog_current_lsn();
	return rog_record_boundary(target);
}

/*
 * Run the follower query; the caller reads SPI_tuptable and calls
 * SPI_finish().
 */
static void
rog_query_followers(XLogRecPtr target)
{
	Oid			argtypes[1] = {PG_LSNOID};
	Datum		values[1];

	values[0] = LSNGetDatum(target);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(RecoveryInProgress() ? rog_standby_query : rog_primary_query,
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the replication status");
	if (SPI_tuptable->tupdesc->natts != ROG_LAG_COLS)
		elog(ERROR, "unexpected column count in the replication status");
}

/*
 * rog_follower_lag() RETURNS SETOF record: one row per follower.
 */
Datum
rog_follower_lag(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext oldcxt;
	bool		draining;
	uint64		i;

	rog_require_preload();
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != ROG_LAG_COLS)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the installed readonly_guard SQL objects do not match the loaded library"),
				 errhint("Run ALTER EXTENSION readonly_guard UPDATE.")));

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcxt);

	rog_query_followers(rog_catchup_target(InvalidXLogRecPtr, &draining));
	for (i = 0; i < SPI_processed; i++)
	{
		Datum		values[ROG_LAG_COLS];
		bool		nulls[ROG_LAG_COLS];

		heap_deform_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
						  values, nulls);
		tuplestore_putvalues(store, tupdesc, values, nulls);
	}
	SPI_finish();

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	return (Datum) 0;
}

/* A text column of the current SPI row, or the given string if NULL. */
static char *
rog_spi_text(uint64 row, int col, const char *if_null)
{
	char	   *value = SPI_getvalue(SPI_tuptable->vals[row],
									 SPI_tuptable->tupdesc, col);

	return value ? value : pstrdup(if_null);
}

/*
 * Describe a follower that has not caught up, as one sentence of the
 * NOTICE's detail.
 */
static void
rog_describe_behind(StringInfo detail, uint64 row)
{
	char	   *name = rog_spi_text(row, ROG_LAG_COL_NAME, "?");
	char	   *state = rog_spi_text(row, ROG_LAG_COL_STATE, "unknown");
	char	   *bytes = SPI_getvalue(SPI_tuptable->vals[row],
									 SPI_tuptable->tupdesc, ROG_LAG_COL_BYTES);
	bool		slot = strcmp(state, "logical slot") == 0;

	if (detail->len > 0)
		appendStringInfoChar(detail, ' ');
	if (bytes == NULL)
		appendStringInfo(detail, "%s \"%s\" (%s) has not reported a position.",
						 slot ? "Logical slot" : "Follower", name, state);
	else if (slot)
		appendStringInfo(detail, "Logical slot \"%s\" is %s bytes behind.",
						 name, bytes);
	else
		appendStringInfo(detail, "Follower \"%s\" (%s) is %s bytes behind.",
						 name, state, bytes);
}

/*
 * Look at the followers once.  Counts those connected (WAL senders; on a
 * standby, itself while it streams) and those behind; if detail is not NULL,
 * describes the latter there.
 */
static void
rog_check_followers(RogCatchup *check, XLogRecPtr start_lsn, StringInfo detail)
{
	bool		in_recovery = RecoveryInProgress();
	uint64		i;

	check->target = rog_catchup_target(start_lsn, &check->draining);
	check->connected = 0;
	check->behind = 0;

	rog_query_followers(check->target);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		bool		caught_up;
		char	   *state;

		caught_up = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
											   SPI_tuptable->tupdesc,
											   ROG_LAG_COL_CAUGHT_UP, &isnull));
		if (isnull || !caught_up)
		{
			check->behind++;
			if (detail)
				rog_describe_behind(detail, i);
		}
		state = rog_spi_text(i, ROG_LAG_COL_STATE, "");
		if (in_recovery ? strcmp(state, "streaming") == 0 :
			strcmp(state, "logical slot") != 0)
			check->connected++;
	}
	SPI_finish();
}

static int32
rog_min_followers_arg(FunctionCallInfo fcinfo, int argno)
{
	int32		min_followers;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("min_followers must not be null"),
				 errhint("Use 0 to succeed when no follower is connected.")));
	min_followers = PG_GETARG_INT32(argno);
	if (min_followers < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_followers must not be negative")));
	return min_followers;
}

/* Without the privileges of pg_read_all_stats no position is visible. */
static void
rog_require_stats_privilege(void)
{
	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to wait for followers"),
				 errdetail("Only roles with privileges of the \"%s\" role can see the replication positions.",
						   "pg_read_all_stats"),
				 errhint("Grant pg_monitor to the role.")));
}

/* Report at the timeout who is behind, and why the wait did not succeed. */
static void
rog_report_not_caught_up(XLogRecPtr start_lsn, int min_followers)
{
	RogCatchup	check;
	StringInfoData detail;

	initStringInfo(&detail);
	rog_check_followers(&check, start_lsn, &detail);
	if (check.connected < min_followers)
		appendStringInfo(&detail, "%sConnected followers: %d of %d required.",
						 detail.len > 0 ? " " : "", check.connected, min_followers);
	if (check.draining)
		appendStringInfo(&detail, "%sRead-only mode is still draining writers.",
						 detail.len > 0 ? " " : "");
	if (RecoveryInProgress())
		ereport(NOTICE,
				(errmsg("this standby has not caught up with its primary"),
				 errdetail_internal("%s", detail.data)));
	else
		ereport(NOTICE,
				(errmsg("followers have not caught up with WAL position " ROG_LSN_FMT,
						LSN_FORMAT_ARGS(check.target)),
				 errdetail_internal("%s", detail.data)));
	pfree(detail.data);
}

/*
 * rog_wait_for_catchup(timeout interval, min_followers int) RETURNS boolean
 *
 * Wait until at least min_followers followers are connected and all of them
 * have caught up.  True on success; false at the timeout, with a NOTICE that
 * says who is behind.  Without read-only mode the target is the WAL insert
 * position when the wait began.
 */
Datum
rog_wait_for_catchup(PG_FUNCTION_ARGS)
{
	int64		timeout_ms;
	int32		min_followers;
	TimestampTz deadline;
	XLogRecPtr	start_lsn;
	RogCatchup	check;

	rog_require_preload();
	timeout_ms = rog_interval_arg_ms(fcinfo, 0, "timeout",
									"Use \'0\' to look once without waiting.");
	min_followers = rog_min_followers_arg(fcinfo, 1);
	rog_require_stats_privilege();

	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	start_lsn = rog_current_lsn();
	for (;;)
	{
		TimestampTz now;
		long		sleep_ms;

		CHECK_FOR_INTERRUPTS();
		rog_check_followers(&check, start_lsn, NULL);
		if (check.behind == 0 && !check.draining &&
			check.connected >= min_followers)
			PG_RETURN_BOOL(true);

		now = GetCurrentTimestamp();
		if (now >= deadline)
			break;
		sleep_ms = Min(ROG_CATCHUP_POLL_MS,
					   (long) ((deadline - now + 999) / 1000));
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 sleep_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}

	rog_report_not_caught_up(start_lsn, min_followers);
	PG_RETURN_BOOL(false);
}
