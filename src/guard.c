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
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/objectaccess.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_namespace.h"
#include "postmaster/autovacuum.h"
#include "catalog/pg_class.h"
#include "utils/syscache.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/backend_status.h"
#include "utils/plancache.h"
#include "utils/snapmgr.h"
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
static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;
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
#define XACT_MAINTENANCE		0x800	/* ran VACUUM, ANALYZE, CLUSTER or
										 * REINDEX that allow_maintenance
										 * permits under the mode */
#define XACT_CORE_MAY_REFUSE	0x1000	/* under the mode, called a sequence
										 * writer or a function that is not
										 * built in, or saw the state change:
										 * statements run with
										 * rog_explain_core_refusal() */
#define XACT_ANNOUNCE_DUE		0x2000	/* an expiry to announce at commit */
#define XACT_MAY_CHAIN			0x4000	/* ran COMMIT/ROLLBACK AND CHAIN or CALL
										 * (a procedure may chain) */

/* what the transaction callback must act on although there is no XID */
#define XACT_AT_END				(XACT_CHANGED_SETTINGS | XACT_ANNOUNCE_DUE | \
								 XACT_ANNOUNCING | XACT_MAY_CHAIN)

static uint32 xact_flags = 0;
static LocalTransactionId xact_lxid = InvalidLocalTransactionId;
static uint32 xact_permit_word = 0; /* state word XACT_PERMITTED is for */
static TimestampTz xact_permit_stmt = 0;	/* ...and statement start */

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

/*
 * The statement start of the statement in which this backend found the
 * mode in force after it was off, 0 while it is off: a portal created
 * before it set up its plan without the checks (rog_check_portal()).
 */
static TimestampTz rog_mode_seen_at = 0;

/*
 * The utility statement the guard let through under the mode, while it
 * runs (ROG_UTILITY_READ when none): the object access hook lets it create,
 * alter and drop what such a statement may (rog_check_object_change()).
 */
static RogUtilityKind rog_running_kind = ROG_UTILITY_READ;

/* > 0 while the executor sets up a plan for EXPLAIN without ANALYZE */
static int	rog_explain_only_depth = 0;

/*
 * A transaction that ended with XactReadOnly forced by the guard, and ran
 * COMMIT/ROLLBACK AND CHAIN or CALL: the next one may be its chain, which
 * inherits XactReadOnly,
 * although the guard's mark is no user's transaction characteristic.  The
 * next hook undoes it (rog_undo_chained_read_only()).
 */
static bool rog_chain_pending = false;

/*
 * The guard lowered XactReadOnly for DDL on temporary objects, which core
 * refuses in a read-only transaction: until the statement's first object
 * access event (core's check is behind it then) or a nested hook.
 */
static bool rog_lifted = false;

static void rog_xact_callback(XactEvent event, void *arg);
static bool rog_object_is_temp(Oid classId, Oid objectId);
static void rog_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								 SubTransactionId parentSubid, void *arg);

/*
 * The transaction callbacks judge commits under the mode (rog_judge_commit()).
 * Every process has them from its start: they are registered in the
 * postmaster.  A client backend (or a single-user one) passes a hook before
 * anything it does, and
 * the drain ends its work from before the mode: it drops them at its first
 * statement with the mode off and takes them again when it meets the mode
 * or sets a flag it must act on at the end of a transaction, so that the
 * common transaction does not pay for them.  Background processes (logical
 * replication apply workers, pg_cron) keep them: they may write without
 * passing any hook.
 */
static bool xact_callback_registered = false;

static void
rog_register_xact_callback(void)
{
	RegisterXactCallback(rog_xact_callback, NULL);
	RegisterSubXactCallback(rog_subxact_callback, NULL);
	xact_callback_registered = true;
}

static void
rog_unregister_xact_callback(void)
{
	UnregisterXactCallback(rog_xact_callback, NULL);
	UnregisterSubXactCallback(rog_subxact_callback, NULL);
	xact_callback_registered = false;
}

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
	{
		rog_quiet_word = word;
		if (unlikely(xact_callback_registered) &&
			(MyBackendType == B_BACKEND || !IsUnderPostmaster))
			rog_unregister_xact_callback();
	}
}

/* Set flags for the current transaction. */
static inline void
rog_xact_set(uint32 flags)
{
	if ((flags & XACT_AT_END) != 0 && unlikely(!xact_callback_registered))
		rog_register_xact_callback();
	if (xact_lxid != ROG_MY_LXID)
	{
		xact_flags = 0;
		xact_lxid = ROG_MY_LXID;
	}
	xact_flags |= flags;
	rog_quiet_word = ROG_WORD_IMPOSSIBLE;
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

/*
 * Undo XactReadOnly that a chained transaction inherited from one the guard
 * had marked (rog_chain_pending).  A transaction that is not a chain starts
 * with default_transaction_read_only, so it is not touched.
 */
static void
rog_undo_chained_read_only(void)
{
	rog_chain_pending = false;
	if (XactReadOnly && !DefaultXactReadOnly &&
		(rog_xact_flags() & XACT_RO_FORCED) == 0 &&
		IsTransactionState() && !IsSubTransaction())
	{
		XactReadOnly = false;
		rog_settled_word = ROG_WORD_IMPOSSIBLE;
	}
}

static inline void
rog_check_chain(void)
{
	if (unlikely(rog_chain_pending))
		rog_undo_chained_read_only();
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
 * from now on (XACT_CORE_MAY_REFUSE), and portals created before the mode
 * came have their plans checked (rog_mode_seen_at).  If the mode went off,
 * forget that the transaction observed it.
 */
void
rog_transaction_sees_change(bool is_on)
{
	if (!is_on)
	{
		if (rog_mode_seen_at != 0)
			rog_forget_transaction_observation();
		rog_mode_seen_at = 0;
	}
	else if (rog_mode_seen_at == 0)
	{
		if (unlikely(!xact_callback_registered))
			rog_register_xact_callback();
		rog_mode_seen_at = GetCurrentStatementStartTimestamp();

		/*
		 * PL/pgSQL keeps a simple expression's executable form for the rest
		 * of the transaction once built, and the function hook sees its
		 * functions only then: make every cached plan and expression be
		 * built again, under the mode's checks.
		 */
		ResetPlanCache();
	}
	rog_xact_set(XACT_CORE_MAY_REFUSE);
}

/*
 * Timed read-only mode expired (ROG_WORD_ANNOUNCE): the notification goes
 * out with the commit of this transaction (rog_announce_at_commit()), not
 * now, so that a transaction that ends in PREPARE TRANSACTION is not
 * burdened with a NOTIFY.  Every session does so until a transaction that
 * announced it commits, so a rollback loses nothing.
 */
void
rog_announce_expiry(void)
{
	if ((rog_xact_flags() & (XACT_ANNOUNCE_DUE | XACT_ANNOUNCING)) == 0)
		rog_xact_set(XACT_ANNOUNCE_DUE);
}

/* At the commit of a transaction that saw an unannounced expiry: notify. */
static void
rog_announce_at_commit(void)
{
	if ((rog_xact_flags() & (XACT_ANNOUNCE_DUE | XACT_ANNOUNCING)) == XACT_ANNOUNCE_DUE &&
		(pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ANNOUNCE) != 0 &&
		rog_notify_state_change())
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
 * of readonly_guard.exempt_roles may, and so may, while rog_enable() drains,
 * the work that was under way when the mode began: a transaction that had
 * an XID before it (below the cutoff, or already when the transaction first
 * met the mode: taken by a statement that began before), or a statement
 * that began before it.  Cached per state word and statement, so that the
 * lock behind it is taken once per change.  what names the statement if it
 * writes, for the log of exempt writes.
 */
static bool
rog_transaction_may_write(const char *what)
{
	TimestampTz stmt = GetCurrentStatementStartTimestamp();

	(void) rog_xact_flags();	/* drop a finished transaction's flags */
	if (rog_transaction_exempt())
	{
		rog_log_exempt_write(what);
		return true;
	}

	if ((rog_seen_word & ROG_WORD_DRAINING) == 0)
		return false;
	if ((xact_flags & XACT_PERMIT_KNOWN) == 0 || xact_permit_word != rog_seen_word ||
		xact_permit_stmt != stmt)
	{
		TimestampTz since = (xact_flags & XACT_XID_PREDATES) ?
		GetCurrentTransactionStartTimestamp() : stmt;
		bool		permitted = rog_drain_permits(GetTopTransactionIdIfAny(), since);

		xact_flags &= ~XACT_PERMITTED;
		rog_xact_set(permitted ? XACT_PERMIT_KNOWN | XACT_PERMITTED : XACT_PERMIT_KNOWN);
		xact_permit_word = rog_seen_word;
		xact_permit_stmt = stmt;
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
 * A refusal of core's own (SQLSTATE 25006, no detail) is about to be sent:
 * name its cause.  Under readonly_guard's mode, a refusal that no error
 * context of the guard explained (a quiet statement's nextval()) gets the
 * guard's detail and hint; otherwise the transaction is read-only for a
 * reason of its own (recovery, default_transaction_read_only, BEGIN READ
 * ONLY).  Core's message and SQLSTATE stay.  It runs as the error is
 * emitted, so statements pay nothing for it.
 */
static void
rog_explain_bare_refusal(ErrorData *edata)
{
	StringInfoData detail;

	if (edata->elevel < ERROR || edata->sqlerrcode != ERRCODE_READ_ONLY_SQL_TRANSACTION ||
		edata->detail != NULL || rog_shared == NULL ||
		LWLockHeldByMe(rog_shared->lock))
		return;
	if ((pg_atomic_read_u32(&rog_shared->word) & ROG_WORD_ENABLED) ||
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

/* Every message this process emits passes here: explain what is ours to. */
static void
rog_emit_log(ErrorData *edata)
{
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
	rog_explain_drain_signal(edata);
	rog_explain_bare_refusal(edata);
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
	uint32		word = pg_atomic_read_u32(&rog_shared->word);

	if (word != rog_seen_word ||
		(word & ROG_WORD_WATCH) != 0 ||
		((word & ROG_WORD_ENABLED) == 0 && !rog_session_read_only) ||
		rog_plan_may_write(stmt) || rog_xact_has_xid() ||
		(rog_exempt_roles != NULL && rog_exempt_roles[0] != '\0'))
		return false;
	rog_xact_set(XACT_OBSERVED | XACT_SETTLED | rog_mark_xact_read_only());
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
	uint32		word = pg_atomic_read_u32(&rog_shared->word);

	if (unlikely(word != rog_quiet_word) &&
		!(rog_settled_under(word) && !rog_plan_may_write(queryDesc->plannedstmt) &&
		  (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0))
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

static bool rog_is_writer_function(Oid funcid);
static bool rog_is_extension_writer(Oid funcid);

/*
 * Does a plan call a function that writes without the executor?  Its text
 * form lists every node, subplans included; these are the fields that name
 * a function to call.
 */
static Oid
rog_plan_calls_writer(PlannedStmt *stmt)
{
	static const char *const fields[] = {
		":funcid ", ":opfuncid ", ":hashfuncid ", ":negfuncid ",
		":aggfnoid ", ":winfnoid "
	};
	char	   *text = nodeToString(stmt);
	Oid			found = InvalidOid;
	int			i;

	for (i = 0; i < lengthof(fields) && !OidIsValid(found); i++)
	{
		const char *p = text;

		while (!OidIsValid(found) && (p = strstr(p, fields[i])) != NULL)
		{
			Oid			funcid = (Oid) strtoul(p + strlen(fields[i]), NULL, 10);

			p += strlen(fields[i]);
			if (rog_is_writer_function(funcid) ||
				(funcid >= FirstNormalObjectId && rog_is_extension_writer(funcid)))
				found = funcid;
		}
	}
	pfree(text);
	return found;
}

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
		case ROG_T_CLUSTER_STMT:
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
		case T_RenameStmt:
		case T_CommentStmt:
		case T_CreateStatsStmt:
		case T_RuleStmt:
		case T_CreateTrigStmt:
		case T_CreatePolicyStmt:
		case T_CreateFunctionStmt:
		case T_CompositeTypeStmt:
		case T_CreateEnumStmt:
		case T_CreateRangeStmt:
		case T_CreateDomainStmt:
		case T_DefineStmt:
		case T_AlterFunctionStmt:
		case T_AlterEnumStmt:
		case T_AlterPolicyStmt:
		case T_AlterDomainStmt:
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

/*
 * Object types a statement names by a qualified name, whose objects may live
 * in a temporary schema.
 */
static bool
rog_is_schema_object_type(ObjectType type)
{
	switch (type)
	{
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
		case OBJECT_AGGREGATE:
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
		case OBJECT_STATISTIC_EXT:
			return true;
		default:
			return false;
	}
}

/*
 * Is the object a statement names (of the type given) temporary?  One that
 * does not exist counts as such, as for relations: the statement will fail
 * or do nothing.
 */
static bool
rog_named_object_is_temp(ObjectType type, Node *object)
{
	Relation	relation = NULL;
	ObjectAddress address;

	address = get_object_address(type, object, &relation, AccessExclusiveLock, true);
	if (relation != NULL)
		table_close(relation, NoLock);
	return !OidIsValid(address.objectId) ||
		rog_object_is_temp(address.classId, address.objectId);
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
			foreach(lc, stmt->objects)
				if (!rog_relation_is_temp(makeRangeVarFromNameList(lfirst(lc))))
					return false;
			return true;
		case OBJECT_TRIGGER:
		case OBJECT_RULE:
		case OBJECT_POLICY:
			break;
		default:
			if (!rog_is_schema_object_type(stmt->removeType))
				return false;
			break;
	}
	foreach(lc, stmt->objects)
		if (!rog_named_object_is_temp(stmt->removeType, lfirst(lc)))
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

/*
 * Does an object that is not temporary depend on the existing relation rv or
 * its row type (a permanent table with a column of a temporary composite
 * type)?  Altering it would change what that object shows.
 */
static bool
rog_object_has_permanent_dependents(Oid classId, Oid objectId)
{
	Relation	depRel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(classId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL, 2, key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		found = !(dep->classid == classId && dep->objid == objectId) &&
			!rog_object_is_temp(dep->classid, dep->objid);
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return found;
}

static bool
rog_has_permanent_dependents(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	if (!OidIsValid(relid))
		return false;
	return rog_object_has_permanent_dependents(RelationRelationId, relid) ||
		rog_object_has_permanent_dependents(TypeRelationId, get_rel_type_id(relid));
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

/*
 * Does a qualified name (schema.name) put an object in the temporary
 * schema?  An unqualified one goes to the first schema of search_path,
 * which is not assumed to be temporary.
 */
static bool
rog_names_temp_schema(List *names)
{
	const char *schema;

	if (list_length(names) < 2)
		return false;
	schema = strVal(list_nth(names, list_length(names) - 2));
	return strcmp(schema, "pg_temp") == 0 ||
		isTempNamespace(get_namespace_oid(schema, true));
}

/*
 * Does CREATE FUNCTION make a function in C or an alias of a built-in one
 * (LANGUAGE c, internal)?  Such a function could call a writer under a new
 * name; only superusers can make one anyway.
 */
static bool
rog_creates_native_function(CreateFunctionStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "language") == 0)
		{
			const char *language = strVal(opt->arg);

			return pg_strcasecmp(language, "c") == 0 ||
				pg_strcasecmp(language, "internal") == 0;
		}
	}
	return false;
}

/* The relation that names (relation..., member) ends in a member of. */
static bool
rog_member_of_temp_relation(List *names)
{
	if (list_length(names) < 2)
		return false;
	return rog_relation_is_temp(makeRangeVarFromNameList(list_truncate(list_copy(names),
																   list_length(names) - 1)));
}

/* RENAME of a temporary relation or of one of its columns, constraints, ... */
static bool
rog_rename_touches_only_temp(RenameStmt *stmt)
{
	switch (stmt->renameType)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_INDEX:
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_RULE:
		case OBJECT_POLICY:
		case OBJECT_ATTRIBUTE:
			return stmt->relation != NULL && rog_relation_is_temp(stmt->relation);
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
			/* RENAME names a type by a list of names, not a TypeName */
			return rog_named_object_is_temp(stmt->renameType,
											(Node *) makeTypeNameFromNameList(castNode(List, stmt->object)));
		default:
			return rog_is_schema_object_type(stmt->renameType) &&
				rog_named_object_is_temp(stmt->renameType, stmt->object);
	}
}

/* COMMENT ON a temporary relation or one of its columns, constraints, ... */
static bool
rog_comment_touches_only_temp(CommentStmt *stmt)
{
	List	   *names;

	switch (stmt->objtype)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_INDEX:
			names = castNode(List, stmt->object);
			return rog_relation_is_temp(makeRangeVarFromNameList(names));
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_RULE:
		case OBJECT_POLICY:
			return rog_member_of_temp_relation(castNode(List, stmt->object));
		default:
			return rog_is_schema_object_type(stmt->objtype) &&
				rog_named_object_is_temp(stmt->objtype, stmt->object);
	}
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
				!rog_alter_table_links(((AlterTableStmt *) parsetree)) &&
				!rog_has_permanent_dependents(((AlterTableStmt *) parsetree)->relation);
		case T_AlterSeqStmt:
			return rog_relation_is_temp(((AlterSeqStmt *) parsetree)->sequence);
		case T_DropStmt:
			/* what CASCADE reaches is checked object by object (OAT_DROP) */
			return rog_drop_touches_only_temp((DropStmt *) parsetree);
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
		case T_RenameStmt:
			return rog_rename_touches_only_temp((RenameStmt *) parsetree);
		case T_CommentStmt:
			return rog_comment_touches_only_temp((CommentStmt *) parsetree);
		case T_CreateStatsStmt:
			return rog_relations_are_temp(((CreateStatsStmt *) parsetree)->relations) &&
				(((CreateStatsStmt *) parsetree)->defnames == NIL ||
				 rog_names_temp_schema(((CreateStatsStmt *) parsetree)->defnames));
		case T_RuleStmt:
			return rog_relation_is_temp(((RuleStmt *) parsetree)->relation);
		case T_CreateTrigStmt:
			return rog_relation_is_temp(((CreateTrigStmt *) parsetree)->relation);
		case T_CreatePolicyStmt:
			return rog_relation_is_temp(((CreatePolicyStmt *) parsetree)->table);
		case T_CreateFunctionStmt:
			return rog_names_temp_schema(((CreateFunctionStmt *) parsetree)->funcname) &&
				!rog_creates_native_function((CreateFunctionStmt *) parsetree);
		case T_CompositeTypeStmt:
			return rog_creates_temp(((CompositeTypeStmt *) parsetree)->typevar);
		case T_CreateEnumStmt:
			return rog_names_temp_schema(((CreateEnumStmt *) parsetree)->typeName);
		case T_CreateRangeStmt:
			return rog_names_temp_schema(((CreateRangeStmt *) parsetree)->typeName);
		case T_CreateDomainStmt:
			return rog_names_temp_schema(((CreateDomainStmt *) parsetree)->domainname);
		case T_DefineStmt:
			/* not operators: CREATE OPERATOR updates a commutator's row */
			return ((DefineStmt *) parsetree)->kind == OBJECT_AGGREGATE &&
				rog_names_temp_schema(((DefineStmt *) parsetree)->defnames);
		case T_AlterDomainStmt:
			return rog_named_object_is_temp(OBJECT_DOMAIN,
											(Node *) makeTypeNameFromNameList(((AlterDomainStmt *) parsetree)->typeName));
		case T_AlterFunctionStmt:
			return rog_named_object_is_temp(((AlterFunctionStmt *) parsetree)->objtype,
											(Node *) ((AlterFunctionStmt *) parsetree)->func);
		case T_AlterEnumStmt:
			return rog_named_object_is_temp(OBJECT_TYPE,
											(Node *) makeTypeNameFromNameList(((AlterEnumStmt *) parsetree)->typeName));
		case T_AlterPolicyStmt:
			return rog_relation_is_temp(((AlterPolicyStmt *) parsetree)->table);
		default:
			return false;
	}
}

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

	rog_force_xact_read_only();
	lifted = lift && (rog_xact_flags() & XACT_RO_FORCED) != 0 && XactReadOnly;
	if (lifted)
	{
		XactReadOnly = false;
		rog_settled_word = ROG_WORD_IMPOSSIBLE;
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
 * Does core refuse this allowed statement in a read-only transaction?  COPY
 * FROM a temporary table and maintenance are fine with it.
 */
static bool
rog_utility_needs_lift(Node *parsetree, RogUtilityKind kind)
{
	return kind != ROG_UTILITY_MAINTENANCE && !IsA(parsetree, CopyStmt);
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

/*
 * Can the transaction this statement ends, or runs in, be followed by its
 * chain: COMMIT/ROLLBACK AND CHAIN, or a procedure (which may COMMIT AND
 * CHAIN inside)?
 */
static bool
rog_may_chain(Node *parsetree)
{
	if (IsA(parsetree, CallStmt))
		return true;
	return IsA(parsetree, TransactionStmt) && ((TransactionStmt *) parsetree)->chain;
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

	rog_check_chain();
	if (kind == ROG_UTILITY_SETTING || rog_resets_all_settings(parsetree))
		rog_xact_set(XACT_CHANGED_SETTINGS);
	if (rog_may_chain(parsetree))
		rog_xact_set(XACT_MAY_CHAIN);

	if (!rog_read_only())
	{
		rog_note_mode_off();
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
		return;
	}

	rog_observe();
	rog_push_error_context(&callback);

	if (rog_transaction_may_write(kind == ROG_UTILITY_READ ? NULL :
								  CreateCommandName(parsetree)))
	{
		rog_release_xact_read_only();
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
		rog_force_xact_read_only();
		rog_call_next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									 params, queryEnv, dest, qc);
	}
	else if (rog_utility_allowed(parsetree, kind))
	{
		if (kind == ROG_UTILITY_MAINTENANCE)
			rog_xact_set(XACT_MAINTENANCE);
		rog_run_allowed_utility(kind, rog_utility_needs_lift(parsetree, kind),
								pstmt, queryString, readOnlyTree, context,
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
 * read-only check of their own.  Those of later versions: compat.h.
 */
static const Oid rog_other_writers[] = {
	ROG_WRITERS_SINCE_18
	ROG_WRITERS_SINCE_19
	F_PG_IMPORT_SYSTEM_COLLATIONS,
	ROG_F_LOGICAL_EMIT_MESSAGE_TEXT,
	ROG_F_LOGICAL_EMIT_MESSAGE_BYTEA,
	F_PG_REPLICATION_ORIGIN_CREATE, F_PG_REPLICATION_ORIGIN_DROP,
	F_PG_REPLICATION_ORIGIN_ADVANCE, F_PG_REPLICATION_ORIGIN_XACT_SETUP,
	F_PG_REPLICATION_ORIGIN_SESSION_SETUP,
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

/*
 * Is funcid, not a built-in function, one of rog_extension_writers, or an
 * alias (LANGUAGE internal) of a built-in writer?
 */
static bool
rog_is_extension_writer(Oid funcid)
{
	HeapTuple	tup;
	Oid			language;
	bool		isnull;
	Datum		src;
	bool		writer = false;

	if (funcid < FirstNormalObjectId)
		return false;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tup))
		return false;
	language = ((Form_pg_proc) GETSTRUCT(tup))->prolang;
	src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
	if (!isnull && language == ClanguageId)
	{
		int			i;

		for (i = 0; i < lengthof(rog_extension_writers); i++)
			if (strcmp(TextDatumGetCString(src), rog_extension_writers[i]) == 0)
				writer = true;
	}
	else if (!isnull && language == INTERNALlanguageId)
		writer = rog_is_writer_function(fmgr_internal_function(TextDatumGetCString(src)));
	ReleaseSysCache(tup);
	return writer;
}

/* One bit per built-in function OID: set for the writers above. */
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
	rog_mark_functions(rog_large_object_writers,
					   lengthof(rog_large_object_writers));
	rog_mark_functions(rog_sequence_writers, lengthof(rog_sequence_writers));
	rog_mark_functions(rog_other_writers, lengthof(rog_other_writers));
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
 * The schema of an object, InvalidOid if its class has none.  Read with
 * SnapshotSelf, so that an object the current command just created is
 * found too.
 */
static Oid
rog_object_namespace(Oid classId, Oid objectId)
{
	AttrNumber	nspattr;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			namespace = InvalidOid;

	if (!is_objectclass_supported(classId) ||
		(nspattr = get_object_attnum_namespace(classId)) == InvalidAttrNumber)
		return InvalidOid;
	rel = table_open(classId, AccessShareLock);
	ScanKeyInit(&key, get_object_attnum_oid(classId), BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(rel, get_object_oid_index(classId), true,
							  SnapshotSelf, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		datum = heap_getattr(tup, nspattr, RelationGetDescr(rel), &isnull);

		if (!isnull)
			namespace = DatumGetObjectId(datum);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return namespace;
}

/*
 * Does an object without a schema of its own (trigger, policy, rule, column
 * default, cast of a range type...) belong to a temporary one, by its
 * automatic or internal dependency?  depth bounds the chain followed.
 */
static bool rog_object_is_temp_depth(Oid classId, Oid objectId, int depth);

static bool
rog_owner_is_temp(Oid classId, Oid objectId, int depth)
{
	Relation	depRel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		temp = false;

	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(classId));
	ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(depRel, DependDependerIndexId, true, SnapshotSelf, 2, key);
	while (!temp && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		if (dep->deptype == DEPENDENCY_AUTO || dep->deptype == DEPENDENCY_INTERNAL)
			temp = rog_object_is_temp_depth(dep->refclassid, dep->refobjid, depth - 1);
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return temp;
}

/*
 * Is the object temporary: in a temporary schema (this session's, or one
 * left by an earlier session that PostgreSQL is clearing), or belonging to
 * an object that is?
 */
static bool
rog_object_is_temp_depth(Oid classId, Oid objectId, int depth)
{
	Oid			namespace;

	if (classId == NamespaceRelationId)
		return isAnyTempNamespace(objectId);
	namespace = rog_object_namespace(classId, objectId);
	if (OidIsValid(namespace))
		return isAnyTempNamespace(namespace);
	return depth > 0 && rog_owner_is_temp(classId, objectId, depth);
}

static bool
rog_object_is_temp(Oid classId, Oid objectId)
{
	return rog_object_is_temp_depth(classId, objectId, 3);
}

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
		ROG_IS_AUTOVACUUM_WORKER() || rog_transaction_may_write(NULL))
		return;
	if (access == OAT_DROP || access == OAT_TRUNCATE)
	{
		if (rog_object_is_temp(classId, objectId))
		{
			if (classId == RelationRelationId && subId == 0)
				rog_note_temp_relation_dropped(objectId);
			return;
		}
		address.classId = classId;
		address.objectId = objectId;
		address.objectSubId = subId;
		rog_refuse(ROG_STAT_DDL, access == OAT_DROP ? "DROP" : "TRUNCATE",
				   psprintf("The statement would remove %s, which is not temporary.",
							getObjectDescription(&address, true)));
	}
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
	uint32		word = pg_atomic_read_u32(&rog_shared->word);

	if (likely(word == rog_quiet_word) ||
		(access == OAT_FUNCTION_EXECUTE &&
		 rog_settled_under(word) && !rog_function_needs_check(objectId)))
		rog_call_prev_object_access(access, classId, objectId, subId, arg);
	else if (access == OAT_FUNCTION_EXECUTE)
		rog_check_function_execute(access, classId, objectId, subId, arg);
	else
		rog_check_object_change(access, classId, objectId, subId, arg);
}

/* ---- commit ---- */

/*
 * The invariant, in one place: while read-only mode is in force, a
 * transaction that holds a transaction ID commits or prepares only if
 *	 - its session is exempt (readonly_guard.exempt_roles), or
 *	 - it is drained: rog_enable() is still draining and it had its XID, or
 *	   its current statement began, before the mode did, or it held its XID
 *	   when it first met the mode, which only work begun before can have
 *	   taken (not for PREPARE, whose result could only be committed after
 *	   the mode), or
 *	 - it changed nothing the mode protects (judge.c: read off the locks and
 *	   files it holds, not off what the hooks saw), or only what
 *	   readonly_guard.allow_maintenance permits, or it is autovacuum.
 * The callback runs in every process from birth (rog_install_hooks()), so
 * this holds whatever ran before the mode came and whatever wrote without
 * passing a hook.  The statement hooks refuse most writes earlier, with a
 * clearer error; they are not what the promise rests on.
 */
static void
rog_judge_commit(bool prepare)
{
	uint32		flags = rog_xact_flags();
	const char *change;

	if (ROG_IS_AUTOVACUUM_WORKER() || rog_transaction_exempt())
		return;
	rog_observe();				/* a transaction no hook saw under the mode */
	if (!prepare && rog_transaction_may_write(NULL))
		return;
	change = rog_protected_change((flags & XACT_MAINTENANCE) != 0 ||
								  rog_running_kind == ROG_UTILITY_MAINTENANCE);
	if (change == NULL)
		return;
	rog_refuse(ROG_STAT_COMMIT, prepare ? "PREPARE TRANSACTION" : "COMMIT",
			   psprintf("%s %s",
						(flags & XACT_XID_PREDATES) ?
						"This transaction wrote data before read-only mode began, so it is rolled back." :
						"This transaction changed data that read-only mode protects, so it is rolled back.",
						change));
}

/*
 * A transaction ends.  If the guard had marked it read-only, the next
 * transaction may be its chain: let the next hook look (see
 * rog_chain_pending).
 */
static void
rog_end_transaction(void)
{
	if ((xact_flags & (XACT_RO_FORCED | XACT_MAY_CHAIN)) ==
		(XACT_RO_FORCED | XACT_MAY_CHAIN))
	{
		rog_chain_pending = true;
		rog_quiet_word = ROG_WORD_IMPOSSIBLE;
	}
	xact_flags = 0;
}

/*
 * The transaction callback's work, for a transaction that holds an XID or
 * has something to do at its end.
 */
static pg_noinline void
rog_xact_event(XactEvent event)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (rog_xact_has_xid() && rog_read_only())
				rog_judge_commit(event == XACT_EVENT_PRE_PREPARE);
			if (event == XACT_EVENT_PRE_COMMIT)
				rog_announce_at_commit();
			break;

		case XACT_EVENT_COMMIT:
			/* the local transaction ID is gone by now: read the flags raw */
			if (xact_flags & XACT_CHANGED_SETTINGS)
				rog_settings_changed();
			if (xact_flags & XACT_ANNOUNCING)
				rog_expiry_announced();
			rog_end_transaction();
			break;

		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
			rog_end_transaction();
			break;

		default:
			break;
	}
}

/*
 * Registered in the postmaster, so every process has it from its start.  It
 * runs twice for every transaction, so the common case is two tests: a
 * transaction without an XID wrote nothing (at the pre-commit events, the
 * only ones that judge; by the others MyProc->xid is cleared), and one
 * without XACT_AT_END flags has nothing else to do at its end.  Flags are
 * reset at the end of every transaction that has any.
 */
static void
rog_xact_callback(XactEvent event, void *arg)
{
	rog_settled_word = ROG_WORD_IMPOSSIBLE;
	if (unlikely(rog_xact_has_xid() || (xact_flags & XACT_AT_END) != 0))
		rog_xact_event(event);
}

/*
 * Registered with rog_xact_callback().  The end of a subtransaction restores
 * XactReadOnly to its value at the start, which may be false if the mode
 * came during the subtransaction: the transaction must settle again.  (The
 * hooks mark a transaction read-only at its first statement under the
 * mode, so a subtransaction begun under the mode saves and restores true.)
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

/* Code that is not the DDL's own runs: the transaction is read-only again. */
static void
rog_fmgr_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (event == FHET_START && rog_lifted)
		XactReadOnly = true;
	if (prev_fmgr_hook)
		prev_fmgr_hook(event, flinfo, private);
}

/* ---- installation ---- */

void
rog_install_hooks(void)
{
	rog_mark_special_functions();

	/* in the postmaster: every process inherits them (rog_judge_commit()) */
	rog_register_xact_callback();

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
