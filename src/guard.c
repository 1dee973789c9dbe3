/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  The hooks that refuse writes while read-only mode is in force, and
 *	  their installation.
 *
 * Writes can reach the database by four doors, and each has a guard:
 *
 *	ExecutorStart		every planned statement (DML, SELECT FOR UPDATE/SHARE,
 *	ExecutorRun			EXPLAIN ANALYZE, statements run by functions, triggers,
 *						rules, prepared statements, cursors).  Writes to
 *						temporary tables pass, as in core's own check.
 *	ProcessUtility		every utility statement, top-level or nested.  DDL is
 *						refused unless it only touches temporary objects;
 *						statements that change no data pass (classify.c).
 *	object access		OAT_FUNCTION_EXECUTE runs before any function is
 *						called, by the executor and by the fast-path protocol
 *						alike.  Writer functions (writers.c) are refused
 *						there, and every other call runs in a transaction
 *						marked read-only so that core refuses nextval()/
 *						setval() on permanent sequences.  Creating, altering,
 *						dropping and truncating objects is checked too.
 *	commit				the transaction callback (xact.c) judges every
 *						transaction that holds an XID under the mode,
 *						whatever hook it passed or did not: the promise
 *						rests on it (rog_judge_commit()).
 *
 * Each hook is a bare jump to the next one in the common case (guard_int.h
 * explains how, once): its out-of-line part, pg_noinline, does the rest.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_namespace.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/autovacuum.h"
#include "tcop/pquery.h"
#include "tcop/utility.h"
#include "utils/backend_status.h"
#include "utils/lsyscache.h"

#include "drain.h"
#include "guard_int.h"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static object_access_hook_type prev_object_access_hook = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;
static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;

/* > 0 while the executor sets up a plan for EXPLAIN without ANALYZE */
static int	rog_explain_only_depth = 0;

/*
 * The guard lowered XactReadOnly for DDL on temporary objects, which core
 * refuses in a read-only transaction: until the statement's first object
 * access event (core's check is behind it then) or a call of a function
 * that is not built in (rog_fmgr_hook()).
 */
static bool rog_lifted = false;

/* Run the rest of a statement with rog_explain_core_refusal() in context. */
static inline void
rog_push_error_context(ErrorContextCallback *callback)
{
	rog_raising = false;
	callback->callback = rog_explain_core_refusal;
	callback->arg = NULL;
	callback->previous = error_context_stack;
	error_context_stack = callback;
}

/* ---- ExecutorStart ---- */

static void
rog_check_plan(PlannedStmt *stmt, int eflags)
{
	bool		writes = (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 &&
		rog_plan_may_write(stmt);

	if (!writes &&
		(rog_xact_settled() ||
		 ((rog_xact_bits & ROG_XACT_OBSERVED) == 0 && rog_settle_reading_xact())))
		return;

	rog_observe();
	if (rog_transaction_may_write(writes ? CreateCommandName((Node *) stmt) : NULL))
	{
		rog_xact_read_only_off();
		return;
	}

	rog_xact_read_only_on();
	rog_settle_xact(0);
	if (!writes)
		return;
	if (rog_plan_writes_permanent_relation(stmt))
		rog_refuse(rog_plan_stat_class(stmt), CreateCommandName((Node *) stmt), NULL);
}

static inline void
rog_call_next_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * rog_settle_reading_xact() for the first read of a transaction, in the
 * common case: the backend has taken in the state word, which needs no look
 * at every statement; no exempt roles are configured; the transaction
 * callback is registered.  Without a function call, so that the hook needs
 * no stack frame.  False if the case is not that simple.
 */
static inline bool
rog_settle_first_read(PlannedStmt *stmt)
{
	uint32		word = rog_state_word();

	if (word != rog_seen_word ||
		(word & ROG_WORD_WATCH) != 0 ||
		((word & ROG_WORD_ENABLED) == 0 && !rog_session_read_only) ||
		rog_plan_may_write(stmt) || rog_xact_has_xid() ||
		(rog_exempt_roles != NULL && rog_exempt_roles[0] != '\0'))
		return false;
	rog_xact_set(ROG_XACT_OBSERVED | ROG_XACT_SETTLED | rog_xact_read_only_flag());
	rog_settled_word = word;
	return true;
}

/*
 * Set up a plan for EXPLAIN without ANALYZE: the functions it names are
 * looked up, not run, so the function hook must not refuse them.
 */
static void
rog_start_explain_only(QueryDesc *queryDesc, int eflags)
{
	rog_explain_only_depth++;
	PG_TRY();
	{
		rog_call_next_ExecutorStart(queryDesc, eflags);
	}
	PG_FINALLY();
	{
		rog_explain_only_depth--;
	}
	PG_END_TRY();
}

static pg_noinline void
rog_check_executor_start_fully(QueryDesc *queryDesc, int eflags)
{
	if (rog_read_only())
		rog_check_plan(queryDesc->plannedstmt, eflags);
	else
		rog_note_mode_off();
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		rog_start_explain_only(queryDesc, eflags);
	else
		rog_call_next_ExecutorStart(queryDesc, eflags);
}

/*
 * The first read of a transaction under the mode settles it at once; any
 * other statement gets the whole check.
 */
static pg_noinline void
rog_check_executor_start(QueryDesc *queryDesc, int eflags)
{
	rog_check_chain();
	if (likely((eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 &&
			   rog_settle_first_read(queryDesc->plannedstmt)))
		rog_call_next_ExecutorStart(queryDesc, eflags);
	else
		rog_check_executor_start_fully(queryDesc, eflags);
}

/*
 * The common case is a bare jump to the next hook: the mode is off, or a
 * settled transaction runs a plan that cannot write (and is not set up for
 * EXPLAIN, whose functions the function hook must know not to refuse).
 */
static void
rog_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	uint32		word = rog_state_word();

	if (unlikely(word != rog_quiet_word) &&
		!(rog_settled_under(word) && !rog_plan_may_write(queryDesc->plannedstmt) &&
		  (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0))
		rog_check_executor_start(queryDesc, eflags);
	else
		rog_call_next_ExecutorStart(queryDesc, eflags);
}

/* ---- ExecutorRun ---- */

/*
 * A portal (a cursor, a portal of the extended protocol) created before this
 * backend saw the mode set up its plan then: the function hook did not see
 * the functions it calls under the mode.  Refuse it if one of them writes.
 */
static void
rog_check_portal(PlannedStmt *stmt)
{
	Oid			writer;

	if (ActivePortal == NULL || ActivePortal->creation_time >= rog_mode_seen_at ||
		rog_transaction_may_write(NULL))
		return;
	writer = rog_plan_calls_writer(stmt);
	if (OidIsValid(writer))
		rog_refuse(ROG_STAT_FUNCTION, psprintf("%s()", get_func_name(writer)),
				   "The cursor or portal that calls it was set up before read-only mode began.");
}

static inline void
rog_call_next_ExecutorRun(ROG_EXECUTOR_RUN_PARAMS)
{
	if (prev_ExecutorRun)
		prev_ExecutorRun(ROG_EXECUTOR_RUN_ARGS);
	else
		standard_ExecutorRun(ROG_EXECUTOR_RUN_ARGS);
}

/*
 * Run a statement under read-only mode: check its plan again (a cursor or
 * portal may have started before the mode, and each fetch runs here), and
 * run it with rog_explain_core_refusal() in the error context.
 */
static pg_noinline void
rog_run_explaining_refusals(ROG_EXECUTOR_RUN_PARAMS)
{
	ErrorContextCallback callback;

	rog_check_chain();
	if (!rog_read_only())
	{
		rog_note_mode_off();
		rog_call_next_ExecutorRun(ROG_EXECUTOR_RUN_ARGS);
		return;
	}
	rog_check_plan(queryDesc->plannedstmt, 0);
	rog_check_portal(queryDesc->plannedstmt);
	rog_push_error_context(&callback);
	rog_call_next_ExecutorRun(ROG_EXECUTOR_RUN_ARGS);
	error_context_stack = callback.previous;
}

/*
 * The common case is a bare jump to the next hook: the mode is off, or a
 * settled transaction runs a plan that cannot write, and has called nothing
 * that core might refuse (ROG_XACT_CORE_MAY_REFUSE: the function hook sees such
 * a call when the executor sets up the plan, before it runs; a cursor set
 * up before the mode came is covered by the change the transaction saw).
 * The flags are the current transaction's while it is settled.
 */
static void
rog_ExecutorRun(ROG_EXECUTOR_RUN_PARAMS)
{
	uint32		word = rog_state_word();

	if (unlikely(word != rog_quiet_word) &&
		!(rog_settled_under(word) && (rog_xact_bits & ROG_XACT_CORE_MAY_REFUSE) == 0 &&
		  !rog_plan_may_write(queryDesc->plannedstmt)))
		rog_run_explaining_refusals(ROG_EXECUTOR_RUN_ARGS);
	else
		rog_call_next_ExecutorRun(ROG_EXECUTOR_RUN_ARGS);
}

/* ---- ProcessUtility ---- */

static void
rog_call_next_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
							 bool readOnlyTree, ProcessUtilityContext context,
							 ParamListInfo params, QueryEnvironment *queryEnv,
							 DestReceiver *dest, QueryCompletion *qc)
{
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

/*
 * Run a utility statement that read-only mode allows, of the given kind.
 * DDL on temporary objects and readonly_guard settings are refused by core
 * in a read-only transaction: for them (lift) the transaction's read-only
 * flag is lowered if, and only if, the guard set it, and only until a
 * nested statement or function call under the statement sets it again.
 * While it runs, rog_running_kind tells the object access hook what it may
 * create, alter and drop.
 */
static void
rog_run_allowed_utility(RogUtilityKind kind, bool lift,
						PlannedStmt *pstmt, const char *queryString,
						bool readOnlyTree, ProcessUtilityContext context,
						ParamListInfo params, QueryEnvironment *queryEnv,
						DestReceiver *dest, QueryCompletion *qc)
{
	RogUtilityKind save_kind = rog_running_kind;
	bool		save_lifted = rog_lifted;
	bool		lifted;

	rog_xact_read_only_on();
	lifted = lift && (rog_xact_flags() & ROG_XACT_RO_FORCED) != 0 && XactReadOnly;
	if (lifted)
	{
		XactReadOnly = false;
		rog_unsettle();
	}
	rog_running_kind = kind;
	rog_lifted = lifted;
	PG_TRY();
	{
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		rog_running_kind = save_kind;
		rog_lifted = save_lifted;
		if (lifted)
			XactReadOnly = true;
	}
	PG_END_TRY();
}

/*
 * A utility statement under read-only mode: run it if the mode allows it
 * (with the transaction's read-only flag as it must be), or refuse it.
 */
static void
rog_run_utility_under_mode(RogUtilityKind kind, PlannedStmt *pstmt,
						   const char *queryString, bool readOnlyTree,
						   ProcessUtilityContext context, ParamListInfo params,
						   QueryEnvironment *queryEnv, DestReceiver *dest,
						   QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	if (rog_transaction_may_write(kind == ROG_UTILITY_READ ? NULL :
								  CreateCommandName(parsetree)))
	{
		rog_xact_read_only_off();
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
	}
	else if (context == PROCESS_UTILITY_SUBCOMMAND)
	{
		/* part of a statement that was allowed, such as CREATE TABLE's index */
		rog_run_allowed_utility(rog_running_kind,
								rog_running_kind != ROG_UTILITY_READ &&
								rog_running_kind != ROG_UTILITY_MAINTENANCE,
								pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
	}
	else if (kind == ROG_UTILITY_READ)
	{
		rog_xact_read_only_on();
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
	}
	else if (rog_utility_allowed(parsetree, kind))
	{
		if (kind == ROG_UTILITY_MAINTENANCE)
			rog_xact_set(ROG_XACT_MAINTENANCE);
		rog_run_allowed_utility(kind, rog_utility_needs_lift(parsetree, kind),
								pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
	}
	else
		rog_refuse(rog_utility_stat_class(parsetree, kind),
				   CreateCommandName(parsetree),
				   rog_utility_refusal_detail(parsetree, kind));
}

static void
rog_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				   bool readOnlyTree, ProcessUtilityContext context,
				   ParamListInfo params, QueryEnvironment *queryEnv,
				   DestReceiver *dest, QueryCompletion *qc)
{
	uint32		end_flags;
	RogUtilityKind kind = rog_classify_utility(pstmt->utilityStmt, &end_flags);
	ErrorContextCallback callback;

	rog_check_chain();
	if (end_flags != 0)
		rog_xact_set(end_flags);

	if (!rog_read_only())
	{
		rog_note_mode_off();
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
	}
	else
	{
		rog_observe();
		rog_push_error_context(&callback);
		rog_run_utility_under_mode(kind, pstmt, queryString, readOnlyTree,
								   context, params, queryEnv, dest, qc);
		error_context_stack = callback.previous;
	}

}

/* ---- function calls ---- */

/*
 * Is this call made outside any statement: a fast-path call (libpq PQfn) of
 * a client backend, or a background process?  Deferred triggers at COMMIT
 * and the planner's constant folding also run without a portal, but within
 * a statement (the backend's activity says so, where it is tracked).
 */
static bool
rog_outside_statement(void)
{
	if (MyBackendType != B_BACKEND)
		return true;
	return !pgstat_track_activities || MyBEEntry == NULL ||
		MyBEEntry->st_state == STATE_FASTPATH;
}

static void
rog_check_function(Oid funcid)
{
	/* EXPLAIN without ANALYZE looks functions up without running them */
	bool		writer = rog_explain_only_depth == 0 && rog_is_writer_function(funcid);

	if (funcid >= FirstNormalObjectId)
		writer = rog_explain_only_depth == 0 && rog_is_extension_writer(funcid);
	if (funcid >= FirstNormalObjectId || (writer && rog_is_sequence_writer(funcid)))
		rog_xact_set(ROG_XACT_CORE_MAY_REFUSE);

	if (likely(!writer) &&
		(rog_xact_settled() ||
		 ((rog_xact_bits & ROG_XACT_OBSERVED) == 0 && rog_settle_reading_xact())))
		return;

	rog_observe();
	if (rog_transaction_may_write(writer ? get_func_name(funcid) : NULL))
	{
		rog_xact_read_only_off();
		return;
	}

	rog_xact_read_only_on();
	rog_settle_xact(0);
	if (likely(!writer))
		return;
	if (!rog_is_sequence_writer(funcid))
		rog_refuse(ROG_STAT_FUNCTION, psprintf("%s()", get_func_name(funcid)), NULL);

	/*
	 * Outside any portal this is a fast-path call (libpq PQfn) in a client
	 * backend, or a background process such as a logical replication apply
	 * worker filling in a column default.  Its arguments are not visible
	 * yet, so a sequence writer cannot be told to target a temporary
	 * sequence: refuse it here, with our detail, rather than leave it to
	 * core's bare check.
	 */
	if (ActivePortal == NULL && rog_outside_statement())
		rog_refuse(ROG_STAT_FUNCTION, psprintf("%s()", get_func_name(funcid)),
				   MyBackendType == B_BACKEND ?
				   "Sequence functions called through the fast-path protocol are refused in read-only mode." :
				   "Background processes, logical replication apply workers among them, cannot advance sequences in read-only mode.");
}

static inline void
rog_call_prev_object_access(ObjectAccessType access, Oid classId,
							Oid objectId, int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
}

static pg_noinline void
rog_check_function_execute(ObjectAccessType access, Oid classId,
						   Oid objectId, int subId, void *arg)
{
	rog_check_chain();
	if (rog_read_only())
		rog_check_function(objectId);
	else
		rog_note_mode_off();
	rog_call_prev_object_access(access, classId, objectId, subId, arg);
}

/* ---- objects created, altered, dropped, truncated ---- */

/*
 * Under the mode, a transaction that may not write creates, alters, drops or
 * truncates an object.  Only temporary objects may be dropped or truncated
 * (a DROP ... CASCADE reaches every dependent object through here); objects
 * are created and altered only by the statements the guard let through
 * (DDL on temporary objects, readonly_guard settings, maintenance), never by
 * code that passed no hook.
 */
static void
rog_check_object_change_under_mode(ObjectAccessType access, Oid classId,
								   Oid objectId, int subId)
{
	ObjectAddress address;

	/* core's check has passed: the rest of the statement runs read-only */
	if (rog_lifted)
		XactReadOnly = true;
	if (rog_running_kind == ROG_UTILITY_SETTING ||
		rog_running_kind == ROG_UTILITY_MAINTENANCE ||
		rog_transaction_may_write(NULL))
		return;

	/*
	 * Autovacuum too: its one drop is of a temporary table a session left
	 * behind, with CASCADE, which must not reach a permanent object while the
	 * mode is on (it then fails, and is tried again at a later round).
	 */
	if (access == OAT_DROP || access == OAT_TRUNCATE)
	{
		bool		temp = rog_object_is_temp(classId, objectId);

		/* a temporary domain's constraint or a column changes its owner */
		if (temp && (access == OAT_TRUNCATE ||
					 !rog_object_has_permanent_dependents(classId, objectId)))
		{
			if (classId == RelationRelationId && subId == 0)
				rog_note_temp_relation_dropped(objectId);
			return;
		}
		ObjectAddressSubSet(address, classId, objectId, subId);
		rog_refuse(ROG_STAT_DDL, access == OAT_DROP ? "DROP" : "TRUNCATE",
				   rog_drop_refusal_detail(&address, temp));
	}
	if (ROG_IS_AUTOVACUUM_WORKER())
		return;					/* its own work */
	if (access == OAT_POST_CREATE && classId == NamespaceRelationId)
		return;					/* the temporary schema, made on first use */

	/*
	 * DDL on temporary objects: what it creates or alters in a schema must be
	 * in a temporary one (CREATE TYPE ... AS RANGE names its multirange type
	 * freely), and no permanent object may depend on it (a permanent table's
	 * column of a temporary enum, a default calling a temporary function).
	 * Objects without a schema belong to the statement's target.
	 */
	if (rog_running_kind == ROG_UTILITY_MAYBE_WRITE &&
		(!OidIsValid(rog_object_namespace(classId, objectId)) ||
		 rog_object_is_temp(classId, objectId)) &&
		!rog_object_has_permanent_dependents(classId, objectId))
		return;
	rog_refuse(ROG_STAT_DDL, access == OAT_POST_CREATE ? "CREATE" : "ALTER",
			   "The statement would create or change an object that is not temporary, or one that a permanent object depends on.");
}

static pg_noinline void
rog_check_object_change(ObjectAccessType access, Oid classId, Oid objectId,
						int subId, void *arg)
{
	if ((access == OAT_POST_CREATE || access == OAT_POST_ALTER ||
		 access == OAT_DROP || access == OAT_TRUNCATE) &&
		IsTransactionState() && rog_read_only())
		rog_check_object_change_under_mode(access, classId, objectId, subId);
	rog_call_prev_object_access(access, classId, objectId, subId, arg);
}

/*
 * The common case is a bare jump to the previous hook, if any: the mode is
 * off, or a settled transaction calls a function that needs no check.
 */
static void
rog_object_access(ObjectAccessType access, Oid classId, Oid objectId,
				  int subId, void *arg)
{
	uint32		word = rog_state_word();

	if (likely(word == rog_quiet_word) ||
		(access == OAT_FUNCTION_EXECUTE &&
		 rog_settled_under(word) && !rog_function_needs_check(objectId)))
		rog_call_prev_object_access(access, classId, objectId, subId, arg);
	else if (access == OAT_FUNCTION_EXECUTE)
		rog_check_function_execute(access, classId, objectId, subId, arg);
	else
		rog_check_object_change(access, classId, objectId, subId, arg);
}

/* ---- messages ---- */

/* Every message this process emits passes here: explain what is ours to. */
static void
rog_emit_log(ErrorData *edata)
{
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
	rog_explain_drain_signal(edata);
	if (edata->elevel >= ERROR &&
		edata->sqlerrcode == ERRCODE_READ_ONLY_SQL_TRANSACTION)
		rog_explain_refusal(edata);
}

/* ---- functions called while XactReadOnly is lifted ---- */

/*
 * While XactReadOnly is lowered for DDL on temporary objects (rog_lifted),
 * every function that is not built in goes through rog_fmgr_hook(): event
 * triggers, support functions a C routine calls (a range type's
 * subtype_diff, an operator class's comparator), index expressions.  The
 * test runs when a function is looked up, never for built-in functions: the
 * per-statement path does not pay for it.
 */
static bool
rog_needs_fmgr_hook(Oid fn_oid)
{
	if (prev_needs_fmgr_hook && prev_needs_fmgr_hook(fn_oid))
		return true;
	return rog_lifted;
}

/*
 * Code that is not the DDL's own runs: the transaction is read-only again.
 * Core also calls this for every function with a SET clause (or SECURITY
 * DEFINER): when one ends, its SET of readonly_guard.enabled may have been
 * taken back without an assignment (rog_setting_assigned()).
 */
static void
rog_fmgr_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (event == FHET_START && rog_lifted)
		XactReadOnly = true;
	if (event != FHET_START && (rog_xact_flags() & ROG_XACT_SET_ENABLED))
	{
		rog_recheck_words();

		/*
		 * The mode is back for the rest of the statement, whose functions
		 * (a nextval() after this one) passed the checks when the plan was
		 * set up, under the mark the function's statements lowered.
		 */
		if (event == FHET_END && rog_read_only() &&
			!rog_transaction_may_write(NULL))
			rog_xact_read_only_on();
	}
	if (prev_fmgr_hook)
		prev_fmgr_hook(event, flinfo, private);
}

/* ---- installation ---- */

void
rog_install_hooks(void)
{
	rog_mark_writer_functions();

	/* in the postmaster: every process inherits them (rog_judge_commit()) */
	rog_xact_callbacks_register();

	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = rog_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = rog_ExecutorRun;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = rog_ProcessUtility;
	prev_object_access_hook = object_access_hook;
	object_access_hook = rog_object_access;
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = rog_emit_log;
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = rog_needs_fmgr_hook;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = rog_fmgr_hook;
}
