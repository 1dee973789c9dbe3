/*-------------------------------------------------------------------------
 *
 * objects.c
 *	  Is a catalog object temporary, and does a permanent one depend on it?
 *
 * DDL on temporary objects is allowed under read-only mode; these answer,
 * for any object address, whether it is such an object: in a temporary
 * schema, or belonging (by an automatic or internal dependency) to an
 * object that is.  Catalogs are read with SnapshotSelf where an object the
 * current command just created must be found.  The same questions for the
 * objects a statement names (a RangeVar, a qualified name) follow, for
 * classify.c.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "guard_int.h"

/* how far rog_object_is_temp() follows an object's owners */
#define ROG_OWNER_DEPTH		3

/* a test of one pg_depend row, for rog_depend_any() */
typedef bool (*RogDependTest) (Form_pg_depend dep, Oid classId, Oid objectId,
							   int depth);

/*
 * The schema of an object, InvalidOid if its class has none.  Read with
 * SnapshotSelf, so that an object the current command just created is
 * found too.
 */
Oid
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
 * Does test pass for any pg_depend row of the object: a row where it is the
 * dependent object (dependents false), or one where it is referenced
 * (dependents true)?
 */
static bool
rog_depend_any(Oid classId, Oid objectId, bool dependents, Snapshot snapshot,
			   RogDependTest test, int depth)
{
	Relation	depRel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], dependents ? Anum_pg_depend_refclassid : Anum_pg_depend_classid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(classId));
	ScanKeyInit(&key[1], dependents ? Anum_pg_depend_refobjid : Anum_pg_depend_objid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(depRel,
							  dependents ? DependReferenceIndexId : DependDependerIndexId,
							  true, snapshot, 2, key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
		found = test((Form_pg_depend) GETSTRUCT(tup), classId, objectId, depth);
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return found;
}

static bool rog_object_is_temp_depth(Oid classId, Oid objectId, int depth);

/* Is the object this row says the dependent belongs to temporary? */
static bool
rog_owned_by_temp(Form_pg_depend dep, Oid classId, Oid objectId, int depth)
{
	return (dep->deptype == DEPENDENCY_AUTO || dep->deptype == DEPENDENCY_INTERNAL) &&
		rog_object_is_temp_depth(dep->refclassid, dep->refobjid, depth - 1);
}

/*
 * Is the object temporary: in a temporary schema (this session's, or one
 * left by an earlier session that PostgreSQL is clearing), or, for an
 * object without a schema of its own (trigger, policy, rule, column
 * default, cast of a range type...), belonging to one that is?  depth
 * bounds the chain of owners followed.
 */
static bool
rog_object_is_temp_depth(Oid classId, Oid objectId, int depth)
{
	Oid			namespace;

	if (classId == NamespaceRelationId)
		return isAnyTempNamespace(objectId);

	/*
	 * A column default by its table: ALTER TABLE ... DROP EXPRESSION deletes
	 * its dependency records before the default itself.
	 */
	if (classId == AttrDefaultRelationId)
	{
		ObjectAddress column = GetAttrDefaultColumnAddress(objectId);

		if (OidIsValid(column.objectId))
			return rog_object_is_temp_depth(column.classId, column.objectId, depth);
	}
	namespace = rog_object_namespace(classId, objectId);
	if (OidIsValid(namespace))
		return isAnyTempNamespace(namespace);
	return depth > 0 &&
		rog_depend_any(classId, objectId, false, SnapshotSelf, rog_owned_by_temp, depth);
}

bool
rog_object_is_temp(Oid classId, Oid objectId)
{
	return rog_object_is_temp_depth(classId, objectId, ROG_OWNER_DEPTH);
}

/*
 * How many objects rog_object_has_permanent_dependents() visits before it
 * gives up and answers yes.
 */
#define ROG_AFFECTED_LIMIT	1024

/*
 * The walk of rog_object_has_permanent_dependents(): the objects found so
 * far, and whether one is not temporary (or there were too many to tell).
 */
typedef struct RogAffected
{
	ObjectAddress found[ROG_AFFECTED_LIMIT];
	int			count;
	bool		permanent;
} RogAffected;

static void
rog_affected_add(RogAffected *walk, Oid classId, Oid objectId)
{
	int			i;

	for (i = 0; i < walk->count; i++)
		if (walk->found[i].classId == classId && walk->found[i].objectId == objectId)
			return;
	if (walk->count == ROG_AFFECTED_LIMIT || !rog_object_is_temp(classId, objectId))
	{
		walk->permanent = true;
		return;
	}
	ObjectAddressSet(walk->found[walk->count], classId, objectId);
	walk->count++;
}

/*
 * Add what changing the object changes: the objects
 * that depend on it, and the ones it belongs to (automatic or internal
 * dependency: a domain's constraint, a table's index or trigger).
 */
static void
rog_affected_step(RogAffected *walk, const ObjectAddress *object)
{
	Relation	depRel = table_open(DependRelationId, AccessShareLock);
	int			pass;

	for (pass = 0; pass < 2 && !walk->permanent; pass++)
	{
		bool		dependents = (pass == 0);
		ScanKeyData key[2];
		SysScanDesc scan;
		HeapTuple	tup;

		ScanKeyInit(&key[0], dependents ? Anum_pg_depend_refclassid : Anum_pg_depend_classid,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(object->classId));
		ScanKeyInit(&key[1], dependents ? Anum_pg_depend_refobjid : Anum_pg_depend_objid,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(object->objectId));
		scan = systable_beginscan(depRel,
								  dependents ? DependReferenceIndexId : DependDependerIndexId,
								  true, NULL, 2, key);
		while (!walk->permanent && HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

			if (dependents)
				rog_affected_add(walk, dep->classid, dep->objid);
			else if (dep->deptype == DEPENDENCY_AUTO || dep->deptype == DEPENDENCY_INTERNAL)
				rog_affected_add(walk, dep->refclassid, dep->refobjid);
		}
		systable_endscan(scan);
	}
	table_close(depRel, AccessShareLock);
}

/*
 * Does changing this temporary object change one that is not temporary?
 * Changes travel from an object to those that depend on it and to the ones
 * it belongs to, through any number of temporary objects: a permanent
 * table's column of a temporary type, of its array type, of a domain over
 * it, of a temporary table's row type or of its inheritance child's; a
 * default calling a temporary function; a domain whose check calls one.
 */
bool
rog_object_has_permanent_dependents(Oid classId, Oid objectId)
{
	RogAffected *walk = palloc(sizeof(RogAffected));
	bool		permanent;
	int			next;

	ObjectAddressSet(walk->found[0], classId, objectId);
	walk->count = 1;
	walk->permanent = false;
	for (next = 0; next < walk->count && !walk->permanent; next++)
		rog_affected_step(walk, &walk->found[next]);
	permanent = walk->permanent;
	pfree(walk);
	return permanent;
}

/* ---- objects a statement names ---- */

/* Would a relation named rv be created as a temporary one? */
bool
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
bool
rog_relation_is_temp(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	return !OidIsValid(relid) ||
		get_rel_persistence(relid) == RELPERSISTENCE_TEMP;
}

bool
rog_relations_are_temp(List *rangevars)
{
	ListCell   *lc;

	foreach(lc, rangevars)
		if (!rog_relation_is_temp(lfirst_node(RangeVar, lc)))
			return false;
	return true;
}

/*
 * The object a statement names (of the type given); InvalidOid as its
 * objectId if it does not exist.
 */
static ObjectAddress
rog_named_object(ObjectType type, Node *object)
{
	Relation	relation = NULL;
	ObjectAddress address;

	/* RENAME and OWNER TO name a type by a list of names, not a TypeName */
	if ((type == OBJECT_TYPE || type == OBJECT_DOMAIN) && IsA(object, List))
		object = (Node *) makeTypeNameFromNameList((List *) object);
	address = get_object_address(type, object, &relation, AccessExclusiveLock, true);
	if (relation != NULL)
		table_close(relation, NoLock);
	return address;
}

/*
 * Is the object a statement names temporary?  One that does not exist
 * counts as such, as for relations: the statement will fail or do nothing.
 */
bool
rog_named_object_is_temp(ObjectType type, Node *object)
{
	ObjectAddress address = rog_named_object(type, object);

	return !OidIsValid(address.objectId) ||
		rog_object_is_temp(address.classId, address.objectId);
}

/*
 * The same, with nothing permanent depending on it: for COMMENT, which no
 * object access hook sees.
 */
bool
rog_named_object_is_temp_alone(ObjectType type, Node *object)
{
	ObjectAddress address = rog_named_object(type, object);

	return !OidIsValid(address.objectId) ||
		(rog_object_is_temp(address.classId, address.objectId) &&
		 !rog_object_has_permanent_dependents(address.classId, address.objectId));
}

/* Are all these existing relations temporary tables or sequences? */
bool
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
bool
rog_has_permanent_dependents(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	return OidIsValid(relid) &&
		rog_object_has_permanent_dependents(RelationRelationId, relid);
}

/*
 * Is the existing relation rv temporary, with nothing permanent depending
 * on it?  DDL on it and its members changes nothing else.
 */
bool
rog_relation_is_temp_alone(RangeVar *rv)
{
	return rog_relation_is_temp(rv) && !rog_has_permanent_dependents(rv);
}

/*
 * Does a qualified name (schema.name) put an object in the temporary
 * schema?  An unqualified one goes to the first schema of search_path,
 * which is not assumed to be temporary.
 */
bool
rog_names_temp_schema(List *names)
{
	const char *schema;

	if (list_length(names) < 2)
		return false;
	schema = strVal(list_nth(names, list_length(names) - 2));
	return strcmp(schema, "pg_temp") == 0 ||
		isTempNamespace(get_namespace_oid(schema, true));
}
