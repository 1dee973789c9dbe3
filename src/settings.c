/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  Read-only mode from readonly_guard.enabled, live in open sessions.
 *
 * PostgreSQL applies ALTER DATABASE/ROLE ... SET only when a session
 * starts.  To make such a setting of readonly_guard.enabled reach sessions
 * that are already open, a transaction that changes one bumps a counter in
 * shared memory when it commits (see guard.c); every backend notices the
 * change at its next statement, through the same state word the hot path
 * reads, and re-reads pg_db_role_setting for its database and session role.
 *
 * The value in force follows PostgreSQL's precedence: a session-level SET
 * (or a client option) wins; otherwise ALTER ROLE ... IN DATABASE, then
 * ALTER ROLE, then ALTER DATABASE, then ALTER ROLE ALL; otherwise the
 * server's configuration (postgresql.conf, ALTER SYSTEM), as the postmaster
 * sees it.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "readonly_guard.h"

/* the GUC's own record, to learn where its current value came from */
static struct config_generic *rog_guc_record = NULL;

/* what pg_db_role_setting said when this backend last read it */
static bool catalog_known = false;
static bool catalog_found = false;
static bool catalog_value = false;
static const char *catalog_source = NULL;
static uint32 seen_settings_generation = 0;

/* the value the postmaster has: postgresql.conf, ALTER SYSTEM, -c */
static bool postmaster_value = false;

/* result: is this session read-only through the setting, and why */
bool		rog_session_read_only = false;
static const char *session_source = NULL;

void
rog_find_guc_record(void)
{
	struct config_generic **vars;
	int			n;
	int			i;

#if PG_VERSION_NUM >= 160000
	vars = get_guc_variables(&n);
#else
	vars = get_guc_variables();
	n = GetNumConfigOptions();
#endif
	for (i = 0; i < n; i++)
		if (strcmp(vars[i]->name, "readonly_guard.enabled") == 0)
			rog_guc_record = vars[i];
}

/*
 * Assign hook of readonly_guard.enabled.  In the postmaster the value is the
 * configuration file's; in a backend any change makes the next check
 * recompute (by spoiling the remembered state word).
 */
void
rog_assign_enabled(bool newval, void *extra)
{
	if (!IsUnderPostmaster)
	{
		postmaster_value = newval;
		if (rog_shared)
			pg_atomic_write_u32(&rog_shared->postmaster_enabled, newval ? 1 : 0);
	}
	rog_seen_word = rog_shared ? ~pg_atomic_read_u32(&rog_shared->word) : ~0u;
}

/* Call from the shared memory startup hook. */
void
rog_publish_postmaster_value(void)
{
	pg_atomic_write_u32(&rog_shared->postmaster_enabled, postmaster_value ? 1 : 0);
}

/* Look for readonly_guard.enabled in one setconfig array. */
static bool
rog_setconfig_has(ArrayType *setconfig, bool *value)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	bool		found = false;

	deconstruct_array(setconfig, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		char	   *item;
		char	   *eq;

		if (nulls[i])
			continue;
		item = TextDatumGetCString(elems[i]);
		eq = strchr(item, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (pg_strcasecmp(item, "readonly_guard.enabled") == 0 &&
			parse_bool(eq + 1, value))
			found = true;
	}
	return found;
}

/* The setting for one (database, role) pair of pg_db_role_setting. */
static bool
rog_read_setting(Relation rel, Snapshot snapshot, Oid dbid, Oid roleid,
				 bool *value)
{
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	ScanKeyInit(&keys[0], Anum_pg_db_role_setting_setdatabase,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(dbid));
	ScanKeyInit(&keys[1], Anum_pg_db_role_setting_setrole,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(roleid));
	scan = systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true,
							  snapshot, 2, keys);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		datum = heap_getattr(tup, Anum_pg_db_role_setting_setconfig,
										 RelationGetDescr(rel), &isnull);

		if (!isnull)
			found = rog_setconfig_has(DatumGetArrayTypeP(datum), value);
	}
	systable_endscan(scan);
	return found;
}

/* Re-read pg_db_role_setting, most specific entry first. */
static void
rog_read_catalog(void)
{
	Oid			roleid = GetSessionUserId();
	Relation	rel;
	Snapshot	snapshot;

	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	snapshot = RegisterSnapshot(GetLatestSnapshot());

	catalog_found = true;
	if (rog_read_setting(rel, snapshot, MyDatabaseId, roleid, &catalog_value))
		catalog_source = "role";
	else if (rog_read_setting(rel, snapshot, InvalidOid, roleid, &catalog_value))
		catalog_source = "role";
	else if (rog_read_setting(rel, snapshot, MyDatabaseId, InvalidOid, &catalog_value))
		catalog_source = "database";
	else if (rog_read_setting(rel, snapshot, InvalidOid, InvalidOid, &catalog_value))
		catalog_source = "role";
	else
		catalog_found = false;
	catalog_known = true;

	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
}

/* Is readonly_guard.enabled on in ALTER DATABASE ... SET of this database? */
bool
rog_database_setting_on(void)
{
	Relation	rel;
	Snapshot	snapshot;
	bool		value = false;

	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	if (!rog_read_setting(rel, snapshot, MyDatabaseId, InvalidOid, &value))
		value = false;
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return value;
}

static const char *
rog_name_of_source(GucSource source)
{
	switch (source)
	{
		case PGC_S_DATABASE:
			return "database";
		case PGC_S_GLOBAL:
		case PGC_S_USER:
		case PGC_S_DATABASE_USER:
			return "role";
		default:
			return "setting";
	}
}

/* Combine GUC, catalog and postmaster values by PostgreSQL's precedence. */
static void
rog_compute_session_read_only(void)
{
	GucSource	source = rog_guc_record ? rog_guc_record->source : PGC_S_SESSION;

	if (source > PGC_S_DATABASE_USER || !catalog_known)
	{
		rog_session_read_only = rog_setting_enabled;
		session_source = rog_name_of_source(source);
	}
	else if (catalog_found)
	{
		rog_session_read_only = catalog_value;
		session_source = catalog_source;
	}
	else if (source >= PGC_S_GLOBAL)
	{
		/* the catalog entry this value came from is gone */
		rog_session_read_only =
			pg_atomic_read_u32(&rog_shared->postmaster_enabled) != 0;
		session_source = "setting";
	}
	else
	{
		rog_session_read_only = rog_setting_enabled;
		session_source = "setting";
	}
}

/*
 * Bring the session's view up to date.  Returns false if the catalog had to
 * be read but could not be (no transaction): the caller should look again.
 */
bool
rog_refresh_session(void)
{
	uint32		generation = pg_atomic_read_u32(&rog_shared->settings_generation);

	if (generation != seen_settings_generation)
	{
		/* processes with no database (launchers) have no such settings */
		if (!OidIsValid(MyDatabaseId) || !OidIsValid(GetSessionUserId()))
			catalog_known = false;
		else if (!IsTransactionState())
			return false;
		else
			rog_read_catalog();
		seen_settings_generation = generation;
	}
	rog_compute_session_read_only();
	return true;
}

/* 'database', 'role' or 'setting', or NULL if the setting is off. */
const char *
rog_session_source(void)
{
	return rog_session_read_only ? session_source : NULL;
}
