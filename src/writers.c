/*-------------------------------------------------------------------------
 *
 * writers.c
 *	  Which functions write although a SELECT calls them: without the
 *	  executor, and without a read-only check of their own.
 *
 * The function hook (guard.c) refuses them under the mode.  Built-in
 * writers are listed by OID (those of later versions in compat.h) and
 * marked in a bitmap, so that the hook tests any built-in function with one
 * bit test; functions that are not built in are looked up (C functions of
 * contrib modules by their link symbol, LANGUAGE internal aliases by the
 * built-in they call).  A new writer function goes into one of the lists
 * below.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "guard_int.h"

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

bool
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
bool
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
uint8		rog_function_bits[FirstGenbkiObjectId / 8];

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

/* Mark the built-in writers in rog_function_bits, once, in the postmaster. */
void
rog_mark_writer_functions(void)
{
	rog_mark_functions(rog_large_object_writers,
					   lengthof(rog_large_object_writers));
	rog_mark_functions(rog_sequence_writers, lengthof(rog_sequence_writers));
	rog_mark_functions(rog_other_writers, lengthof(rog_other_writers));
}

/* Is funcid a built-in writer function? */
bool
rog_is_writer_function(Oid funcid)
{
	if (!rog_function_needs_check(funcid) || funcid >= FirstGenbkiObjectId)
		return false;
	return rog_is_large_object_writer(funcid) || rog_is_sequence_writer(funcid) ||
		rog_oid_in(funcid, rog_other_writers, lengthof(rog_other_writers));
}

/*
 * Does a plan call a function that writes without the executor?  Its text
 * form lists every node, subplans included; these are the fields that name
 * a function to call.
 */
Oid
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
