/*-------------------------------------------------------------------------
 *
 * notify.c
 *	  NOTIFY readonly_guard: every change of the mode is announced to the
 *	  listeners of the channel, with a JSON payload.
 *
 * Used by the SQL functions that change the mode and by the guard when it
 * finds that timed read-only mode expired.  A notification is delivered
 * when the transaction that queued it commits.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "commands/async.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "notify.h"
#include "state.h"

#define ROG_NOTIFY_CHANNEL	"readonly_guard"

/* Append "key": value pairs of the notification payload. */
static void
rog_json_text(StringInfo buf, const char *key, const char *value)
{
	appendStringInfo(buf, "\"%s\": ", key);
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
}

static void
rog_json_time(StringInfo buf, const char *key, TimestampTz t)
{
	rog_json_text(buf, key, t != 0 ? timestamptz_to_str(t) : NULL);
}

/*
 * NOTIFY readonly_guard with a JSON payload: {"enabled": ..., "source": ...,
 * "reason": ..., "enabled_at": ..., "expires_at": ...}.  Delivered to
 * listeners of the current database when the current transaction commits.
 * Nothing is sent where a notification cannot be (a standby, outside a
 * transaction, a process with no database).
 */
static bool
rog_notify(bool enabled, const char *source, const char *reason,
		   TimestampTz enabled_at, TimestampTz expires_at)
{
	StringInfoData payload;

	if (RecoveryInProgress() || !IsTransactionState() ||
		IsParallelWorker() || !OidIsValid(MyDatabaseId) ||
		MyBackendType != B_BACKEND)
		return false;

	initStringInfo(&payload);
	appendStringInfo(&payload, "{\"enabled\": %s, ", enabled ? "true" : "false");
	rog_json_text(&payload, "source", source);
	appendStringInfoString(&payload, ", ");
	rog_json_text(&payload, "reason", reason);
	appendStringInfoString(&payload, ", ");
	rog_json_time(&payload, "enabled_at", enabled_at);
	appendStringInfoString(&payload, ", ");
	rog_json_time(&payload, "expires_at", expires_at);
	appendStringInfoChar(&payload, '}');

	Async_Notify(ROG_NOTIFY_CHANNEL, payload.data);
	return true;
}

/*
 * Announce the cluster-wide state (after rog_enable, rog_disable, expiry).
 * Returns false if no notification could be queued here.
 */
bool
rog_notify_state_change(void)
{
	RogClusterState state;

	rog_get_cluster_state(&state);
	if (state.enabled)
		return rog_notify(true, "cluster", state.reason, state.enabled_at,
						  state.expires_at);
	return rog_notify(false, NULL, NULL, 0, 0);
}

/*
 * Announce a change of the current database's setting.  While the cluster
 * flag is on, that is what listeners must know about.
 */
void
rog_notify_database_scope(bool on, const char *message)
{
	if (rog_cluster_enabled())
		(void) rog_notify_state_change();
	else
		(void) rog_notify(on, on ? "database" : NULL, message, 0, 0);
}
