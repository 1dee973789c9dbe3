/*-------------------------------------------------------------------------
 *
 * functions.c
 *	  SQL-callable functions: rog_enable(), rog_disable(), rog_status(),
 *	  rog_stats(), rog_stats_reset(), rog_version().
 *
 * Like setval(), rog_enable() and rog_disable() act at once and are not
 * undone when the calling transaction rolls back.  Every change is logged
 * and announced by NOTIFY readonly_guard, which, being a notification, is
 * delivered when the calling transaction commits.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "commands/async.h"
#include "commands/dbcommands.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/pg_lsn.h"
#include "utils/timestamp.h"

#include "drain.h"
#include "functions.h"
#include "guard.h"
#include "notify.h"
#include "settings.h"
#include "state.h"

PG_FUNCTION_INFO_V1(rog_enable);
PG_FUNCTION_INFO_V1(rog_disable);
PG_FUNCTION_INFO_V1(rog_status);
PG_FUNCTION_INFO_V1(rog_version);
PG_FUNCTION_INFO_V1(rog_stats);
PG_FUNCTION_INFO_V1(rog_stats_reset);
PG_FUNCTION_INFO_V1(rog_accepts_writes);

#define ROG_STATUS_COLS_1_0	8	/* rog_status() of SQL version 1.0 */
#define ROG_STATUS_COLS_1_1	10	/* rog_status() of SQL version 1.1 */
#define ROG_STATUS_COLS		12
#define ROG_STATS_COLS		4

static const char *const rog_stat_class_names[ROG_NUM_STAT_CLASSES] = {
	[ROG_STAT_WRITE] = "write",
	[ROG_STAT_ROW_LOCK] = "row_lock",
	[ROG_STAT_DDL] = "ddl",
	[ROG_STAT_COPY] = "copy",
	[ROG_STAT_LOCK] = "lock",
	[ROG_STAT_MAINTENANCE] = "maintenance",
	[ROG_STAT_FUNCTION] = "function",
	[ROG_STAT_COMMIT] = "commit"
};


void
rog_require_preload(void)
{
	if (!rog_state_attached())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("readonly_guard must be loaded via shared_preload_libraries"),
				 errhint("Add readonly_guard to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/* The reason argument, checked; NULL if none was given. */
static char *
rog_reason_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *reason;
	size_t		len;

	if (PG_ARGISNULL(argno))
		return NULL;
	reason = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	len = strlen(reason);
	if (len > ROG_REASON_MAXLEN)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("reason is too long"),
				 errdetail("The reason is %zu bytes long; the limit is %d bytes.",
						   len, ROG_REASON_MAXLEN)));
	return reason;
}

/*
 * An interval argument as milliseconds: not NULL, finite, not negative,
 * at most ROG_MAX_TIMEOUT_MS.  null_hint says what to pass instead of NULL.
 * An infinite interval is refused rather than taken as the longest one:
 * expires_in already has NULL for "no end", and a drain or a wait with no
 * end is never what a script means.
 */
int64
rog_interval_arg_ms(FunctionCallInfo fcinfo, int argno, const char *name,
					const char *null_hint)
{
	Interval   *span;
	double		usecs;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name),
				 errhint("%s", null_hint)));
	span = PG_GETARG_INTERVAL_P(argno);
	/* PostgreSQL 17 and later: 'infinity' and '-infinity' */
	if (ROG_INTERVAL_IS_INFINITE(span))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite interval", name),
				 errdetail("Infinite intervals are not accepted."),
				 strcmp(name, "expires_in") == 0 ?
				 errhint("Pass NULL for read-only mode that lasts until rog_disable().") :
				 errhint("Use a finite interval; any longer than 100 years counts as 100 years.")));
	usecs = (double) span->time +
		((double) span->day + (double) span->month * DAYS_PER_MONTH) * USECS_PER_DAY;
	if (usecs < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", name)));
	return (int64) Min(ceil(usecs / 1000.0), (double) ROG_MAX_TIMEOUT_MS);
}

/*
 * The scope argument: true for 'cluster', false for 'database'.
 */
static bool
rog_scope_is_cluster(FunctionCallInfo fcinfo, int argno)
{
	char	   *scope;

	/* SQL objects that predate the scope argument do not pass it */
	if (PG_NARGS() <= argno)
		return true;
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("scope must not be null"),
				 errhint("Use 'cluster' or 'database'.")));
	scope = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(scope, "cluster") == 0)
		return true;
	if (strcmp(scope, "database") == 0)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid scope \"%s\"", scope),
			 errhint("Use 'cluster' or 'database'.")));
	return false;				/* keep compiler quiet */
}

/* Run one utility statement through SPI, with the caller's privileges. */
static void
rog_run_utility(const char *sql)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not run \"%s\"", sql);
	SPI_finish();
}

/*
 * Run ALTER DATABASE <current> SET|RESET readonly_guard.enabled, with the
 * caller's privileges, so that the database is read-only in every session
 * (see settings.c) and stays so on a promoted follower.  A message, if
 * given, goes to readonly_guard.message; disabling removes the database's
 * message if it has one.  Each setting needs its own SET privilege.
 */
static void
rog_alter_current_database(bool on, const char *message)
{
	char	   *dbname = get_database_name(MyDatabaseId);
	const char *db = quote_identifier(dbname);

	if (on)
	{
		rog_run_utility(psprintf("ALTER DATABASE %s SET readonly_guard.enabled = on", db));
		if (message)
			rog_run_utility(psprintf("ALTER DATABASE %s SET readonly_guard.message = %s",
									 db, quote_literal_cstr(message)));
	}
	else
	{
		rog_run_utility(psprintf("ALTER DATABASE %s RESET readonly_guard.enabled", db));
		if (rog_database_message() != NULL)
			rog_run_utility(psprintf("ALTER DATABASE %s RESET readonly_guard.message", db));
	}
	ereport(LOG,
			(errmsg("read-only mode %s for database \"%s\" by role \"%s\"",
					on ? "enabled" : "disabled", dbname,
					GetUserNameFromId(GetUserId(), false)),
			 message ? errdetail("Message: %s", message) : 0));
}

/*
 * The expires_in argument as an absolute time, or 0 for none (NULL, or a
 * SQL definition that predates the argument).
 */
static TimestampTz
rog_expires_arg(FunctionCallInfo fcinfo, int argno)
{
	int64		ms;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return 0;
	ms = rog_interval_arg_ms(fcinfo, argno, "expires_in", "");
	if (ms == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expires_in must be greater than zero"),
				 errhint("Pass NULL for read-only mode that lasts until rog_disable().")));
	return TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);
}


/*
 * rog_enable(reason text, drain_timeout interval, scope text,
 *			  expires_in interval) RETURNS pg_lsn
 *
 * Turn cluster-wide read-only mode on, let transactions that had written
 * before finish for drain_timeout, end those still open, and return the WAL
 * insert position after that.  With expires_in the mode lifts itself once
 * that time has passed.
 */
static Datum
rog_enable_call(PG_FUNCTION_ARGS)
{
	char	   *reason;
	int64		timeout_ms;
	TransactionId cutoff;
	TimestampTz cutoff_time;
	bool		turned_on;
	XLogRecPtr	lsn;
	TimestampTz expires_at;

	reason = rog_reason_arg(fcinfo, 0);
	timeout_ms = rog_interval_arg_ms(fcinfo, 1, "drain_timeout",
									 "Use '0' to end open writers at once.");
	expires_at = rog_expires_arg(fcinfo, 3);
	if (!rog_scope_is_cluster(fcinfo, 2))
	{
		if (expires_at != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("expires_in can only be given for scope 'cluster'"),
					 errdetail("Database scope is the setting readonly_guard.enabled, which stays until it is reset.")));
		rog_alter_current_database(true, reason);
		rog_notify_database_scope(true, reason);
		PG_RETURN_LSN(rog_current_lsn());
	}
	rog_refuse_if_transaction_wrote();

	turned_on = rog_set_cluster_enabled(reason, expires_at, &cutoff, &cutoff_time);
	ereport(LOG,
			(errmsg(turned_on ?
					"read-only mode enabled for the cluster by role \"%s\"" :
					"read-only mode for the cluster confirmed by role \"%s\"",
					GetUserNameFromId(GetUserId(), false)),
			 reason ? errdetail("Reason: %s", reason) : 0,
			 expires_at ? errhint("It lifts itself at %s.", timestamptz_to_str(expires_at)) : 0));
	(void) rog_notify_state_change();

	rog_xact_read_only_after_enable();
	rog_drain(cutoff, cutoff_time, timeout_ms);

	lsn = rog_current_lsn();
	rog_set_lsn(lsn, turned_on);
	PG_RETURN_LSN(lsn);
}

/*
 * rog_disable() RETURNS boolean
 *
 * Turn cluster-wide read-only mode off; true if it was on.
 */
static Datum
rog_disable_call(PG_FUNCTION_ARGS)
{
	bool		was_on;

	if (!rog_scope_is_cluster(fcinfo, 0))
	{
		was_on = rog_database_setting_on();
		rog_alter_current_database(false, NULL);
		if (was_on)
			rog_notify_database_scope(false, NULL);
		PG_RETURN_BOOL(was_on);
	}
	was_on = rog_set_cluster_disabled();
	if (was_on)
	{
		ereport(LOG,
				(errmsg("read-only mode disabled for the cluster by role \"%s\"",
						GetUserNameFromId(GetUserId(), false))));
		(void) rog_notify_state_change();
	}
	if (rog_session_read_only)
		ereport(NOTICE,
				(errmsg("read-only mode stays in force in this session"),
				 errdetail("readonly_guard.enabled is on for this session.")));
	PG_RETURN_BOOL(was_on);
}

/*
 * Run rog_enable() or rog_disable() as an administrator's call: the drain
 * of another rog_enable() neither waits for nor cancels the statement in
 * which it runs or has returned (so that concurrent callers do not block or
 * end each other, also at their commit, whose NOTIFY waits for its turn).
 * A call that fails does not count (a PL/pgSQL block may catch the error).
 */
static Datum
rog_admin_call(PGFunction body, FunctionCallInfo fcinfo)
{
	Datum		result;

	rog_require_preload();
	rog_drain_note_admin_call(true);
	PG_TRY();
	{
		result = body(fcinfo);
	}
	PG_CATCH();
	{
		rog_drain_note_admin_call(false);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return result;
}

Datum
rog_enable(PG_FUNCTION_ARGS)
{
	return rog_admin_call(rog_enable_call, fcinfo);
}

Datum
rog_disable(PG_FUNCTION_ARGS)
{
	return rog_admin_call(rog_disable_call, fcinfo);
}

/* How many prepared transactions wait for COMMIT/ROLLBACK PREPARED. */
static int
rog_count_prepared_xacts(void)
{
	int			n;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT count(*)::int4 FROM pg_catalog.pg_prepared_xacts",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not count prepared transactions");
	n = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
									SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return n;
}

/*
 * What makes this session read-only: readonly_guard's cluster flag or
 * setting, else recovery (a standby accepts no writes either); NULL if
 * nothing does.
 */
static const char *
rog_status_source(void)
{
	const char *source = rog_source_name();

	if (source == NULL && RecoveryInProgress())
		source = "recovery";
	return source;
}

/*
 * rog_accepts_writes() RETURNS boolean, for health checks that route writes
 * (HAProxy, PgBouncer, an application's pool): would this session's write be
 * accepted?  False on a standby, under readonly_guard's mode or setting, and
 * when default_transaction_read_only is on.  Exempt roles count as writable.
 */
Datum
rog_accepts_writes(PG_FUNCTION_ARGS)
{
	rog_require_preload();
	if (RecoveryInProgress() || DefaultXactReadOnly)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(!rog_mode_in_force() || rog_session_exempt());
}

/* The row type of rog_status() in the installed SQL version, checked. */
static TupleDesc
rog_status_tupdesc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != ROG_STATUS_COLS && tupdesc->natts != ROG_STATUS_COLS_1_1 &&
		tupdesc->natts != ROG_STATUS_COLS_1_0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the installed readonly_guard SQL objects do not match the loaded library"),
				 errhint("Run ALTER EXTENSION readonly_guard UPDATE.")));
	return tupdesc;
}

/* Set column i of a rog_status() row. */
static inline void
rog_status_set(Datum *values, bool *nulls, int i, Datum value)
{
	values[i] = value;
	nulls[i] = false;
}

/*
 * rog_status() RETURNS record: the state as this session sees it.
 */
Datum
rog_status(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[ROG_STATUS_COLS];
	bool		nulls[ROG_STATUS_COLS];
	RogClusterState state;
	const char *source;

	rog_require_preload();
	tupdesc = rog_status_tupdesc(fcinfo);
	(void) rog_mode_in_force();		/* notice changes and expiry first */
	rog_get_cluster_state(&state);
	source = rog_status_source();
	memset(nulls, true, sizeof(nulls));

	rog_status_set(values, nulls, 0, BoolGetDatum(source != NULL));
	if (source)
		rog_status_set(values, nulls, 1, CStringGetTextDatum(source));
	if (state.enabled ? state.reason != NULL :
		(source != NULL && rog_session_message() != NULL))
		rog_status_set(values, nulls, 2,
					   CStringGetTextDatum(state.enabled ? state.reason :
										   rog_session_message()));
	if (state.enabled)
	{
		rog_status_set(values, nulls, 3, NameGetDatum(&state.enabled_by));
		rog_status_set(values, nulls, 4, TimestampTzGetDatum(state.enabled_at));
		if (!XLogRecPtrIsInvalid(state.lsn))
			rog_status_set(values, nulls, 5, LSNGetDatum(state.lsn));
	}
	rog_status_set(values, nulls, 6, BoolGetDatum(state.draining));
	rog_status_set(values, nulls, 7, Int32GetDatum(rog_count_prepared_xacts()));
	/* columns added in 1.1 */
	if (state.expires_at != 0)
		rog_status_set(values, nulls, 8, TimestampTzGetDatum(state.expires_at));
	rog_status_set(values, nulls, 9, BoolGetDatum(rog_session_exempt()));
	/* columns added in 1.2: the flag's timeline, known since 1.2 */
	if (state.enabled && state.set_tli != 0)
	{
		rog_status_set(values, nulls, 10, Int32GetDatum((int32) state.set_tli));
		rog_status_set(values, nulls, 11, BoolGetDatum(state.before_promotion));
	}

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * rog_version() returns the version of the loaded library, which matches
 * default_version in the control file; works without preloading.
 */
Datum
rog_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(ROG_VERSION));
}

/*
 * rog_stats() RETURNS SETOF record: per statement class, the statements
 * refused since the cluster-wide mode was last turned on and since the
 * server started (or rog_stats_reset()).
 */
Datum
rog_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[ROG_STATS_COLS];
	bool		nulls[ROG_STATS_COLS] = {0};
	uint64		since_enabled[ROG_NUM_STAT_CLASSES];
	uint64		total[ROG_NUM_STAT_CLASSES];
	TimestampTz reset;
	int			i;

	rog_require_preload();
	InitMaterializedSRF(fcinfo, 0);
	reset = rog_read_stats(since_enabled, total);
	for (i = 0; i < ROG_NUM_STAT_CLASSES; i++)
	{
		values[0] = CStringGetTextDatum(rog_stat_class_names[i]);
		values[1] = Int64GetDatum((int64) since_enabled[i]);
		values[2] = Int64GetDatum((int64) total[i]);
		values[3] = TimestampTzGetDatum(reset);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* rog_stats_reset() RETURNS void: zero every refusal counter. */
Datum
rog_stats_reset(PG_FUNCTION_ARGS)
{
	rog_require_preload();
	rog_reset_stats();
	PG_RETURN_VOID();
}
