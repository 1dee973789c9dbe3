/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  The hooks that refuse writes while read-only mode is in force.
 *
 * Writes can reach the database by four doors, and each has a guard:
 *
 *	ExecutorStart		every planned statement (DML, SELECT FOR UPDATE/SHARE,
 *						EXPLAIN ANALYZE, statements run by functions, triggers,
 *						rules, prepared statements, cursors).  Writes to
 *						temporary tables pass, as in core's own check.
 *	ProcessUtility		every utility statement, top-level or nested.  DDL is
 *						refused unless it only touches temporary objects;
 *						statements that change no data pass.
 *	object access		OAT_FUNCTION_EXECUTE runs before any function is
 *						called, by the executor and by the fast-path protocol
 *						alike.  Large-object writers are refused there (core
 *						checks them only from PostgreSQL 16 on), and every
 *						other call runs in a transaction marked read-only so
 *						that core refuses nextval()/setval() on permanent
 *						sequences.
 *	pre-commit			a transaction that wrote before the mode reached it
 *						may not commit (or PREPARE) while the mode is on,
 *						except in the drain window that rog_enable() grants.
 *
 * Core's own refusals in a transaction we marked read-only get our detail
 * and hint from an error context callback that ProcessUtility pushes while
 * the mode is on, and ExecutorRun once the transaction may meet such a
 * refusal (XACT_CORE_MAY_REFUSE).
 *
 * Cost matters: the hooks run for every statement.  With the mode off they
 * read one shared word, compare it with rog_quiet_word and jump to the next
 * hook; the transaction callback is registered only once a transaction
 * needs it.  With the mode on, a transaction's first read settles it
 * (observed, marked read-only, not allowed to write) and later reads and
 * harmless function calls pass after comparing the word with
 * rog_settled_word.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "utils/syscache.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "tcop/pquery.h"
#include "utils/timestamp.h"

#include "readonly_guard.h"

/* what a utility statement does, as far as the guard is concerned */
typedef enum RogUtilityKind
{
	ROG_UTILITY_READ,			/* changes no data */
	ROG_UTILITY_SETTING,		/* ALTER DATABASE/ROLE ... SET readonly_guard.* */
	ROG_UTILITY_MAYBE_WRITE,	/* writes unless it touches only temp objects */
	ROG_UTILITY_MAINTENANCE,	/* VACUUM, ANALYZE, CLUSTER, REINDEX */
	ROG_UTILITY_WRITE			/* writes */
} RogUtilityKind;

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static object_access_hook_type prev_object_access_hook = NULL;

/*
 * What the guard knows about the current top-level transaction, as bits of
 * xact_flags.  They hold only while xact_lxid is the transaction's local ID:
 * a new transaction finds them stale and starts from zero, so no callback at
 * the end of every transaction is needed to reset them (core's
 * GetStableLatestTransactionId() uses the same device).
 */
#define XACT_OBSERVED			0x01	/* saw read-only mode in force */
#define XACT_XID_PREDATES		0x02	/* held an XID when it first saw it */
#define XACT_CHANGED_SETTINGS	0x04	/* ALTER ... SET readonly_guard.* */
#define XACT_RO_FORCED			0x08	/* we set XactReadOnly */
#define XACT_PERMIT_KNOWN		0x10	/* XACT_PERMITTED is up to date... */
#define XACT_PERMITTED			0x20	/* ...and says it may write */
#define XACT_EXEMPT_KNOWN		0x40	/* XACT_EXEMPT is up to date... */
#define XACT_EXEMPT				0x80	/* ...and says the session is exempt */
#define XACT_EXEMPT_LOGGED		0x100	/* logged an exempt role's write */
#define XACT_ANNOUNCING			0x200	/* queued NOTIFY of an expiry */
#define XACT_SETTLED			0x400	/* observed, may not write, marked
										 * read-only: reads need nothing more */
#define XACT_WROTE_ALLOWED		0x800	/* under the mode, ran a write the
										 * guard allows (temporary objects,
										 * settings, maintenance) */
#define XACT_CORE_MAY_REFUSE	0x1000	/* under the mode, called a sequence
										 * writer or a function that is not
										 * built in, or saw the state change:
										 * statements run with
										 * rog_explain_core_refusal() */

/* what the commit check or the commit must act on: needs the callback */
#define XACT_NEEDS_CALLBACK		(XACT_OBSERVED | XACT_XID_PREDATES | \
								 XACT_CHANGED_SETTINGS | XACT_ANNOUNCING)

#if PG_VERSION_NUM >= 170000
#define ROG_MY_LXID				(MyProc->vxid.lxid)
#else
#define ROG_MY_LXID				(MyProc->lxid)
#endif

static uint32 xact_flags = 0;
static LocalTransactionId xact_lxid = InvalidLocalTransactionId;
static uint32 xact_permit_word = 0; /* state word XACT_PERMITTED is for */
static bool xact_callback_registered = false;

/*
 * The last state word for which this backend found nothing to do: the mode
 * not in force and no transaction flag set.  While the shared word equals
 * it, every hook is a bare jump to the next one.  Anything that could make
 * that untrue calls rog_spoil_quiet_word().
 */
uint32		rog_quiet_word = ROG_WORD_IMPOSSIBLE;

/*
 * The state word under which the current transaction settled (see
 * rog_xact_settled(), and rog_settle_in_recovery() for a transaction that
 * found the mode off in recovery): while the shared word is still that one,
 * a statement or call that cannot write needs nothing more than the
 * comparison.  The transaction callbacks, registered by then, clear it when
 * the transaction or a subtransaction ends (which may restore XactReadOnly
 * to false), and rog_spoil_quiet_word() when a setting changes.
 */
uint32		rog_settled_word = ROG_WORD_IMPOSSIBLE;

/* set while rog_refuse() raises its error; see rog_explain_core_refusal() */
static bool rog_raising = false;

static void rog_xact_callback(XactEvent event, void *arg);
static void rog_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								 SubTransactionId parentSubid, void *arg);

/* ---- the common case ---- */

/* Nothing to do for this statement?  One atomic read, one comparison. */
static inline bool
rog_quiet(void)
{
	return pg_atomic_read_u32(&rog_shared->word) == rog_quiet_word;
}

/* ---- the transaction's flags ---- */

/*
 * Does the current transaction hold an XID?  GetTopTransactionIdIfAny()
 * without a function call, for the paths that run in every transaction:
 * MyProc->xid is the top-level XID from its assignment until the commit or
 * abort is recorded (storage/proc.h).  In a parallel worker, which runs on
 * its leader's XID and may not write, it is invalid.
 */
static inline bool
rog_xact_has_xid(void)
{
	return TransactionIdIsValid(MyProc->xid);
}

/* The current transaction's flags; zero once a new transaction began. */
static inline uint32
rog_xact_flags(void)
{
	if (unlikely(xact_flags != 0) && xact_lxid != ROG_MY_LXID)
		xact_flags = 0;
	return xact_flags;
}

/*
 * Called by the hooks' out-of-line parts when the mode is off: remember the
 * word if nothing else asks for attention, so later statements stay quiet.
 */
static inline void
rog_settle_quiet(void)
{
	uint32		word = pg_atomic_read_u32(&rog_shared->word);

	if (word == rog_seen_word &&
		(word & (ROG_WORD_ENABLED | ROG_WORD_WATCH)) == 0 &&
		!rog_session_read_only && rog_xact_flags() == 0)
		rog_quiet_word = word;
}

static void
rog_register_xact_callback(void)
{
	RegisterXactCallback(rog_xact_callback, NULL);
	RegisterSubXactCallback(rog_subxact_callback, NULL);
	xact_callback_registered = true;
}

/* Set flags for the current transaction, whose callback is registered. */
static inline void
rog_xact_add(uint32 flags)
{
	if (xact_lxid != ROG_MY_LXID)
	{
		xact_flags = 0;
		xact_lxid = ROG_MY_LXID;
	}
	xact_flags |= flags;
	rog_quiet_word = ROG_WORD_IMPOSSIBLE;
}

/* Set flags for the current transaction. */
static inline void
rog_xact_set(uint32 flags)
{
	if ((flags & XACT_NEEDS_CALLBACK) != 0 && unlikely(!xact_callback_registered))
		rog_register_xact_callback();
	rog_xact_add(flags);
}

/* ---- the transaction's read-only flag ---- */

/*
 * Mark the transaction read-only, so that core's own checks (nextval() and
 * setval() on permanent sequences, and ExecCheckXactReadOnly) back ours up.
 * Returns the flag to record: XACT_RO_FORCED if we set it, else 0.
 */
static inline uint32
rog_mark_xact_read_only(void)
{
	if (XactReadOnly)
		return 0;
	XactReadOnly = true;
	return XACT_RO_FORCED;
}

/* rog_mark_xact_read_only(), recording it */
static inline void
rog_force_xact_read_only(void)
{
	uint32		flags = rog_mark_xact_read_only();

	if (flags != 0)
		rog_xact_set(flags);
}

/*
 * Undo rog_force_xact_read_only() once read-only mode no longer applies.
 * XACT_RO_FORCED stays set until the transaction ends: ending a
 * subtransaction restores XactReadOnly to its value at the subtransaction's
 * start, which may be ours.
 */
static void
rog_release_xact_read_only(void)
{
	if (rog_xact_flags() & XACT_RO_FORCED)
		XactReadOnly = false;
	rog_settled_word = ROG_WORD_IMPOSSIBLE;
}

/* ---- what the transaction did ---- */

/* Note that read-only mode is in force, the first time in a transaction. */
static inline void
rog_observe(void)
{
	if ((rog_xact_flags() & XACT_OBSERVED) == 0)
		rog_xact_set(TransactionIdIsValid(GetTopTransactionIdIfAny()) ?
					 XACT_OBSERVED | XACT_XID_PREDATES : XACT_OBSERVED);
}

static void
rog_forget_transaction_observation(void)
{
	xact_flags &= ~(XACT_OBSERVED | XACT_XID_PREDATES);
}

/*
 * The backend took in a change of the state during a transaction.  Cursors
 * the transaction opened before it set up their plans under the old state,
 * unseen by the function hook: its statements run with the error context
 * from now on (XACT_CORE_MAY_REFUSE).  If the mode went off, forget that
 * the transaction observed it.
 */
void
rog_transaction_sees_change(bool mode_went_off)
{
	if (mode_went_off)
		rog_forget_transaction_observation();
	rog_xact_set(XACT_CORE_MAY_REFUSE);
}

/*
 * Timed read-only mode expired (ROG_WORD_ANNOUNCE): queue the notification
 * in this transaction, once.  Every session does so at its next statement
 * until a transaction that queued it commits, so a rollback loses nothing.
 */
void
rog_announce_expiry(void)
{
	if ((rog_xact_flags() & XACT_ANNOUNCING) == 0 && rog_notify_state_change())
		rog_xact_set(XACT_ANNOUNCING);
}

/*
 * On a server still in recovery no word is quiet: every statement must look
 * for the promotion (rog_read_only()), after which database and role
 * settings that replay brought apply.  But a transaction that started in
 * recovery stays read-only for core even after a promotion, so once it has
 * found the mode off in recovery it needs no further look: settle it, for
 * the hooks' shortcut, until it or a subtransaction ends.
 */
static void
rog_settle_in_recovery(void)
{
	uint32		word = rog_seen_word;

	if ((word & (ROG_WORD_ENABLED | ROG_WORD_WATCH)) != ROG_WORD_RECOVERY ||
		pg_atomic_read_u32(&rog_shared->word) != word ||
		rog_session_read_only || !XactReadOnly || !RecoveryInProgress())
		return;
	if (unlikely(!xact_callback_registered))
		rog_register_xact_callback();
	rog_settled_word = word;
}

/*
 * Read-only mode is off for this statement: lift our read-only mark if an
 * earlier statement of the transaction set it, and forget that the mode was
 * seen, so that it is observed afresh (with the XID the transaction may have
 * taken meanwhile) if it comes back.
 */
static void
rog_note_mode_off(void)
{
	if (rog_xact_flags() != 0)
	{
		rog_release_xact_read_only();
		rog_forget_transaction_observation();
		xact_flags &= ~XACT_SETTLED;
	}
	rog_settled_word = ROG_WORD_IMPOSSIBLE;
	rog_settle_quiet();
	rog_settle_in_recovery();
}

/*
 * Under read-only mode, is this transaction settled: observed, without
 * permission to write, and marked read-only (a subtransaction's end may
 * have restored XactReadOnly, hence the test)?  Then a statement or call
 * that does not write needs nothing more.  Permission cannot appear later
 * in a transaction: the drain only ever ends, and an XID taken under the
 * mode is never in the drain.
 */
static inline bool
rog_xact_settled(void)
{
	return (rog_xact_flags() & XACT_SETTLED) != 0 && XactReadOnly;
}

/*
 * The hooks' test for a settled transaction: the state word it settled
 * under.  Nothing can lower XactReadOnly while rog_settled_word holds (see
 * there); an assertion checks it.
 */
static inline bool
rog_settled_under(uint32 word)
{
	Assert(word != rog_settled_word || XactReadOnly);
	return word == rog_settled_word;
}

/*
 * Settle the transaction, marked read-only by now (see rog_xact_settled()),
 * and let the hooks know it by the word this backend last took in: unless
 * that word needs a look at every statement (expiry, recovery).  Should the
 * shared word have moved on already, it never matches.
 */
static inline void
rog_settle_xact(uint32 flags)
{
	rog_xact_set(flags | XACT_SETTLED);
	Assert(xact_callback_registered);	/* it clears rog_settled_word */
	if ((rog_seen_word & ROG_WORD_WATCH) == 0)
		rog_settled_word = rog_seen_word;
}

/*
 * Is the session exempt (readonly_guard.exempt_roles)?  Looked up once per
 * transaction: the setting changes only on reload, between transactions.
 */
static inline bool
rog_transaction_exempt(void)
{
	if (rog_exempt_roles == NULL || rog_exempt_roles[0] == '\0')
		return false;
	if ((rog_xact_flags() & XACT_EXEMPT_KNOWN) == 0)
		rog_xact_set(rog_session_exempt() ?
					 XACT_EXEMPT_KNOWN | XACT_EXEMPT : XACT_EXEMPT_KNOWN);
	return (xact_flags & XACT_EXEMPT) != 0;
}

/* Log an exempt session's first write of the transaction. */
static void
rog_log_exempt_write(const char *what)
{
	if (what == NULL || (xact_flags & XACT_EXEMPT_LOGGED) != 0)
		return;
	rog_xact_set(XACT_EXEMPT_LOGGED);
	ereport(LOG,
			(errmsg("role \"%s\" writes in read-only mode as a member of readonly_guard.exempt_roles",
					GetUserNameFromId(GetSessionUserId(), false)),
			 errdetail("The first write of this transaction is %s.", what)));
}

/*
 * May this transaction write although read-only mode is in force?  A member
 * of readonly_guard.exempt_roles may, and so may a transaction that
 * predates the mode while rog_enable() drains (cached per state word, so
 * that the lock behind it is taken once per change).  what names the
 * statement if it writes, for the log of exempt writes.
 */
static bool
rog_transaction_may_write(const char *what)
{
	TransactionId xid;

	(void) rog_xact_flags();	/* drop a finished transaction's flags */
	if (rog_transaction_exempt())
	{
		rog_log_exempt_write(what);
		return true;
	}

	xid = GetTopTransactionIdIfAny();
	if (!TransactionIdIsValid(xid))
		return false;
	if ((xact_flags & XACT_PERMIT_KNOWN) == 0 || xact_permit_word != rog_seen_word)
	{
		bool		permitted = rog_drain_permits(xid);

		xact_flags &= ~XACT_PERMITTED;
		rog_xact_set(permitted ? XACT_PERMIT_KNOWN | XACT_PERMITTED : XACT_PERMIT_KNOWN);
		xact_permit_word = rog_seen_word;
	}
	return (xact_flags & XACT_PERMITTED) != 0;
}

/*
 * The common first step of a transaction under read-only mode: a read,
 * with no XID, by a session that is not exempt.  Observe the mode, mark the
 * transaction read-only and settle it, with one flag update.  Returns false
 * if the case is not that simple.
 */
static inline bool
rog_settle_reading_xact(void)
{
	if (rog_xact_has_xid() || rog_transaction_exempt())
		return false;
	rog_settle_xact(XACT_OBSERVED | rog_mark_xact_read_only());
	return true;
}

/* ---- the error ---- */

const char *
rog_source_name(void)
{
	if (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED)
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
	if (pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED)
		return "Reads keep working. Writes are accepted again once an administrator runs rog_disable().";
	return "Reads keep working. Writes are accepted again once readonly_guard.enabled is turned off.";
}

/* Refuse a statement or call, naming it as core does, and count it. */
static void
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
static void
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

static inline void
rog_push_error_context(ErrorContextCallback *callback)
{
	rog_raising = false;
	callback->callback = rog_explain_core_refusal;
	callback->arg = NULL;
	callback->previous = error_context_stack;
	error_context_stack = callback;
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
 * Error context callback around statements that core may refuse because
 * the transaction is read-only for a reason of its own (recovery,
 * default_transaction_read_only, BEGIN READ ONLY): name that reason in the
 * detail.  Core's message and SQLSTATE stay.  Refusals under readonly_guard's
 * mode are rog_explain_core_refusal()'s.
 */
static void
rog_explain_read_only_transaction(void *arg)
{
	if (rog_raising || geterrcode() != ERRCODE_READ_ONLY_SQL_TRANSACTION)
		return;
	if ((pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED) ||
		rog_session_read_only)
		return;
	rog_raising = true;
	errdetail_internal("%s", rog_read_only_transaction_cause());
	if (RecoveryInProgress())
		errhint("Send writes to the primary server.");
}

static void
rog_push_read_only_transaction_context(ErrorContextCallback *callback)
{
	rog_raising = false;
	callback->callback = rog_explain_read_only_transaction;
	callback->arg = NULL;
	callback->previous = error_context_stack;
	error_context_stack = callback;
}

/* ---- ExecutorStart and ExecutorRun ---- */

/* Could this plan write?  Cheap: no catalog access. */
static inline bool
rog_plan_may_write(PlannedStmt *stmt)
{
	return stmt->commandType != CMD_SELECT || stmt->hasModifyingCTE ||
		stmt->rowMarks != NIL;
}

/*
 * Does the plan ask for more than SELECT on a relation that is not
 * temporary?  The same test as core's ExecCheckXactReadOnly().
 */
static bool
rog_plan_writes_permanent_relation(PlannedStmt *stmt)
{
	ListCell   *lc;

#if PG_VERSION_NUM >= 160000
	foreach(lc, stmt->permInfos)
	{
		RTEPermissionInfo *perminfo = lfirst_node(RTEPermissionInfo, lc);

		if ((perminfo->requiredPerms & (~ACL_SELECT)) == 0)
			continue;
		if (isTempNamespace(get_rel_namespace(perminfo->relid)))
			continue;
		return true;
	}
#else
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind != RTE_RELATION)
			continue;
		if ((rte->requiredPerms & (~ACL_SELECT)) == 0)
			continue;
		if (isTempNamespace(get_rel_namespace(rte->relid)))
			continue;
		return true;
	}
#endif
	return false;
}

/* Which counter a refused plan goes to. */
static RogStatClass
rog_plan_stat_class(PlannedStmt *stmt)
{
	return (stmt->commandType == CMD_SELECT && !stmt->hasModifyingCTE) ?
		ROG_STAT_ROW_LOCK : ROG_STAT_WRITE;
}

static void
rog_check_plan(PlannedStmt *stmt, int eflags)
{
	bool		writes = (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 &&
		rog_plan_may_write(stmt);

	if (!writes &&
		(rog_xact_settled() ||
		 ((xact_flags & XACT_OBSERVED) == 0 && rog_settle_reading_xact())))
		return;

	rog_observe();
	if (rog_transaction_may_write(writes ? CreateCommandName((Node *) stmt) : NULL))
	{
		rog_release_xact_read_only();
		return;
	}

	rog_force_xact_read_only();
	rog_settle_xact(0);
	if (!writes)
		return;
	if (rog_plan_writes_permanent_relation(stmt))
		rog_refuse(rog_plan_stat_class(stmt), CreateCommandName((Node *) stmt), NULL);
	rog_xact_set(XACT_WROTE_ALLOWED);	/* temporary tables only */
}

static inline void
rog_call_next_ExecutorStart_plainly(QueryDesc *queryDesc, int eflags)
{
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* ...with rog_explain_read_only_transaction() in the error context */
static pg_noinline void
rog_call_next_ExecutorStart_explaining(QueryDesc *queryDesc, int eflags)
{
	ErrorContextCallback callback;

	rog_push_read_only_transaction_context(&callback);
	rog_call_next_ExecutorStart_plainly(queryDesc, eflags);
	error_context_stack = callback.previous;
}

/*
 * A plan that may write, in a transaction core holds read-only, may meet
 * core's refusal: run it so that the refusal says why.  Only XactReadOnly
 * is tested on the way of other statements.
 */
static inline void
rog_call_next_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (unlikely(XactReadOnly) && rog_plan_may_write(queryDesc->plannedstmt) &&
		(eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
		rog_call_next_ExecutorStart_explaining(queryDesc, eflags);
	else
		rog_call_next_ExecutorStart_plainly(queryDesc, eflags);
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
	uint32		word = pg_atomic_read_u32(&rog_shared->word);

	if (word != rog_seen_word ||
		(word & ROG_WORD_WATCH) != 0 ||
		((word & ROG_WORD_ENABLED) == 0 && !rog_session_read_only) ||
		rog_plan_may_write(stmt) || rog_xact_has_xid() ||
		(rog_exempt_roles != NULL && rog_exempt_roles[0] != '\0') ||
		!xact_callback_registered)
		return false;
	rog_xact_add(XACT_OBSERVED | XACT_SETTLED | rog_mark_xact_read_only());
	rog_settled_word = word;
	return true;
}

static pg_noinline void
rog_check_executor_start_fully(QueryDesc *queryDesc, int eflags)
{
	if (rog_read_only())
		rog_check_plan(queryDesc->plannedstmt, eflags);
	else
		rog_note_mode_off();
	rog_call_next_ExecutorStart(queryDesc, eflags);
}

/*
 * The first read of a transaction under the mode settles it at once; any
 * other statement gets the whole check.
 */
static pg_noinline void
rog_check_executor_start(QueryDesc *queryDesc, int eflags)
{
	if (likely(rog_settle_first_read(queryDesc->plannedstmt)))
		rog_call_next_ExecutorStart(queryDesc, eflags);
	else
		rog_check_executor_start_fully(queryDesc, eflags);
}

/*
 * The common case is a bare jump to the next hook: the mode is off, or a
 * settled transaction runs a plan that cannot write.
 */
static void
rog_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	uint32		word = pg_atomic_read_u32(&rog_shared->word);

	if (unlikely(word != rog_quiet_word) &&
		!(rog_settled_under(word) && !rog_plan_may_write(queryDesc->plannedstmt)))
		rog_check_executor_start(queryDesc, eflags);
	else
		rog_call_next_ExecutorStart(queryDesc, eflags);
}

#if PG_VERSION_NUM >= 180000
#define ROG_EXECUTOR_RUN_PARAMS QueryDesc *queryDesc, ScanDirection direction, \
	uint64 count
#define ROG_EXECUTOR_RUN_ARGS	queryDesc, direction, count
#else
#define ROG_EXECUTOR_RUN_PARAMS QueryDesc *queryDesc, ScanDirection direction, \
	uint64 count, bool execute_once
#define ROG_EXECUTOR_RUN_ARGS	queryDesc, direction, count, execute_once
#endif

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

	if (!rog_read_only())
	{
		rog_note_mode_off();
		rog_call_next_ExecutorRun(ROG_EXECUTOR_RUN_ARGS);
		return;
	}
	rog_check_plan(queryDesc->plannedstmt, 0);
	rog_push_error_context(&callback);
	rog_call_next_ExecutorRun(ROG_EXECUTOR_RUN_ARGS);
	error_context_stack = callback.previous;
}

/*
 * The common case is a bare jump to the next hook: the mode is off, or a
 * settled transaction runs a plan that cannot write, and has called nothing
 * that core might refuse (XACT_CORE_MAY_REFUSE: the function hook sees such
 * a call when the executor sets up the plan, before it runs; a cursor set
 * up before the mode came is covered by the change the transaction saw).
 * The flags are the current transaction's while it is settled.
 */
static void
rog_ExecutorRun(ROG_EXECUTOR_RUN_PARAMS)
{
	uint32		word = pg_atomic_read_u32(&rog_shared->word);

	if (unlikely(word != rog_quiet_word) &&
		!(rog_settled_under(word) && (xact_flags & XACT_CORE_MAY_REFUSE) == 0 &&
		  !rog_plan_may_write(queryDesc->plannedstmt)))
		rog_run_explaining_refusals(ROG_EXECUTOR_RUN_ARGS);
	else
		rog_call_next_ExecutorRun(ROG_EXECUTOR_RUN_ARGS);
}

/* ---- ProcessUtility ---- */

static bool
rog_is_guard_setting(VariableSetStmt *setstmt)
{
	return setstmt->kind != VAR_RESET_ALL && setstmt->name != NULL &&
		strncmp(setstmt->name, "readonly_guard.", strlen("readonly_guard.")) == 0;
}

/*
 * ALTER DATABASE/ROLE ... RESET ALL removes readonly_guard.* settings too.
 * It is no readonly_guard setting statement (it may not run while the mode
 * is on) but sessions must learn of it when it commits.
 */
static bool
rog_resets_all_settings(Node *parsetree)
{
	VariableSetStmt *setstmt;

	if (IsA(parsetree, AlterDatabaseSetStmt))
		setstmt = ((AlterDatabaseSetStmt *) parsetree)->setstmt;
	else if (IsA(parsetree, AlterRoleSetStmt))
		setstmt = ((AlterRoleSetStmt *) parsetree)->setstmt;
	else
		return false;
	return setstmt->kind == VAR_RESET_ALL;
}

/* Is ANALYZE among the options of an EXPLAIN? */
static bool
rog_explain_analyzes(ExplainStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "analyze") == 0)
			return defGetBoolean(opt);
	}
	return false;
}

/* The CREATE TABLE AS / SELECT INTO an EXPLAIN would run, if any. */
static CreateTableAsStmt *
rog_explained_create_table_as(ExplainStmt *stmt)
{
	Query	   *query = castNode(Query, stmt->query);

	if (query->commandType == CMD_UTILITY &&
		IsA(query->utilityStmt, CreateTableAsStmt))
		return (CreateTableAsStmt *) query->utilityStmt;
	return NULL;
}

/* Classify a utility statement without catalog access. */
static RogUtilityKind
rog_classify_utility(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_TransactionStmt:
			if (((TransactionStmt *) parsetree)->kind == TRANS_STMT_COMMIT_PREPARED)
				return ROG_UTILITY_WRITE;
			return ROG_UTILITY_READ;

		case T_DeclareCursorStmt:
		case T_ClosePortalStmt:
		case T_FetchStmt:
		case T_DoStmt:
		case T_CallStmt:
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
		case T_VariableSetStmt:
		case T_VariableShowStmt:
		case T_DiscardStmt:
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_NotifyStmt:
		case T_CheckPointStmt:
		case T_ConstraintsSetStmt:
		case T_AlterSystemStmt:
			return ROG_UTILITY_READ;

		case T_ExplainStmt:
			{
				ExplainStmt *stmt = (ExplainStmt *) parsetree;

				if (rog_explained_create_table_as(stmt) && rog_explain_analyzes(stmt))
					return ROG_UTILITY_MAYBE_WRITE;
				return ROG_UTILITY_READ;
			}

		case T_CopyStmt:
			return ((CopyStmt *) parsetree)->is_from ?
				ROG_UTILITY_MAYBE_WRITE : ROG_UTILITY_READ;

		case T_LockStmt:
			/* stronger locks would block readers, as on a hot standby */
			return ((LockStmt *) parsetree)->mode <= RowExclusiveLock ?
				ROG_UTILITY_READ : ROG_UTILITY_MAYBE_WRITE;

		case T_AlterDatabaseSetStmt:
			return rog_is_guard_setting(((AlterDatabaseSetStmt *) parsetree)->setstmt) ?
				ROG_UTILITY_SETTING : ROG_UTILITY_WRITE;

		case T_AlterRoleSetStmt:
			return rog_is_guard_setting(((AlterRoleSetStmt *) parsetree)->setstmt) ?
				ROG_UTILITY_SETTING : ROG_UTILITY_WRITE;

		case T_VacuumStmt:
		case T_ClusterStmt:
		case T_ReindexStmt:
			return ROG_UTILITY_MAINTENANCE;

		case T_CreateStmt:
		case T_CreateSeqStmt:
		case T_ViewStmt:
		case T_CreateTableAsStmt:
		case T_IndexStmt:
		case T_AlterTableStmt:
		case T_AlterSeqStmt:
		case T_DropStmt:
		case T_TruncateStmt:
		case T_GrantStmt:
			return ROG_UTILITY_MAYBE_WRITE;

		default:
			return ROG_UTILITY_WRITE;
	}
}

/* Would a relation named rv be created as a temporary one? */
static bool
rog_creates_temp(RangeVar *rv)
{
	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		return true;
	if (rv->schemaname == NULL)
		return false;
	return strcmp(rv->schemaname, "pg_temp") == 0 ||
		isTempNamespace(get_namespace_oid(rv->schemaname, true));
}

/*
 * Is the existing relation named rv temporary?  A relation that does not
 * exist counts as temporary: the statement will fail or do nothing.
 */
static bool
rog_relation_is_temp(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	return !OidIsValid(relid) ||
		get_rel_persistence(relid) == RELPERSISTENCE_TEMP;
}

static bool
rog_relations_are_temp(List *rangevars)
{
	ListCell   *lc;

	foreach(lc, rangevars)
		if (!rog_relation_is_temp(lfirst_node(RangeVar, lc)))
			return false;
	return true;
}

static bool
rog_drop_touches_only_temp(DropStmt *stmt)
{
	ListCell   *lc;

	switch (stmt->removeType)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_INDEX:
			break;
		default:
			return false;
	}
	foreach(lc, stmt->objects)
		if (!rog_relation_is_temp(makeRangeVarFromNameList(lfirst(lc))))
			return false;
	return true;
}

/* Are all these existing relations temporary tables or sequences? */
static bool
rog_relations_are_temp_tables(List *rangevars)
{
	ListCell   *lc;

	foreach(lc, rangevars)
	{
		Oid			relid = RangeVarGetRelid(lfirst_node(RangeVar, lc), NoLock, true);
		char		relkind;

		if (!OidIsValid(relid))
			continue;
		relkind = get_rel_relkind(relid);
		if (get_rel_persistence(relid) != RELPERSISTENCE_TEMP ||
			(relkind != RELKIND_RELATION && relkind != RELKIND_SEQUENCE))
			return false;
	}
	return true;
}

/* Does ALTER TABLE link the table to another one (INHERIT, NO INHERIT)? */
static bool
rog_alter_table_links(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_AddInherit || cmd->subtype == AT_DropInherit)
			return true;
	}
	return false;
}

/* GRANT/REVOKE on temporary tables only (pgTAP does that) */
static bool
rog_grant_touches_only_temp(GrantStmt *stmt)
{
	return stmt->targtype == ACL_TARGET_OBJECT &&
		(stmt->objtype == OBJECT_TABLE || stmt->objtype == OBJECT_SEQUENCE) &&
		rog_relations_are_temp(stmt->objects);
}

/* Does a ROG_UTILITY_MAYBE_WRITE statement touch only temporary objects? */
static bool
rog_utility_touches_only_temp(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
			/* a temporary child would mark a permanent parent */
			return rog_creates_temp(((CreateStmt *) parsetree)->relation) &&
				rog_relations_are_temp(((CreateStmt *) parsetree)->inhRelations);
		case T_CreateSeqStmt:
			return rog_creates_temp(((CreateSeqStmt *) parsetree)->sequence);
		case T_ViewStmt:
			return rog_creates_temp(((ViewStmt *) parsetree)->view);
		case T_CreateTableAsStmt:
			return ((CreateTableAsStmt *) parsetree)->objtype == OBJECT_TABLE &&
				rog_creates_temp(((CreateTableAsStmt *) parsetree)->into->rel);
		case T_ExplainStmt:
			return rog_utility_touches_only_temp((Node *)
												 rog_explained_create_table_as((ExplainStmt *) parsetree));
		case T_IndexStmt:
			return rog_relation_is_temp(((IndexStmt *) parsetree)->relation);
		case T_AlterTableStmt:
			return rog_relation_is_temp(((AlterTableStmt *) parsetree)->relation) &&
				!rog_alter_table_links(((AlterTableStmt *) parsetree));
		case T_AlterSeqStmt:
			return rog_relation_is_temp(((AlterSeqStmt *) parsetree)->sequence);
		case T_DropStmt:
			/* CASCADE could reach permanent objects that depend on it */
			return ((DropStmt *) parsetree)->behavior != DROP_CASCADE &&
				rog_drop_touches_only_temp((DropStmt *) parsetree);
		case T_TruncateStmt:
			return rog_relations_are_temp(((TruncateStmt *) parsetree)->relations);
		case T_CopyStmt:
			return ((CopyStmt *) parsetree)->relation != NULL &&
				rog_relation_is_temp(((CopyStmt *) parsetree)->relation);
		case T_LockStmt:
			/* locking a view locks the tables under it */
			return rog_relations_are_temp_tables(((LockStmt *) parsetree)->relations);
		case T_GrantStmt:
			return rog_grant_touches_only_temp((GrantStmt *) parsetree);
		default:
			return false;
	}
}

/*
 * In a transaction core holds read-only, with
 * rog_explain_read_only_transaction() in the error context.
 */
static void
rog_call_next_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
							 bool readOnlyTree, ProcessUtilityContext context,
							 ParamListInfo params, QueryEnvironment *queryEnv,
							 DestReceiver *dest, QueryCompletion *qc)
{
	ErrorContextCallback callback;
	bool		explain = XactReadOnly;

	if (explain)
		rog_push_read_only_transaction_context(&callback);
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
	if (explain)
		error_context_stack = callback.previous;
}

/*
 * Run a statement that read-only mode allows although core would refuse it
 * in a read-only transaction (temporary objects, readonly_guard settings):
 * lift the transaction's read-only flag if, and only if, we set it.
 */
static void
rog_run_lifting_xact_read_only(PlannedStmt *pstmt, const char *queryString,
							   bool readOnlyTree, ProcessUtilityContext context,
							   ParamListInfo params, QueryEnvironment *queryEnv,
							   DestReceiver *dest, QueryCompletion *qc)
{
	bool		lifted = (rog_xact_flags() & XACT_RO_FORCED) != 0 && XactReadOnly;

	if (lifted)
	{
		XactReadOnly = false;
		rog_settled_word = ROG_WORD_IMPOSSIBLE;
	}
	PG_TRY();
	{
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (lifted)
			XactReadOnly = true;
	}
	PG_END_TRY();
}

/* Which counter a refused utility statement goes to. */
static RogStatClass
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
static const char *
rog_utility_refusal_detail(Node *parsetree, RogUtilityKind kind)
{
	if (kind == ROG_UTILITY_MAINTENANCE)
		return "VACUUM, ANALYZE, CLUSTER and REINDEX are allowed only while readonly_guard.allow_maintenance is on.";
	if (IsA(parsetree, LockStmt))
		return "Lock modes stronger than ROW EXCLUSIVE would block readers.";
	return NULL;
}

/* Does read-only mode let this utility statement run as it is? */
static bool
rog_utility_allowed(Node *parsetree, RogUtilityKind kind)
{
	switch (kind)
	{
		case ROG_UTILITY_SETTING:
			return true;
		case ROG_UTILITY_MAYBE_WRITE:
			return rog_utility_touches_only_temp(parsetree);
		case ROG_UTILITY_MAINTENANCE:
			return rog_allow_maintenance;
		default:
			return false;
	}
}

static void
rog_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				   bool readOnlyTree, ProcessUtilityContext context,
				   ParamListInfo params, QueryEnvironment *queryEnv,
				   DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	RogUtilityKind kind = rog_classify_utility(parsetree);
	ErrorContextCallback callback;

	if (kind == ROG_UTILITY_SETTING || rog_resets_all_settings(parsetree))
		rog_xact_set(XACT_CHANGED_SETTINGS);

	if (!rog_read_only())
	{
		rog_note_mode_off();
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
		return;
	}

	rog_observe();
	rog_push_error_context(&callback);

	if (context == PROCESS_UTILITY_SUBCOMMAND || kind == ROG_UTILITY_READ)
	{
		/* internal subcommands come from a statement that was allowed */
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
	}
	else if (rog_utility_allowed(parsetree, kind))
	{
		rog_xact_set(XACT_WROTE_ALLOWED);
		rog_run_lifting_xact_read_only(pstmt, queryString, readOnlyTree, context,
									   params, queryEnv, dest, qc);
	}
	else if (rog_transaction_may_write(CreateCommandName(parsetree)))
	{
		rog_release_xact_read_only();
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
	}
	else
		rog_refuse(rog_utility_stat_class(parsetree, kind),
				   CreateCommandName(parsetree),
				   rog_utility_refusal_detail(parsetree, kind));

	error_context_stack = callback.previous;
}

/* ---- functions ---- */

/*
 * Functions that write although a SELECT calls them: large-object writers
 * (core checks them only from PostgreSQL 16 on) and the sequence writers
 * (core refuses them on permanent sequences in a read-only transaction, but
 * a fast-path call must be refused before its arguments are seen).
 */
static const Oid rog_large_object_writers[] = {
	F_LO_CREAT, F_LO_CREATE, F_LO_IMPORT_TEXT, F_LO_IMPORT_TEXT_OID,
	F_LO_UNLINK, F_LOWRITE, F_LO_PUT, F_LO_TRUNCATE, F_LO_TRUNCATE64,
	F_LO_FROM_BYTEA
};
static const Oid rog_sequence_writers[] = {
	F_NEXTVAL, F_SETVAL_REGCLASS_INT8, F_SETVAL_REGCLASS_INT8_BOOL
};

/*
 * Other built-in functions that write catalogs, indexes or WAL records
 * that consumers read as data, without the executor and without a
 * read-only check of their own.
 */
static const Oid rog_other_writers[] = {
	F_PG_IMPORT_SYSTEM_COLLATIONS,
	F_PG_LOGICAL_EMIT_MESSAGE_BOOL_TEXT_TEXT,
	F_PG_LOGICAL_EMIT_MESSAGE_BOOL_TEXT_BYTEA,
	F_PG_REPLICATION_ORIGIN_CREATE, F_PG_REPLICATION_ORIGIN_DROP,
	F_PG_REPLICATION_ORIGIN_ADVANCE,
	F_BRIN_SUMMARIZE_NEW_VALUES, F_BRIN_SUMMARIZE_RANGE,
	F_BRIN_DESUMMARIZE_RANGE, F_GIN_CLEAN_PENDING_LIST
};

static bool
rog_oid_in(Oid funcid, const Oid *oids, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (oids[i] == funcid)
			return true;
	return false;
}

static bool
rog_is_large_object_writer(Oid funcid)
{
	return rog_oid_in(funcid, rog_large_object_writers,
					  lengthof(rog_large_object_writers));
}

static bool
rog_is_sequence_writer(Oid funcid)
{
	return rog_oid_in(funcid, rog_sequence_writers,
					  lengthof(rog_sequence_writers));
}

/*
 * C functions of contrib modules that write pages or catalogs directly,
 * by their link symbol (their OIDs differ from one database to another).
 */
static const char *const rog_extension_writers[] = {
	"heap_force_kill", "heap_force_freeze",	/* pg_surgery */
	"pg_truncate_visibility_map"	/* pg_visibility */
};

/* Is funcid, not a built-in function, one of rog_extension_writers? */
static bool
rog_is_extension_writer(Oid funcid)
{
	HeapTuple	tup;
	bool		writer = false;

	if (funcid < FirstNormalObjectId)
		return false;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tup))
		return false;
	if (((Form_pg_proc) GETSTRUCT(tup))->prolang == ClanguageId)
	{
		bool		isnull;
		Datum		src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
		int			i;

		for (i = 0; !isnull && i < lengthof(rog_extension_writers); i++)
			if (strcmp(TextDatumGetCString(src), rog_extension_writers[i]) == 0)
				writer = true;
	}
	ReleaseSysCache(tup);
	return writer;
}

/*
 * One bit per built-in function OID: set for the writers above and for the
 * functions rog_check_function() treats apart (those that take an XID).
 */
static uint8 rog_function_bits[FirstGenbkiObjectId / 8];

static void
rog_mark_functions(const Oid *oids, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		Assert(oids[i] < FirstGenbkiObjectId);
		rog_function_bits[oids[i] / 8] |= (uint8) (1 << (oids[i] % 8));
	}
}

static void
rog_mark_special_functions(void)
{
	static const Oid xid_takers[] = {F_TXID_CURRENT, F_PG_CURRENT_XACT_ID};

	rog_mark_functions(rog_large_object_writers,
					   lengthof(rog_large_object_writers));
	rog_mark_functions(rog_sequence_writers, lengthof(rog_sequence_writers));
	rog_mark_functions(rog_other_writers, lengthof(rog_other_writers));
	rog_mark_functions(xid_takers, lengthof(xid_takers));
}

/*
 * Does a call of funcid in a settled transaction need rog_check_function()?
 * Only for the marked built-ins and for functions that are not built in
 * (rog_is_extension_writer()).  One bit test for the others.
 */
static inline bool
rog_function_needs_check(Oid funcid)
{
	if (funcid >= FirstGenbkiObjectId)
		return funcid >= FirstNormalObjectId;
	return (rog_function_bits[funcid / 8] & (1 << (funcid % 8))) != 0;
}

static bool
rog_is_writer_function(Oid funcid)
{
	if (!rog_function_needs_check(funcid) || funcid >= FirstGenbkiObjectId)
		return false;
	return rog_is_large_object_writer(funcid) || rog_is_sequence_writer(funcid) ||
		rog_oid_in(funcid, rog_other_writers, lengthof(rog_other_writers));
}

static void
rog_check_function(Oid funcid)
{
	bool		writer = rog_is_writer_function(funcid);

	/* these take an XID and write nothing */
	if (unlikely(funcid == F_TXID_CURRENT || funcid == F_PG_CURRENT_XACT_ID))
		rog_xact_set(XACT_WROTE_ALLOWED);
	if (funcid >= FirstNormalObjectId)
		writer = rog_is_extension_writer(funcid);
	if (funcid >= FirstNormalObjectId || (writer && rog_is_sequence_writer(funcid)))
		rog_xact_set(XACT_CORE_MAY_REFUSE);

	if (likely(!writer) &&
		(rog_xact_settled() ||
		 ((xact_flags & XACT_OBSERVED) == 0 && rog_settle_reading_xact())))
		return;

	rog_observe();
	if (rog_transaction_may_write(writer ? get_func_name(funcid) : NULL))
	{
		rog_release_xact_read_only();
		return;
	}

	rog_force_xact_read_only();
	rog_settle_xact(0);
	if (likely(!writer))
		return;
	if (!rog_is_sequence_writer(funcid))
		rog_refuse(ROG_STAT_FUNCTION, psprintf("%s()", get_func_name(funcid)), NULL);

	/*
	 * Outside any portal this is a fast-path call (libpq PQfn).  Its
	 * arguments are not visible yet, so a sequence writer cannot be told to
	 * target a temporary sequence: refuse it here, with our detail, rather
	 * than leave it to core's bare check.
	 */
	if (ActivePortal == NULL)
		rog_refuse(ROG_STAT_FUNCTION, psprintf("%s()", get_func_name(funcid)),
				   "Sequence functions called through the fast-path protocol are refused in read-only mode.");
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
	if (rog_read_only())
		rog_check_function(objectId);
	else
		rog_note_mode_off();
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
	uint32		word;

	if (access == OAT_FUNCTION_EXECUTE &&
		unlikely((word = pg_atomic_read_u32(&rog_shared->word)) != rog_quiet_word) &&
		!(rog_settled_under(word) && !rog_function_needs_check(objectId)))
		rog_check_function_execute(access, classId, objectId, subId, arg);
	else
		rog_call_prev_object_access(access, classId, objectId, subId, arg);
}

/* ---- commit ---- */

/*
 * A transaction that held an XID when it first met read-only mode may have
 * written before the mode reached it: it must not commit or prepare while
 * the mode is on, unless the drain or an exemption lets it.  A transaction
 * that took its XID under the mode may commit only if the hooks allowed a
 * write (temporary objects, settings, maintenance).  One that never met the
 * mode before its commit started before the mode did: it is what
 * rog_enable() drains.
 */
static void
rog_check_commit(bool prepare)
{
	Assert(TransactionIdIsValid(GetTopTransactionIdIfAny()));
	if (!prepare && rog_transaction_may_write(NULL))
		return;
	if (xact_flags & XACT_XID_PREDATES)
		rog_refuse(ROG_STAT_COMMIT, prepare ? "PREPARE TRANSACTION" : "COMMIT",
				   "This transaction wrote data before read-only mode began, so it is rolled back.");

	/*
	 * It took its XID under the mode.  Unless that was for a write the guard
	 * allowed, something wrote past the statement checks (a function that
	 * writes without the executor, a cursor opened before the mode): the
	 * commit is the last line of defence.  PREPARE TRANSACTION takes an XID
	 * of its own; what it prepares cannot be committed while the mode is on
	 * (COMMIT PREPARED is refused).
	 */
	if (!prepare && (xact_flags & XACT_WROTE_ALLOWED) == 0)
		rog_refuse(ROG_STAT_COMMIT, prepare ? "PREPARE TRANSACTION" : "COMMIT",
				   "This transaction changed data that read-only mode protects, so it is rolled back.");
}

/*
 * The transaction callback's work, for a transaction that holds an XID or
 * has something to announce at its commit.
 */
static pg_noinline void
rog_xact_event(XactEvent event)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			/* a transaction without an XID wrote nothing */
			if ((rog_xact_flags() & (XACT_OBSERVED | XACT_XID_PREDATES)) != 0 &&
				TransactionIdIsValid(GetTopTransactionIdIfAny()) &&
				rog_read_only())
				rog_check_commit(event == XACT_EVENT_PRE_PREPARE);
			break;

		case XACT_EVENT_COMMIT:
			/* the local transaction ID is gone by now: read the flags raw */
			if (xact_flags & XACT_CHANGED_SETTINGS)
				rog_settings_changed();
			if (xact_flags & XACT_ANNOUNCING)
				rog_expiry_announced();
			xact_flags = 0;
			break;

		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
			xact_flags = 0;
			break;

		default:
			break;
	}
}

/*
 * Registered by the first transaction that sets a flag in
 * XACT_NEEDS_CALLBACK (before it can settle), and kept from then on.  It
 * runs twice for every transaction, so the common case is two tests: a
 * transaction without an XID wrote nothing (at the pre-commit events, the
 * only ones that check; by the others MyProc->xid is cleared), and one
 * without XACT_CHANGED_SETTINGS or XACT_ANNOUNCING has nothing to announce.
 * Its other flags need no reset: the next transaction finds them stale
 * (rog_xact_flags()).
 */
static void
rog_xact_callback(XactEvent event, void *arg)
{
	rog_settled_word = ROG_WORD_IMPOSSIBLE;
	if (unlikely(rog_xact_has_xid() ||
				 (xact_flags & (XACT_CHANGED_SETTINGS | XACT_ANNOUNCING)) != 0))
		rog_xact_event(event);
}

/*
 * Registered with rog_xact_callback().  The end of a subtransaction restores
 * XactReadOnly to its value at the start, which may be false: the
 * transaction must settle again.
 */
static void
rog_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_COMMIT_SUB || event == SUBXACT_EVENT_ABORT_SUB)
		rog_settled_word = ROG_WORD_IMPOSSIBLE;
}

/*
 * rog_enable() just turned the mode on: mark the caller's own transaction
 * read-only at once, since the rest of it (a DO block's cached expressions,
 * for one) may run without passing a hook again.
 */
void
rog_mark_transaction_read_only(void)
{
	rog_observe();
	rog_force_xact_read_only();
}

/* ---- installation ---- */

void
rog_install_hooks(void)
{
	rog_mark_special_functions();

	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = rog_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = rog_ExecutorRun;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = rog_ProcessUtility;
	prev_object_access_hook = object_access_hook;
	object_access_hook = rog_object_access;
}

/*
 * rog_enable() must not run in a transaction that has written: the mode
 * would refuse that transaction's own commit.
 */
void
rog_refuse_if_transaction_wrote(void)
{
	TransactionId xid = GetTopTransactionIdIfAny();

	if (TransactionIdIsValid(xid))
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("cannot enable read-only mode in a transaction that has already written"),
				 errdetail("The current transaction holds transaction ID %u; once read-only mode is on it could not commit.",
						   xid),
				 errhint("Commit or roll back first, then call rog_enable() in a transaction of its own.")));
}
