/*-------------------------------------------------------------------------
 *
 * judge.c
 *	  The commit judge: did this transaction change anything that read-only
 *	  mode protects?
 *
 * The statement hooks (guard.c) refuse writes early, with a precise error.
 * But some writes pass no hook: C code that calls writers directly (the
 * triggers of contrib modules), plans set up before the mode came, work a
 * background worker does without the executor.  So the guarantee does not
 * rest on the hooks: every transaction that holds a transaction ID and
 * commits or prepares while the mode is in force is judged then, whatever
 * the hooks saw (xact.c, rog_judge_commit()).  This file answers the one
 * question the judge asks, from what the transaction holds rather than from
 * flags that some earlier call could have set:
 *
 *	- a lock of ROW EXCLUSIVE or stronger on a relation that is neither
 *	  temporary nor one of the system catalogs that describe temporary
 *	  objects: every change of rows through the executor, of a materialized
 *	  view or of a large object takes one and keeps it to the end of the
 *	  transaction (core's DDL code often releases its catalog locks at once:
 *	  catalog rows are the statement and object-access checks' to guard)
 *	  (sequences change outside transactions: the commit cannot undo that,
 *	  so they are left to core's read-only check, which the guard arms);
 *	- storage of a permanent relation created or scheduled for deletion in
 *	  this transaction (CREATE, TRUNCATE, DROP, rewrites);
 *	- a replication origin whose progress the commit would record.
 *
 * Each is a change of the database that the commit would make durable.  The
 * catalogs of temporary objects are allowed because creating, altering and
 * dropping temporary objects must keep working (pgTAP does it); that such a
 * catalog write really concerns a temporary object is the job of the hooks,
 * which let DDL through only for temporary objects and check every object a
 * DROP ... CASCADE removes.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/catalog.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_description.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_init_privs.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_range.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_sequence.h"
#include "catalog/pg_shdepend.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_statistic_ext.h"
#include "catalog/pg_statistic_ext_data.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "catalog/storage.h"
#include "miscadmin.h"
#include "replication/origin.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "guard_int.h"

/*
 * The catalogs in which temporary objects are described, and so written by
 * DDL on them: temporary tables, their columns, types, indexes, constraints,
 * defaults, sequences, triggers, rules, policies, statistics, comments,
 * functions and types in pg_temp, the temporary schema itself, and
 * pg_db_role_setting for ALTER DATABASE/ROLE ... SET readonly_guard.*.
 * Large objects (pg_largeobject, pg_largeobject_metadata) are not here:
 * they are never temporary.
 */
static const Oid rog_temp_object_catalogs[] = {
	RelationRelationId, AttributeRelationId, TypeRelationId,
	DependRelationId, SharedDependRelationId, ConstraintRelationId,
	IndexRelationId, AttrDefaultRelationId, StatisticRelationId,
	StatisticExtRelationId, StatisticExtDataRelationId, TriggerRelationId,
	RewriteRelationId, PolicyRelationId, DescriptionRelationId,
	ProcedureRelationId, SequenceRelationId, InheritsRelationId,
	NamespaceRelationId, DbRoleSettingRelationId, EnumRelationId,
	RangeRelationId, InitPrivsRelationId
};

/* temporary relations this transaction dropped: their OIDs no longer resolve */
static List *rog_dropped_temp_relations = NIL;
static LocalTransactionId rog_dropped_temp_lxid = InvalidLocalTransactionId;

/*
 * The object access hook saw a temporary relation being dropped: remember
 * it, so that the locks the transaction still holds on it are recognised.
 */
void
rog_note_temp_relation_dropped(Oid relid)
{
	MemoryContext old;

	if (rog_dropped_temp_lxid != ROG_MY_LXID)
	{
		rog_dropped_temp_relations = NIL;	/* freed with its transaction */
		rog_dropped_temp_lxid = ROG_MY_LXID;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	rog_dropped_temp_relations = lappend_oid(rog_dropped_temp_relations, relid);
	MemoryContextSwitchTo(old);
}

static bool
rog_dropped_temp_relation(Oid relid)
{
	return rog_dropped_temp_lxid == ROG_MY_LXID &&
		list_member_oid(rog_dropped_temp_relations, relid);
}

static bool
rog_is_temp_object_catalog(Oid relid)
{
	int			i;

	for (i = 0; i < lengthof(rog_temp_object_catalogs); i++)
		if (rog_temp_object_catalogs[i] == relid)
			return true;
	return false;
}

/*
 * The catalog a system relation belongs to: itself, the table of an index,
 * the owner of a TOAST table (named pg_toast_<owner OID>).
 */
static Oid
rog_catalog_of(Oid relid)
{
	Oid			heap = IndexGetRelation(relid, true);
	char	   *name;
	Oid			owner;

	if (OidIsValid(heap))
		relid = heap;
	if (get_rel_namespace(relid) != PG_TOAST_NAMESPACE)
		return relid;
	name = get_rel_name(relid);
	if (name && sscanf(name, "pg_toast_%u", &owner) == 1)
		return owner;
	return relid;
}

/*
 * May a write lock on relid stay unjudged: a temporary relation, or a
 * catalog of temporary objects (or one of its indexes)?
 */
static bool
rog_relation_lock_is_harmless(Oid relid)
{
	HeapTuple	tup;
	Form_pg_class form;
	bool		harmless;

	if (IsCatalogRelationOid(relid))
		return rog_is_temp_object_catalog(rog_catalog_of(relid));

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return rog_dropped_temp_relation(relid);
	form = (Form_pg_class) GETSTRUCT(tup);
	/*
	 * A sequence changes outside the transaction, so the commit cannot undo
	 * it: core refuses nextval() and setval() in the read-only transaction
	 * the guard marks.  The lock a refused call took stays with the
	 * transaction and says nothing.
	 */
	harmless = form->relpersistence == RELPERSISTENCE_TEMP ||
		form->relkind == RELKIND_SEQUENCE;
	ReleaseSysCache(tup);
	return harmless;
}

/* The write lock modes: ROW EXCLUSIVE and every stronger one. */
#define ROG_WRITE_LOCK_MASK \
	(LOCKBIT_ON(RowExclusiveLock) | LOCKBIT_ON(ShareUpdateExclusiveLock) | \
	 LOCKBIT_ON(ShareLock) | LOCKBIT_ON(ShareRowExclusiveLock) | \
	 LOCKBIT_ON(ExclusiveLock) | LOCKBIT_ON(AccessExclusiveLock))

/*
 * A relation on which this backend holds a write lock (of the modes in
 * mask) although it is not harmless (see above); InvalidOid if none.
 */
static Oid
rog_protected_relation_locked(LOCKMASK mask)
{
	LockData   *locks = GetLockStatusData();
	int			i;

	for (i = 0; i < locks->nelements; i++)
	{
		LockInstanceData *lock = &locks->locks[i];

		if (lock->pid != MyProcPid ||
			lock->locktag.locktag_type != LOCKTAG_RELATION ||
			lock->locktag.locktag_lockmethodid != DEFAULT_LOCKMETHOD ||
			(lock->holdMask & mask) == 0)
			continue;
		if (!rog_relation_lock_is_harmless(lock->locktag.locktag_field2))
			return lock->locktag.locktag_field2;
	}
	return InvalidOid;
}

/*
 * Does the transaction create or delete the storage of a permanent relation?
 * smgrGetPendingDeletes() lists only permanent relations' files: those the
 * commit deletes (DROP, and the old files of TRUNCATE and rewrites) and
 * those an abort would delete (created in this transaction).
 */
static bool
rog_permanent_storage_changed(void)
{
	RogRelFile *nodes;

	if (smgrGetPendingDeletes(true, &nodes) > 0)
		return true;
	return smgrGetPendingDeletes(false, &nodes) > 0;
}

/*
 * What the current transaction changed that read-only mode protects, as a
 * sentence for the error detail; NULL if nothing.  maintenance: the
 * transaction ran VACUUM, ANALYZE, CLUSTER or REINDEX, which
 * readonly_guard.allow_maintenance permits: they rewrite and analyze
 * permanent relations by design, under locks other than ROW EXCLUSIVE, the
 * lock every change of rows (data, large objects) takes, which still counts.
 */
const char *
rog_protected_change(bool maintenance)
{
	Oid			relid;

	if (ROG_SESSION_ORIGIN_SET())
		return "Its commit would record the progress of a replication origin.";
	relid = rog_protected_relation_locked(maintenance ? LOCKBIT_ON(RowExclusiveLock) :
										  ROG_WRITE_LOCK_MASK);
	if (OidIsValid(relid))
	{
		char	   *name = get_rel_name(relid);

		if (name)
			return psprintf("It changed relation \"%s\", or holds a lock that only a change takes.",
							name);
		return psprintf("It changed the relation with OID %u, or holds a lock that only a change takes.",
						relid);
	}
	if (!maintenance && rog_permanent_storage_changed())
		return "It created, truncated, rewrote or dropped a relation that is not temporary.";
	return NULL;
}
