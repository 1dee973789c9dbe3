/*-------------------------------------------------------------------------
 *
 * guard_int.h
 *	  Private header of the guard's modules (guard.c, xact.c, report.c,
 *	  classify.c, writers.c, objects.c, judge.c): the per-statement check,
 *	  its caches, and the transaction's flags.
 *
 * The per-statement check and its caches
 * --------------------------------------
 * Every hook runs for every statement (or function call), so each begins
 * with one atomic read of the shared state word (state.h) and a comparison
 * with a per-backend copy of it.  Three such copies, all in xact.c:
 *
 *	rog_seen_word		the last state word this backend took in: its
 *						session settings (settings.c) are computed for it.
 *						rog_read_only() calls rog_notice_change() when the
 *						word differs; only that sets it to a real word.
 *	rog_quiet_word		the last state word under which this backend found
 *						nothing to do: the mode not in force for it and no
 *						transaction flag set.  While the word equals it,
 *						every hook is a bare jump to the next one (mode off:
 *						about 30 instructions per statement in all).  Set
 *						only by rog_try_quiet_word(), after a hook found the
 *						mode off.
 *	rog_settled_word	the state word under which the current transaction
 *						settled: it met the mode, may not write and is
 *						marked read-only (ROG_XACT_SETTLED and XactReadOnly,
 *						rog_xact_settled()); the word is that flag's cache
 *						for the hooks.  While the word equals it, a plan that
 *						cannot write and a function call that needs no check
 *						pass after the comparison.  Set only by
 *						rog_settle_xact(), rog_settle_first_read() (guard.c)
 *						and rog_settle_in_recovery().
 *
 * One sentinel: ROG_WORD_IMPOSSIBLE, a value the state word never holds.  A
 * copy set to it never matches, so the next hook takes the full path.
 *	 rog_unquiet()		clears rog_quiet_word: rog_xact_set() (any flag),
 *						the end of a transaction that may be chained.
 *	 rog_unsettle()		clears rog_settled_word: the transaction callback
 *						(every event) and the subtransaction callback (the
 *						end of a subtransaction restores XactReadOnly);
 *						rog_xact_read_only_off(), rog_xact_read_only_unchain()
 *						and the lift for DDL on temporary objects (anything
 *						that lowers XactReadOnly); rog_note_mode_off().
 *	 rog_recheck_words()	clears all three: every assignment of
 *						readonly_guard.enabled in this process (SET, RESET,
 *						a function's SET clause, a rollback, a reload, a
 *						parallel worker taking its leader's settings, and
 *						once at start-up: rog_setting_assigned()); and the
 *						ends that may take back an assignment without a new
 *						one (core restores a setting silently when its value
 *						does not change, but its source, which decides
 *						between the session's value and the database's or
 *						role's, does): of the transaction and of a
 *						subtransaction (the transaction callbacks), of a
 *						function with a SET clause (rog_fmgr_hook()).
 * A change of the shared state needs none of these: the change counter in
 * the word makes every copy stale at once.  Words with a ROG_WORD_WATCH bit
 * (an expiry, recovery, an unannounced expiry) are never quiet, and settled
 * only by rog_settle_in_recovery() (a transaction begun in recovery stays
 * read-only for core anyway): each statement must look at the clock or for
 * the end of recovery.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_GUARD_INT_H
#define READONLY_GUARD_GUARD_INT_H

#include "access/xact.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "storage/proc.h"

#include "guard.h"
#include "settings.h"
#include "state.h"

/* what a utility statement does, as far as the guard is concerned */
typedef enum RogUtilityKind
{
	ROG_UTILITY_READ,			/* changes no data */
	ROG_UTILITY_SETTING,		/* ALTER DATABASE/ROLE ... SET readonly_guard.* */
	ROG_UTILITY_MAYBE_WRITE,	/* writes unless it touches only temp objects */
	ROG_UTILITY_MAINTENANCE,	/* VACUUM, ANALYZE, CLUSTER, REINDEX */
	ROG_UTILITY_WRITE			/* writes */
} RogUtilityKind;

/*
 * What the guard knows about the current top-level transaction, as bits of
 * rog_xact_bits.  They hold only while rog_xact_lxid is the transaction's
 * local ID: a new transaction finds them stale and starts from zero, so no
 * callback at the end of every transaction is needed to reset them (core's
 * GetStableLatestTransactionId() uses the same device).  Read them through
 * rog_xact_flags(), set them through rog_xact_set().
 */
#define ROG_XACT_OBSERVED		0x01	/* saw read-only mode in force */
#define ROG_XACT_XID_PREDATES	0x02	/* held an XID when it first saw it */
#define ROG_XACT_CHANGED_SETTINGS 0x04	/* ALTER ... SET readonly_guard.* */
#define ROG_XACT_RO_FORCED		0x08	/* we set XactReadOnly */
#define ROG_XACT_PERMIT_KNOWN	0x10	/* ROG_XACT_PERMITTED is up to date... */
#define ROG_XACT_PERMITTED		0x20	/* ...and says it may write */
#define ROG_XACT_EXEMPT_KNOWN	0x40	/* ROG_XACT_EXEMPT is up to date... */
#define ROG_XACT_EXEMPT			0x80	/* ...and says the session is exempt */
#define ROG_XACT_EXEMPT_LOGGED	0x100	/* logged an exempt role's write */
#define ROG_XACT_ANNOUNCING		0x200	/* queued NOTIFY of an expiry */
#define ROG_XACT_SETTLED		0x400	/* observed, may not write, marked
										 * read-only: reads need nothing more */
#define ROG_XACT_MAINTENANCE	0x800	/* ran VACUUM, ANALYZE, CLUSTER or
										 * REINDEX that allow_maintenance
										 * permits under the mode */
#define ROG_XACT_CORE_MAY_REFUSE 0x1000 /* under the mode, called a sequence
										 * writer or a function that is not
										 * built in, or saw the state change:
										 * statements run with
										 * rog_explain_core_refusal() */
#define ROG_XACT_ANNOUNCE_DUE	0x2000	/* an expiry to announce at commit */
#define ROG_XACT_MAY_CHAIN		0x4000	/* ran COMMIT/ROLLBACK AND CHAIN or
										 * CALL (a procedure may chain) */
#define ROG_XACT_SET_ENABLED	0x8000	/* readonly_guard.enabled was
										 * assigned: see rog_setting_assigned() */
#define ROG_XACT_DRAINED_COMMIT	0x10000 /* asked the drain to permit its
										 * commit: rog_drain_note_commit() */

/* what the transaction callback must act on although there is no XID */
#define ROG_XACT_AT_END			(ROG_XACT_CHANGED_SETTINGS | \
								 ROG_XACT_ANNOUNCE_DUE | \
								 ROG_XACT_ANNOUNCING | ROG_XACT_MAY_CHAIN | \
								 ROG_XACT_SET_ENABLED | ROG_XACT_DRAINED_COMMIT)

ROG_HIDDEN_BEGIN

/* xact.c: the copies of the state word (see above) */
extern uint32 rog_seen_word;
extern uint32 rog_quiet_word;
extern uint32 rog_settled_word;

/* xact.c: the transaction's flags and what the running statement does */
extern uint32 rog_xact_bits;
extern LocalTransactionId rog_xact_lxid;
extern bool rog_xact_callbacks_registered;
extern bool rog_chain_pending;
extern TimestampTz rog_mode_seen_at;
extern RogUtilityKind rog_running_kind;

/* xact.c */
extern void rog_notice_change(uint32 word);
extern void rog_recheck_words(void);
extern uint32 rog_notice_watched_word(uint32 word);
extern void rog_xact_callbacks_register(void);
extern void rog_xact_callbacks_unregister(void);
extern void rog_xact_read_only_off(void);
extern void rog_xact_read_only_unchain(void);
extern void rog_note_mode_off(void);
extern bool rog_transaction_may_write(const char *what);

/* report.c */
extern bool rog_raising;
extern void rog_refuse(RogStatClass class, const char *what,
					   const char *extra_detail);
extern void rog_explain_core_refusal(void *arg);
extern void rog_explain_refusal(ErrorData *edata);
extern RogStatClass rog_utility_stat_class(Node *parsetree, RogUtilityKind kind);
extern const char *rog_utility_refusal_detail(Node *parsetree,
											  RogUtilityKind kind);
extern RogStatClass rog_plan_stat_class(PlannedStmt *stmt);
extern char *rog_drop_refusal_detail(const ObjectAddress *address,
									 bool temp);

/* classify.c */
extern RogUtilityKind rog_classify_utility(Node *parsetree, uint32 *end_flags);
extern bool rog_utility_allowed(Node *parsetree, RogUtilityKind kind);
extern bool rog_utility_needs_lift(Node *parsetree, RogUtilityKind kind);
extern bool rog_plan_writes_permanent_relation(PlannedStmt *stmt);

/* writers.c */
extern uint8 rog_function_bits[FirstGenbkiObjectId / 8];
extern void rog_mark_writer_functions(void);
extern bool rog_is_writer_function(Oid funcid);
extern bool rog_is_sequence_writer(Oid funcid);
extern bool rog_is_extension_writer(Oid funcid);
extern Oid	rog_plan_calls_writer(PlannedStmt *stmt);

/* objects.c */
extern bool rog_object_is_temp(Oid classId, Oid objectId);
extern Oid	rog_object_namespace(Oid classId, Oid objectId);
extern bool rog_object_has_permanent_dependents(Oid classId, Oid objectId);
extern bool rog_creates_temp(RangeVar *rv);
extern bool rog_names_temp_schema(List *names);
extern bool rog_relation_is_temp(RangeVar *rv);
extern bool rog_relations_are_temp(List *rangevars);
extern bool rog_relations_are_temp_tables(List *rangevars);
extern bool rog_has_permanent_dependents(RangeVar *rv);
extern bool rog_relation_is_temp_alone(RangeVar *rv);
extern bool rog_named_object_is_temp(ObjectType type, Node *object);
extern bool rog_named_object_is_temp_alone(ObjectType type, Node *object);

/* judge.c */
extern void rog_note_temp_relation_dropped(Oid relid);
extern const char *rog_protected_change(bool allow_relations);

/* ---- the per-statement check ---- */

/* Nothing to do for this statement?  One atomic read, one comparison. */
static inline bool
rog_quiet(void)
{
	return rog_state_word() == rog_quiet_word;
}

static inline void
rog_unquiet(void)
{
	rog_quiet_word = ROG_WORD_IMPOSSIBLE;
}

static inline void
rog_unsettle(void)
{
	rog_settled_word = ROG_WORD_IMPOSSIBLE;
}

/*
 * Is read-only mode in force for this backend?  The slow path of every
 * hook: one atomic read and a comparison with rog_seen_word, more only when
 * the state changed or a watched bit is set.
 */
static inline bool
rog_read_only(void)
{
	uint32		word = rog_state_word();

	if (unlikely(word != rog_seen_word))
		rog_notice_change(word);
	if (unlikely(word & ROG_WORD_WATCH))
		word = rog_notice_watched_word(word);
	return (word & ROG_WORD_ENABLED) != 0 || rog_session_read_only;
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
	if (unlikely(rog_xact_bits != 0) && rog_xact_lxid != ROG_MY_LXID)
		rog_xact_bits = 0;
	return rog_xact_bits;
}

/* Set flags for the current transaction. */
static inline void
rog_xact_set(uint32 flags)
{
	if ((flags & ROG_XACT_AT_END) != 0 && unlikely(!rog_xact_callbacks_registered))
		rog_xact_callbacks_register();
	if (rog_xact_lxid != ROG_MY_LXID)
	{
		rog_xact_bits = 0;
		rog_xact_lxid = ROG_MY_LXID;
	}
	rog_xact_bits |= flags;
	rog_unquiet();
}

/*
 * Called by the hooks' out-of-line parts when the mode is off: remember the
 * word as quiet if nothing else asks for attention, so later statements
 * are bare jumps.  A client backend then drops the transaction callbacks
 * (xact.c).
 */
static inline void
rog_try_quiet_word(void)
{
	uint32		word = rog_state_word();

	if (word == rog_seen_word &&
		(word & (ROG_WORD_ENABLED | ROG_WORD_WATCH)) == 0 &&
		!rog_session_read_only && rog_xact_flags() == 0)
	{
		rog_quiet_word = word;
		if (unlikely(rog_xact_callbacks_registered) &&
			(MyBackendType == B_BACKEND || !IsUnderPostmaster))
			rog_xact_callbacks_unregister();
	}
}

/* Note that read-only mode is in force, the first time in a transaction. */
static inline void
rog_observe(void)
{
	if ((rog_xact_flags() & ROG_XACT_OBSERVED) == 0)
		rog_xact_set(TransactionIdIsValid(GetTopTransactionIdIfAny()) ?
					 ROG_XACT_OBSERVED | ROG_XACT_XID_PREDATES :
					 ROG_XACT_OBSERVED);
}

/* ---- the transaction's read-only flag ---- */

/*
 * Mark the transaction read-only, so that core's own checks (nextval() and
 * setval() on permanent sequences, and ExecCheckXactReadOnly) back ours up.
 * Returns the flag to record: ROG_XACT_RO_FORCED if we set it, else 0.
 */
static inline uint32
rog_xact_read_only_flag(void)
{
	if (XactReadOnly)
		return 0;
	XactReadOnly = true;
	return ROG_XACT_RO_FORCED;
}

/* rog_xact_read_only_flag(), recording it */
static inline void
rog_xact_read_only_on(void)
{
	uint32		flags = rog_xact_read_only_flag();

	if (flags != 0)
		rog_xact_set(flags);
}

/* A chained transaction may have inherited our mark: see xact.c. */
static inline void
rog_check_chain(void)
{
	if (unlikely(rog_chain_pending))
		rog_xact_read_only_unchain();
}

/* ---- settled transactions ---- */

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
	return (rog_xact_flags() & ROG_XACT_SETTLED) != 0 && XactReadOnly;
}

/*
 * The hooks' test for a settled transaction: the state word it settled
 * under.  Nothing can lower XactReadOnly while rog_settled_word holds (see
 * above); an assertion checks it.
 */
static inline bool
rog_settled_under(uint32 word)
{
	Assert(word != rog_settled_word || XactReadOnly);
	return word == rog_settled_word;
}

/*
 * Settle the transaction, marked read-only by now, and let the hooks know
 * it by the word this backend last took in: unless that word needs a look
 * at every statement (expiry, recovery).  Should the shared word have moved
 * on already, it never matches.
 */
static inline void
rog_settle_xact(uint32 flags)
{
	rog_xact_set(flags | ROG_XACT_SETTLED);
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
	if ((rog_xact_flags() & ROG_XACT_EXEMPT_KNOWN) == 0)
		rog_xact_set(rog_session_exempt() ?
					 ROG_XACT_EXEMPT_KNOWN | ROG_XACT_EXEMPT :
					 ROG_XACT_EXEMPT_KNOWN);
	return (rog_xact_bits & ROG_XACT_EXEMPT) != 0;
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
	rog_settle_xact(ROG_XACT_OBSERVED | rog_xact_read_only_flag());
	return true;
}

/* ---- classification on the hot path ---- */

/* Could this plan write?  Cheap: no catalog access. */
static inline bool
rog_plan_may_write(PlannedStmt *stmt)
{
	return stmt->commandType != CMD_SELECT || stmt->hasModifyingCTE ||
		stmt->rowMarks != NIL;
}

/*
 * Does a call of funcid in a settled transaction need a check?  Only for
 * the marked built-in writers (writers.c) and for functions that are not
 * built in (rog_is_extension_writer()).  One bit test for the others.
 */
static inline bool
rog_function_needs_check(Oid funcid)
{
	if (funcid >= FirstGenbkiObjectId)
		return funcid >= FirstNormalObjectId;
	return (rog_function_bits[funcid / 8] & (1 << (funcid % 8))) != 0;
}

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_GUARD_INT_H */
