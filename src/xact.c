/*-------------------------------------------------------------------------
 *
 * xact.c
 *	  The guard's view of the mode and of the current transaction: the
 *	  copies of the state word, the transaction's flags and read-only mark,
 *	  the transaction callbacks and the commit judge.
 *
 * The per-statement check and its caches are explained once, in
 * guard_int.h; the invariant the promise rests on in rog_judge_commit().
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "miscadmin.h"
#include "postmaster/autovacuum.h"
#include "storage/proc.h"
#include "utils/plancache.h"
#include "utils/timestamp.h"

#include "drain.h"
#include "guard_int.h"
#include "notify.h"

/* the copies of the state word: see guard_int.h */
uint32		rog_seen_word = 0;
uint32		rog_quiet_word = ROG_WORD_IMPOSSIBLE;
uint32		rog_settled_word = ROG_WORD_IMPOSSIBLE;

/* the transaction's flags (guard_int.h) */
uint32		rog_xact_bits = 0;
LocalTransactionId rog_xact_lxid = InvalidLocalTransactionId;
static uint32 rog_xact_permit_word = 0; /* state word ROG_XACT_PERMITTED is
										 * for... */
static TimestampTz rog_xact_permit_stmt = 0;	/* ...and statement start */

/*
 * The statement start of the statement in which this backend found the
 * mode in force after it was off, 0 while it is off: a portal created
 * before it set up its plan without the checks (rog_check_portal()).
 */
TimestampTz rog_mode_seen_at = 0;

/*
 * The utility statement the guard let through under the mode, while it
 * runs (ROG_UTILITY_READ when none): the object access hook lets it create,
 * alter and drop what such a statement may (rog_check_object_change()).
 */
RogUtilityKind rog_running_kind = ROG_UTILITY_READ;

/*
 * A transaction that ended with XactReadOnly forced by the guard, and ran
 * COMMIT/ROLLBACK AND CHAIN or CALL: the next one may be its chain, which
 * inherits XactReadOnly, although the guard's mark is no user's transaction
 * characteristic.  The next hook undoes it (rog_xact_read_only_unchain()).
 */
bool		rog_chain_pending = false;

static void rog_transaction_sees_change(bool is_on);
static void rog_xact_announce_expiry(void);
static void rog_xact_callback(XactEvent event, void *arg);
static void rog_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								 SubTransactionId parentSubid, void *arg);

/* ---- the transaction callbacks ---- */

/*
 * The transaction callbacks judge commits under the mode (rog_judge_commit()).
 * Every process has them from its start: they are registered in the
 * postmaster.  A client backend (or a single-user one) passes a hook before
 * anything it does, and the drain ends its work from before the mode: it
 * drops them at its first statement with the mode off (rog_try_quiet_word())
 * and takes them again when it meets the mode or sets a flag it must act on
 * at the end of a transaction, so that the common transaction does not pay
 * for them.  Background processes (logical replication apply workers,
 * pg_cron) keep them: they may write without passing any hook.
 */
bool		rog_xact_callbacks_registered = false;

void
rog_xact_callbacks_register(void)
{
	RegisterXactCallback(rog_xact_callback, NULL);
	RegisterSubXactCallback(rog_subxact_callback, NULL);
	rog_xact_callbacks_registered = true;
}

void
rog_xact_callbacks_unregister(void)
{
	UnregisterXactCallback(rog_xact_callback, NULL);
	UnregisterSubXactCallback(rog_subxact_callback, NULL);
	rog_xact_callbacks_registered = false;
}

/* ---- the backend's view of the mode ---- */

/*
 * Called when a backend sees a word different from the one it saw last: the
 * state changed somewhere.
 */
void
rog_notice_change(uint32 word)
{
	/* outside a transaction the catalog cannot be read: look again later */
	if (!rog_refresh_session())
		return;
	rog_seen_word = word;
	rog_transaction_sees_change((word & ROG_WORD_ENABLED) || rog_session_read_only);
}

/*
 * The slow part of rog_read_only(), for words with ROG_WORD_EXPIRES,
 * ROG_WORD_RECOVERY or ROG_WORD_ANNOUNCE.  Returns the word as it is now,
 * already noticed.
 */
uint32
rog_notice_watched_word(uint32 word)
{
	if (word & ROG_WORD_RECOVERY)
		rog_state_notice_promotion();
	if (word & ROG_WORD_EXPIRES)
		rog_state_expire_if_due();
	if (rog_state_word() & ROG_WORD_ANNOUNCE)
		rog_xact_announce_expiry();

	word = rog_state_word();
	if (word != rog_seen_word)
		rog_notice_change(word);
	return word;
}

/* rog_read_only(), for the SQL functions. */
bool
rog_mode_in_force(void)
{
	return rog_read_only();
}

/*
 * Every hook must look at the state again, and the session's value of
 * readonly_guard.enabled be recomputed (guard_int.h).
 */
void
rog_recheck_words(void)
{
	rog_seen_word = ROG_WORD_IMPOSSIBLE;
	rog_unquiet();
	rog_unsettle();
}

/*
 * readonly_guard.enabled was assigned in this process.  Look again at the
 * next check; and, in a transaction, again when the transaction, a
 * subtransaction or a function with a SET clause ends: core may then
 * restore the setting's source (session, database, role) without calling
 * the assign hook, because the value stays the same, and the source
 * decides whether the database's or role's setting applies.
 */
void
rog_setting_assigned(void)
{
	rog_recheck_words();
	/* not preloaded: no hook, no callback, no state to look at */
	if (rog_state_attached() && MyProc != NULL && IsTransactionState())
		rog_xact_set(ROG_XACT_SET_ENABLED);
}

/* ---- the transaction's read-only mark ---- */

/*
 * Undo rog_xact_read_only_on() once read-only mode no longer applies.
 * ROG_XACT_RO_FORCED stays set until the transaction ends: ending a
 * subtransaction restores XactReadOnly to its value at the subtransaction's
 * start, which may be ours.
 */
void
rog_xact_read_only_off(void)
{
	if (rog_xact_flags() & ROG_XACT_RO_FORCED)
		XactReadOnly = false;
	rog_unsettle();
}

/*
 * Undo XactReadOnly that a chained transaction inherited from one the guard
 * had marked (rog_chain_pending).  A transaction that is not a chain starts
 * with default_transaction_read_only, so it is not touched.
 */
void
rog_xact_read_only_unchain(void)
{
	rog_chain_pending = false;
	if (XactReadOnly && !DefaultXactReadOnly &&
		(rog_xact_flags() & ROG_XACT_RO_FORCED) == 0 &&
		IsTransactionState() && !IsSubTransaction())
	{
		XactReadOnly = false;
		rog_unsettle();
	}
}

/*
 * rog_enable() just turned the mode on: mark the caller's own transaction
 * read-only at once, since the rest of it (a DO block's cached expressions,
 * for one) may run without passing a hook again.
 */
void
rog_xact_read_only_after_enable(void)
{
	rog_observe();
	rog_xact_read_only_on();
}

/* ---- what the transaction did ---- */

static void
rog_forget_transaction_observation(void)
{
	rog_xact_bits &= ~(ROG_XACT_OBSERVED | ROG_XACT_XID_PREDATES);
}

/*
 * The backend took in a change of the state during a transaction.  Cursors
 * the transaction opened before it set up their plans under the old state,
 * unseen by the function hook: its statements run with the error context
 * from now on (ROG_XACT_CORE_MAY_REFUSE), and portals created before the mode
 * came have their plans checked (rog_mode_seen_at).  If the mode went off,
 * forget that the transaction observed it.
 */
static void
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
		if (unlikely(!rog_xact_callbacks_registered))
			rog_xact_callbacks_register();
		rog_mode_seen_at = GetCurrentStatementStartTimestamp();

		/*
		 * PL/pgSQL keeps a simple expression's executable form for the rest
		 * of the transaction once built, and the function hook sees its
		 * functions only then: make every cached plan and expression be
		 * built again, under the mode's checks.
		 */
		ResetPlanCache();
	}
	rog_xact_set(ROG_XACT_CORE_MAY_REFUSE);
}

/*
 * Timed read-only mode expired (ROG_WORD_ANNOUNCE): the notification goes
 * out with the commit of this transaction (rog_announce_at_commit()), not
 * now, so that a transaction that ends in PREPARE TRANSACTION is not
 * burdened with a NOTIFY.  Every session does so until a transaction that
 * announced it commits, so a rollback loses nothing.
 */
static void
rog_xact_announce_expiry(void)
{
	if ((rog_xact_flags() & (ROG_XACT_ANNOUNCE_DUE | ROG_XACT_ANNOUNCING)) == 0)
		rog_xact_set(ROG_XACT_ANNOUNCE_DUE);
}

/* At the commit of a transaction that saw an unannounced expiry: notify. */
static void
rog_announce_at_commit(void)
{
	if ((rog_xact_flags() & (ROG_XACT_ANNOUNCE_DUE | ROG_XACT_ANNOUNCING)) == ROG_XACT_ANNOUNCE_DUE &&
		(rog_state_word() & ROG_WORD_ANNOUNCE) != 0 &&
		rog_notify_state_change())
		rog_xact_set(ROG_XACT_ANNOUNCING);
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
		rog_state_word() != word ||
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
void
rog_note_mode_off(void)
{
	if (rog_xact_flags() != 0)
	{
		rog_xact_read_only_off();
		rog_forget_transaction_observation();
		rog_xact_bits &= ~ROG_XACT_SETTLED;
	}
	rog_unsettle();
	rog_try_quiet_word();
	rog_settle_in_recovery();
}

/* Log an exempt session's first write of the transaction. */
static void
rog_log_exempt_write(const char *what)
{
	if (what == NULL || (rog_xact_bits & ROG_XACT_EXEMPT_LOGGED) != 0)
		return;
	rog_xact_set(ROG_XACT_EXEMPT_LOGGED);
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
/*
 * Since when the transaction's work counts for the drain: its start if it
 * held its XID when it first met the mode, else its current statement's.
 */
static inline TimestampTz
rog_drain_since(void)
{
	return (rog_xact_flags() & ROG_XACT_XID_PREDATES) ?
		GetCurrentTransactionStartTimestamp() : GetCurrentStatementStartTimestamp();
}

bool
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
	if ((rog_xact_bits & ROG_XACT_PERMIT_KNOWN) == 0 || rog_xact_permit_word != rog_seen_word ||
		rog_xact_permit_stmt != stmt)
	{
		bool		permitted = rog_drain_permits(GetTopTransactionIdIfAny(),
													  rog_drain_since());

		rog_xact_bits &= ~ROG_XACT_PERMITTED;
		rog_xact_set(permitted ? ROG_XACT_PERMIT_KNOWN | ROG_XACT_PERMITTED : ROG_XACT_PERMIT_KNOWN);
		rog_xact_permit_word = rog_seen_word;
		rog_xact_permit_stmt = stmt;
	}
	return (rog_xact_bits & ROG_XACT_PERMITTED) != 0;
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
/*
 * Does the drain permit this transaction's commit?  Asked afresh, not from
 * the statement's cached answer, once the transaction ID is published, so
 * that a drain that ends after this looked waits for the commit to land
 * (it may take seconds after this callback: ON COMMIT actions).
 */
static bool
rog_commit_drained(void)
{
	TransactionId xid = GetTopTransactionIdIfAny();

	if ((rog_state_word() & ROG_WORD_DRAINING) == 0)
		return false;
	rog_xact_set(ROG_XACT_DRAINED_COMMIT);
	rog_drain_note_commit(xid);
	if (rog_drain_permits(xid, rog_drain_since()))
		return true;
	rog_drain_note_commit(InvalidTransactionId);
	return false;
}

static void
rog_judge_commit(bool prepare)
{
	uint32		flags = rog_xact_flags();
	const char *change;

	if (ROG_IS_AUTOVACUUM_WORKER() || rog_transaction_exempt())
		return;
	rog_observe();				/* a transaction no hook saw under the mode */
	if (!prepare && rog_commit_drained())
		return;
	change = rog_protected_change((flags & ROG_XACT_MAINTENANCE) != 0 ||
								  rog_running_kind == ROG_UTILITY_MAINTENANCE);
	if (change == NULL)
		return;
	rog_refuse(ROG_STAT_COMMIT, prepare ? "PREPARE TRANSACTION" : "COMMIT",
			   psprintf("%s %s",
						(flags & ROG_XACT_XID_PREDATES) ?
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
	if (rog_xact_bits & ROG_XACT_DRAINED_COMMIT)
		rog_drain_note_commit(InvalidTransactionId);
	if (rog_xact_bits & ROG_XACT_SET_ENABLED)
		rog_recheck_words();	/* rog_setting_assigned() */
	if ((rog_xact_bits & (ROG_XACT_RO_FORCED | ROG_XACT_MAY_CHAIN)) ==
		(ROG_XACT_RO_FORCED | ROG_XACT_MAY_CHAIN))
	{
		rog_chain_pending = true;
		rog_unquiet();
	}
	rog_xact_bits = 0;
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
			if (rog_xact_bits & ROG_XACT_CHANGED_SETTINGS)
				rog_settings_changed();
			if (rog_xact_bits & ROG_XACT_ANNOUNCING)
				rog_state_clear_announce();
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
 * without ROG_XACT_AT_END flags has nothing else to do at its end.  Flags are
 * reset at the end of every transaction that has any.
 */
static void
rog_xact_callback(XactEvent event, void *arg)
{
	rog_unsettle();
	if (unlikely(rog_xact_has_xid() || (rog_xact_bits & ROG_XACT_AT_END) != 0))
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
	if (event != SUBXACT_EVENT_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB)
		return;
	rog_unsettle();
	if (rog_xact_flags() & ROG_XACT_SET_ENABLED)
		rog_recheck_words();	/* rog_setting_assigned() */
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
