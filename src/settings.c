/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  Read-only mode from readonly_guard.enabled, live in open sessions.
 *
 * PostgreSQL applies ALTER DATABASE/ROLE ... SET only when a session
 * starts.  To make such a setting of readonly_guard.enabled reach sessions
 * that are already open, a transaction that changes one bumps a counter in
 * shared memory when it commits (see xact.c); every backend notices the
 * change at its next statement, through the same state word the hot path
 * reads, and re-reads pg_db_role_setting for its database and its session
 * user (also after any change of the session user).  The same happens after
 * a change of the server's configuration (reload), after every COMMIT
 * PREPARED, and once after a standby's promotion.
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
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/varlena.h"
#include "utils/snapmgr.h"

#include "settings.h"
#include "state.h"

/* GUC readonly_guard.enabled: read-only mode for the sessions it reaches */
bool		rog_setting_enabled = false;

/* GUC readonly_guard.message: shown when the setting makes a session read-only */
char	   *rog_message = NULL;

/* GUC readonly_guard.exempt_roles: members may write in read-only mode */
char	   *rog_exempt_roles = NULL;

/* the GUCs' own records, to learn where their current values came from */
static struct config_generic *rog_guc_record = NULL;
static struct config_generic *rog_message_record = NULL;

/* what pg_db_role_setting said when this backend last read it */
static bool catalog_known = false;
static bool catalog_found = false;
static bool catalog_value = false;
static const char *catalog_source = NULL;
static char *catalog_message = NULL;	/* in TopMemoryContext; NULL if none */
static uint32 seen_settings_generation = 0;
static Oid	catalog_role = InvalidOid;	/* the session user it was read for */

/* result: is this session read-only through the setting, and why */
bool		rog_session_read_only = false;
static const char *session_source = NULL;

/* The record of the parameter name, or NULL. */
struct config_generic *
rog_find_guc(const char *name)
{
	struct config_generic **vars;
	int			n;
	int			i;

	vars = ROG_GET_GUC_VARIABLES(&n);
	for (i = 0; i < n; i++)
		if (strcmp(vars[i]->name, name) == 0)
			return vars[i];
	return NULL;
}

void
rog_find_guc_record(void)
{
	rog_guc_record = rog_find_guc("readonly_guard.enabled");
	rog_message_record = rog_find_guc("readonly_guard.message");
}

/*
 * readonly_guard.enabled was assigned.  In the postmaster the value is the
 * configuration file's, which shared memory keeps for the sessions that
 * fall back to it.  (The entry module's assign hook also makes the guard
 * look again at its next check.)
 */
void
rog_settings_assign_enabled(bool newval)
{
	if (!IsUnderPostmaster)
		rog_state_set_postmaster_enabled(newval);
}

/* The value of setting name in one setconfig array, or NULL. */
static char *
rog_setconfig_value(ArrayType *setconfig, const char *name)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	char	   *value = NULL;

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
		if (pg_strcasecmp(item, name) == 0)
			value = eq + 1;
	}
	return value;
}

/* The value of setting name for one (database, role) pair, or NULL. */
static char *
rog_read_setting(Relation rel, Snapshot snapshot, Oid dbid, Oid roleid,
				 const char *name)
{
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *value = NULL;

	ScanKeyInit(&keys[0], Anum_pg_db_role_setting_setdatabase,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(dbid));
	ScanKeyInit(&keys[1], Anum_pg_db_role_setting_setrole,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(roleid));
	scan = systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true,
							  snapshot, 2, keys);
	while (value == NULL && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		datum = heap_getattr(tup, Anum_pg_db_role_setting_setconfig,
										 RelationGetDescr(rel), &isnull);

		if (!isnull)
			value = rog_setconfig_value(DatumGetArrayTypeP(datum), name);
	}
	systable_endscan(scan);
	return value;
}

/*
 * The most specific value of setting name in pg_db_role_setting for this
 * session, or NULL; *source says at which level it was found.
 */
static char *
rog_read_levels(Relation rel, Snapshot snapshot, const char *name,
				const char **source)
{
	Oid			roleid = GetSessionUserId();
	char	   *value;

	*source = "role";
	if ((value = rog_read_setting(rel, snapshot, MyDatabaseId, roleid, name)) != NULL ||
		(value = rog_read_setting(rel, snapshot, InvalidOid, roleid, name)) != NULL)
		return value;
	*source = "database";
	if ((value = rog_read_setting(rel, snapshot, MyDatabaseId, InvalidOid, name)) != NULL)
		return value;
	*source = "role";
	return rog_read_setting(rel, snapshot, InvalidOid, InvalidOid, name);
}

/* Re-read pg_db_role_setting, most specific entry first. */
static void
rog_read_catalog(void)
{
	Relation	rel;
	Snapshot	snapshot;
	char	   *value;
	const char *source;

	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	snapshot = RegisterSnapshot(GetCatalogSnapshot(DbRoleSettingRelationId));

	value = rog_read_levels(rel, snapshot, "readonly_guard.enabled", &source);
	catalog_found = value != NULL && parse_bool(value, &catalog_value);
	catalog_source = source;

	if (catalog_message)
		pfree(catalog_message);
	value = rog_read_levels(rel, snapshot, "readonly_guard.message", &source);
	catalog_message = value ? MemoryContextStrdup(TopMemoryContext, value) : NULL;
	catalog_known = true;
	catalog_role = GetSessionUserId();

	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
}

/* A setting in ALTER DATABASE ... SET of this database, or NULL. */
static char *
rog_database_setting(const char *name)
{
	Relation	rel;
	Snapshot	snapshot;
	char	   *setting;

	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	snapshot = RegisterSnapshot(GetCatalogSnapshot(DbRoleSettingRelationId));
	setting = rog_read_setting(rel, snapshot, MyDatabaseId, InvalidOid, name);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return setting;
}

/* Is readonly_guard.enabled on in ALTER DATABASE ... SET of this database? */
bool
rog_database_setting_on(void)
{
	char	   *setting = rog_database_setting("readonly_guard.enabled");
	bool		value;

	return setting != NULL && parse_bool(setting, &value) && value;
}

/* readonly_guard.message in ALTER DATABASE ... SET of this database, or NULL. */
char *
rog_database_message(void)
{
	return rog_database_setting("readonly_guard.message");
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
		rog_session_read_only = rog_state_postmaster_enabled();
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
	uint32		generation = rog_state_settings_generation();

	/* a change of the settings, or of the session user (role settings) */
	if (generation != seen_settings_generation ||
		(catalog_known && GetSessionUserId() != catalog_role))
	{
		/* processes with no database (launchers) have no such settings */
		if (!OidIsValid(MyDatabaseId) || !OidIsValid(GetSessionUserId()))
			catalog_known = false;
		/* no new snapshot in a parallel operation: its leader re-reads */
		else if (!IsTransactionState() || IsInParallelMode())
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

/*
 * readonly_guard.message as it applies to this session, or NULL if empty:
 * the same precedence as readonly_guard.enabled, so that a database's
 * message set by ALTER DATABASE reaches open sessions too.
 */
const char *
rog_session_message(void)
{
	GucSource	source = rog_message_record ? rog_message_record->source : PGC_S_SESSION;
	const char *message = rog_message;

	if (source <= PGC_S_DATABASE_USER && catalog_known)
		message = catalog_message;
	return (message != NULL && message[0] != '\0') ? message : NULL;
}

/*
 * Check hook of readonly_guard.exempt_roles: a comma-separated list of role
 * names, as in search_path.  Roles are looked up when used (they need not
 * exist yet); PUBLIC is refused, since it would exempt everybody.
 */
bool
rog_check_exempt_roles(char **newval, void **extra, GucSource source)
{
	char	   *raw = pstrdup(*newval);
	List	   *names;
	ListCell   *lc;
	bool		ok = true;

	if (!SplitIdentifierString(raw, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		ok = false;
	}
	else
	{
		foreach(lc, names)
		{
			if (pg_strcasecmp((char *) lfirst(lc), "public") == 0)
			{
				GUC_check_errdetail("PUBLIC cannot be exempt: it would exempt every role.");
				ok = false;
				break;
			}
		}
	}
	list_free(names);
	pfree(raw);
	return ok;
}

/*
 * Is the session user a member (directly or not; superuser status does not
 * count) of a role listed in readonly_guard.exempt_roles?  Needs a
 * transaction; roles that do not exist are skipped.
 */
bool
rog_session_exempt(void)
{
	char	   *raw;
	List	   *names;
	ListCell   *lc;
	bool		exempt = false;

	if (rog_exempt_roles == NULL || rog_exempt_roles[0] == '\0' ||
		!IsTransactionState() || !OidIsValid(GetSessionUserId()))
		return false;

	raw = pstrdup(rog_exempt_roles);
	if (SplitIdentifierString(raw, ',', &names))
	{
		foreach(lc, names)
		{
			Oid			roleid = get_role_oid((char *) lfirst(lc), true);

			if (OidIsValid(roleid) &&
				is_member_of_role_nosuper(GetSessionUserId(), roleid))
			{
				exempt = true;
				break;
			}
		}
	}
	list_free(names);
	pfree(raw);
	return exempt;
}
