/*-------------------------------------------------------------------------
 *
 * report.c
 *	  The refusal: SQLSTATE 25006, core's wording, and a detail and hint
 *	  that say why (the cluster flag, a database or role setting) and what
 *	  to do.  Also the explanation added to core's own read-only refusals.
 *
 * Core refuses nextval() and setval() on permanent sequences itself in a
 * transaction the guard marked read-only.  Such refusals get our detail and
 * hint from an error context callback (rog_explain_core_refusal()) that
 * ProcessUtility pushes while the mode is on, and ExecutorRun once the
 * transaction may meet such a refusal (ROG_XACT_CORE_MAY_REFUSE); any other
 * refusal of core's that carries no detail gets one as it is emitted
 * (rog_explain_refusal(), from the emit_log_hook).  Which counter of
 * rog_stats() a refusal goes to is decided here too.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#include "guard_int.h"

/* set while rog_refuse() raises its error; see rog_explain_core_refusal() */
bool		rog_raising = false;

const char *
rog_source_name(void)
{
	if (rog_cluster_enabled())
		return "cluster";
	return rog_session_source();
}

/* A sentence that says why writes are refused; appended to buf. */
static void
rog_append_state_sentence(StringInfo buf)
{
	RogClusterState state;

	rog_get_cluster_state(&state);
	if (!state.enabled)
	{
		const char *source = rog_session_source();
		const char *message = rog_session_message();

		if (source && strcmp(source, "database") == 0)
			appendStringInfoString(buf,
								   "Read-only mode of readonly_guard is on for this session because readonly_guard.enabled is set for this database.");
		else if (source && strcmp(source, "role") == 0)
			appendStringInfoString(buf,
								   "Read-only mode of readonly_guard is on for this session because readonly_guard.enabled is set for this role.");
		else
			appendStringInfoString(buf,
								   "Read-only mode of readonly_guard is on for this session because readonly_guard.enabled is on.");
		if (message != NULL)
			appendStringInfo(buf, " Message: \"%s\".", message);
		return;
	}
	appendStringInfo(buf,
					 "The cluster is in read-only mode of readonly_guard since %s, enabled by role \"%s\".",
					 timestamptz_to_str(state.enabled_at),
					 NameStr(state.enabled_by));
	if (state.reason != NULL)
		appendStringInfo(buf, " Reason: \"%s\".", state.reason);
	if (state.expires_at != 0)
		appendStringInfo(buf, " It lifts itself at %s.",
						 timestamptz_to_str(state.expires_at));
	if (state.before_promotion)
		appendStringInfo(buf, " It was enabled on timeline %u, before a promotion; this server is on timeline %u.",
						 state.set_tli, state.current_tli);
}

static const char *
rog_hint_text(void)
{
	if (rog_cluster_enabled())
		return "Reads keep working. Writes are accepted again once an administrator runs rog_disable().";
	return "Reads keep working. Writes are accepted again once readonly_guard.enabled is turned off.";
}

/* Refuse a statement or call, naming it as core does, and count it. */
void
rog_refuse(RogStatClass class, const char *what, const char *extra_detail)
{
	StringInfoData detail;

	rog_count_refusal(class);
	initStringInfo(&detail);
	rog_append_state_sentence(&detail);
	if (extra_detail)
		appendStringInfo(&detail, " %s", extra_detail);

	rog_raising = true;
	ereport(ERROR,
			(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
			 errmsg("cannot execute %s in a read-only transaction", what),
			 errdetail_internal("%s", detail.data),
			 errhint("%s", rog_hint_text())));
}

/*
 * Error context callback, active while a statement runs in read-only mode:
 * core refuses nextval() and setval() on permanent sequences itself (the
 * transaction is marked read-only), with no word of why.  Add our detail
 * and hint to such errors.  Our own errors carry them already.
 */
void
rog_explain_core_refusal(void *arg)
{
	StringInfoData detail;

	if (rog_raising || geterrcode() != ERRCODE_READ_ONLY_SQL_TRANSACTION)
		return;
	/* once per error, however many of these callbacks are stacked */
	rog_raising = true;
	rog_count_refusal(ROG_STAT_FUNCTION);
	initStringInfo(&detail);
	rog_append_state_sentence(&detail);
	errdetail_internal("%s", detail.data);
	errhint("%s", rog_hint_text());
}

/*
 * Why is this transaction read-only, if readonly_guard's mode is not in
 * force?  A sentence for the detail of core's refusal.
 */
static const char *
rog_read_only_transaction_cause(void)
{
	if (RecoveryInProgress())
		return "This server is a standby in recovery, which accepts no writes.";
	if (DefaultXactReadOnly)
		return "The transaction is read-only because default_transaction_read_only is on.";
	return "The transaction was declared read-only by BEGIN READ ONLY, SET TRANSACTION READ ONLY or transaction_read_only.";
}

/*
 * A refusal of core's own (SQLSTATE 25006, no detail) is about to be sent:
 * name its cause.  Under readonly_guard's mode, a refusal that no error
 * context of the guard explained (a quiet statement's nextval()) gets the
 * guard's detail and hint; otherwise the transaction is read-only for a
 * reason of its own (recovery, default_transaction_read_only, BEGIN READ
 * ONLY).  Core's message and SQLSTATE stay.  It runs as the error is
 * emitted, so statements pay nothing for it.
 */
void
rog_explain_refusal(ErrorData *edata)
{
	StringInfoData detail;

	if (edata->elevel < ERROR || edata->sqlerrcode != ERRCODE_READ_ONLY_SQL_TRANSACTION ||
		edata->detail != NULL || !rog_state_attached() ||
		rog_state_lock_held_by_me())
		return;
	if ((rog_cluster_enabled()) ||
		rog_session_read_only)
	{
		initStringInfo(&detail);
		rog_append_state_sentence(&detail);
		edata->detail = detail.data;
		edata->hint = pstrdup(rog_hint_text());
		return;
	}
	edata->detail = pstrdup(rog_read_only_transaction_cause());
	if (RecoveryInProgress())
		edata->hint = pstrdup("Send writes to the primary server.");
}

/* ---- which counter, what detail ---- */

/* Which counter a refused utility statement goes to. */
RogStatClass
rog_utility_stat_class(Node *parsetree, RogUtilityKind kind)
{
	if (kind == ROG_UTILITY_MAINTENANCE)
		return ROG_STAT_MAINTENANCE;
	switch (nodeTag(parsetree))
	{
		case T_CopyStmt:
			return ROG_STAT_COPY;
		case T_LockStmt:
			return ROG_STAT_LOCK;
		case T_TransactionStmt:
			return ROG_STAT_COMMIT;
		default:
			return ROG_STAT_DDL;
	}
}

/* What the refusal of a utility statement adds to the detail. */
const char *
rog_utility_refusal_detail(Node *parsetree, RogUtilityKind kind)
{
	if (kind == ROG_UTILITY_MAINTENANCE)
		return "VACUUM, ANALYZE, CLUSTER and REINDEX are allowed only while readonly_guard.allow_maintenance is on.";
	if (IsA(parsetree, LockStmt))
		return "Lock modes stronger than ROW EXCLUSIVE would block readers.";
	return NULL;
}

/* Which counter a refused plan goes to. */
RogStatClass
rog_plan_stat_class(PlannedStmt *stmt)
{
	return (stmt->commandType == CMD_SELECT && !stmt->hasModifyingCTE) ?
		ROG_STAT_ROW_LOCK : ROG_STAT_WRITE;
}

/*
 * Why removing the object is refused.  A client backend without a
 * temporary schema yet is clearing the one an earlier session left behind
 * (PostgreSQL does that before the first temporary object of a session).
 */
char *
rog_drop_refusal_detail(const ObjectAddress *address, bool temp)
{
	Oid			temp_namespace;
	Oid			temp_toast_namespace;
	const char *description = getObjectDescription(address, true);

	GetTempNamespaceState(&temp_namespace, &temp_toast_namespace);
	if (MyBackendType == B_BACKEND && !OidIsValid(temp_namespace))
		return psprintf("This session's temporary schema holds objects that an earlier session left behind, and removing them first would remove %s, which is not temporary.",
						description);
	return psprintf(temp ?
					"The statement would remove %s, and so change an object that is not temporary." :
					"The statement would remove %s, which is not temporary.",
					description);
}
