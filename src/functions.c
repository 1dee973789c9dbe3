/*-------------------------------------------------------------------------
 *
 * functions.c
 *	  SQL-callable functions: rog_enable(), rog_disable(), rog_status(),
 *	  rog_version().
 *
 * Like setval(), rog_enable() and rog_disable() act at once and are not
 * undone when the calling transaction rolls back.  Every change is logged.
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
#include "commands/dbcommands.h"
#include "utils/builtins.h"
#include "utils/pg_lsn.h"
#include "utils/timestamp.h"

#include "readonly_guard.h"

PG_FUNCTION_INFO_V1(rog_enable);
PG_FUNCTION_INFO_V1(rog_disable);
PG_FUNCTION_INFO_V1(rog_status);
PG_FUNCTION_INFO_V1(rog_version);

#define ROG_STATUS_COLS		8


void
rog_require_preload(void)
{
	if (rog_shared == NULL)
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
 * An interval argument as milliseconds: not NULL, not negative.  null_hint
 * says what to pass instead of NULL.
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

/*
 * Run ALTER DATABASE <current> SET|RESET readonly_guard.enabled, with the
 * caller's privileges, so that the database is read-only in every session
 * (see settings.c) and stays so on a promoted follower.
 */
static void
rog_alter_current_database(bool on)
{
	char	   *dbname = get_database_name(MyDatabaseId);
	char	   *sql;

	sql = psprintf(on ? "ALTER DATABASE %s SET readonly_guard.enabled = on" :
				   "ALTER DATABASE %s RESET readonly_guard.enabled",
				   quote_identifier(dbname));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not run \"%s\"", sql);
	SPI_finish();
	ereport(LOG,
			(errmsg("read-only mode %s for database \"%s\" by role \"%s\"",
					on ? "enabled" : "disabled", dbname,
					GetUserNameFromId(GetUserId(), false))));
}

/*
 * rog_enable(reason text, drain_timeout interval) RETURNS pg_lsn
 *
 * Turn cluster-wide read-only mode on, let transactions that had written
 * before finish for drain_timeout, end those still open, and return the WAL
 * insert position after that.
 */
Datum
rog_enable(PG_FUNCTION_ARGS)
{
	char	   *reason;
	int64		timeout_ms;
	TransactionId cutoff;
	bool		turned_on;
	XLogRecPtr	lsn;

	rog_require_preload();
	reason = rog_reason_arg(fcinfo, 0);
	timeout_ms = rog_interval_arg_ms(fcinfo, 1, "drain_timeout",
									 "Use '0' to end open writers at once.");
	if (!rog_scope_is_cluster(fcinfo, 2))
	{
		if (reason != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a reason can only be given for scope 'cluster'"),
					 errdetail("Database scope is the setting readonly_guard.enabled, which carries no reason.")));
		rog_alter_current_database(true);
		PG_RETURN_LSN(rog_current_lsn());
	}
	rog_refuse_if_transaction_wrote();

	turned_on = rog_set_cluster_enabled(reason, &cutoff);
	ereport(LOG,
			(errmsg(turned_on ?
					"read-only mode enabled for the cluster by role \"%s\"" :
					"read-only mode for the cluster confirmed by role \"%s\"",
					GetUserNameFromId(GetUserId(), false)),
			 reason ? errdetail("Reason: %s", reason) : 0));

	rog_drain(cutoff, timeout_ms);

	lsn = rog_current_lsn();
	if (turned_on)
		rog_set_lsn(lsn);
	PG_RETURN_LSN(lsn);
}

/*
 * rog_disable() RETURNS boolean
 *
 * Turn cluster-wide read-only mode off; true if it was on.
 */
Datum
rog_disable(PG_FUNCTION_ARGS)
{
	bool		was_on;

	rog_require_preload();
	if (!rog_scope_is_cluster(fcinfo, 0))
	{
		was_on = rog_database_setting_on();
		rog_alter_current_database(false);
		PG_RETURN_BOOL(was_on);
	}
	was_on = rog_set_cluster_disabled();
	if (was_on)
		ereport(LOG,
				(errmsg("read-only mode disabled for the cluster by role \"%s\"",
						GetUserNameFromId(GetUserId(), false))));
	if (rog_session_read_only)
		ereport(NOTICE,
				(errmsg("read-only mode stays in force in this session"),
				 errdetail("readonly_guard.enabled is on for this session.")));
	PG_RETURN_BOOL(was_on);
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
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != ROG_STATUS_COLS)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the installed readonly_guard SQL objects do not match the loaded library"),
				 errhint("Run ALTER EXTENSION readonly_guard UPDATE.")));

	rog_get_cluster_state(&state);
	source = rog_source_name();
	memset(nulls, true, sizeof(nulls));

	values[0] = BoolGetDatum(source != NULL);
	nulls[0] = false;
	if (source)
	{
		values[1] = CStringGetTextDatum(source);
		nulls[1] = false;
	}
	if (state.enabled)
	{
		if (state.reason)
		{
			values[2] = CStringGetTextDatum(state.reason);
			nulls[2] = false;
		}
		values[3] = NameGetDatum(&state.enabled_by);
		nulls[3] = false;
		values[4] = TimestampTzGetDatum(state.enabled_at);
		nulls[4] = false;
		if (!XLogRecPtrIsInvalid(state.lsn))
		{
			values[5] = LSNGetDatum(state.lsn);
			nulls[5] = false;
		}
	}
	values[6] = BoolGetDatum(state.draining);
	nulls[6] = false;
	values[7] = Int32GetDatum(rog_count_prepared_xacts());
	nulls[7] = false;

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
