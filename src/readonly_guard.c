/*-------------------------------------------------------------------------
 *
 * readonly_guard.c
 *	  Module entry point: defines the GUCs and installs the hooks.
 *
 * readonly_guard must be loaded through shared_preload_libraries, because it
 * needs shared memory for the cluster-wide flag.  When it is loaded any other
 * way, it defines its GUCs (so that settings naming them are accepted) but
 * installs no hook, and its SQL functions refuse to run.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "readonly_guard.h"

PG_MODULE_MAGIC;

/* GUC readonly_guard.enabled: read-only mode for the sessions it reaches */
bool		rog_setting_enabled = false;

/* GUC readonly_guard.message: shown when the setting makes a session read-only */
char	   *rog_message = NULL;

/* GUC readonly_guard.exempt_roles: members may write in read-only mode */
char	   *rog_exempt_roles = NULL;

/* GUC readonly_guard.allow_maintenance: VACUUM and friends in read-only mode */
bool		rog_allow_maintenance = false;

void		_PG_init(void);

static void
rog_define_gucs(void)
{
	DefineCustomBoolVariable("readonly_guard.enabled",
							 "Puts the sessions this setting reaches in read-only mode.",
							 "Read-only mode is in force when this is on or when "
							 "rog_enable() has turned it on for the whole cluster.",
							 &rog_setting_enabled,
							 false,
							 PGC_SUSET,
							 GUC_NO_RESET_ALL,
							 NULL,
							 rog_assign_enabled,
							 NULL);
	DefineCustomStringVariable("readonly_guard.message",
							   "Message shown while readonly_guard.enabled makes a session read-only.",
							   "Appears in the detail of every refusal and in rog_status().reason; "
							   "rog_enable(reason => ...) gives the message for the cluster-wide mode.",
							   &rog_message,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("readonly_guard.exempt_roles",
							   "Roles whose members may write while read-only mode is on.",
							   "A comma-separated list of role names.  Superusers are not exempt "
							   "unless listed.  Every exempt write transaction is logged.",
							   &rog_exempt_roles,
							   "",
							   PGC_SIGHUP,
							   GUC_LIST_INPUT,
							   rog_check_exempt_roles, NULL, NULL);
	DefineCustomBoolVariable("readonly_guard.allow_maintenance",
							 "Allows VACUUM, ANALYZE, CLUSTER and REINDEX while read-only mode is on.",
							 NULL,
							 &rog_allow_maintenance,
							 false,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	rog_find_guc_record();

	MarkGUCPrefixReserved("readonly_guard");
}

void
_PG_init(void)
{
	rog_define_gucs();

	if (!process_shared_preload_libraries_in_progress)
		return;

	rog_install_shmem_hooks();
	rog_install_hooks();
	rog_register_worker();
}
