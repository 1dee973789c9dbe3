/*-------------------------------------------------------------------------
 *
 * readonly_guard.c
 *	  Module entry point: defines the GUCs, installs the shared memory
 *	  hooks and the guard's hooks, registers the worker.
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
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"

#include "drain.h"
#include "guard.h"
#include "settings.h"
#include "state.h"
#include "worker.h"

PG_MODULE_MAGIC;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static GucStringAssignHook prev_assign_session_authorization = NULL;

void		_PG_init(void);

/*
 * Assign hook of readonly_guard.enabled: the session settings take the
 * value in, and the guard looks at the state again at its next check.
 */
static void
rog_assign_enabled(bool newval, void *extra)
{
	rog_settings_assign_enabled(newval);
	rog_setting_assigned();
}

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

/*
 * Role settings of readonly_guard.enabled are the session user's
 * (settings.c): a change of the session user, by any route (SET or RESET
 * SESSION AUTHORIZATION, set_config(), a function's SET clause, DISCARD
 * ALL, a rollback that undoes one), is a change of the setting for the
 * guard.  Core's parameter session_authorization tells: its assign hook is
 * wrapped, in the postmaster, so every process has it.
 */
static void
rog_assign_session_authorization(const char *newval, void *extra)
{
	if (prev_assign_session_authorization)
		prev_assign_session_authorization(newval, extra);
	rog_setting_assigned();
}

static void
rog_follow_session_user(void)
{
	struct config_generic *record = rog_find_guc("session_authorization");

	if (record == NULL || record->vartype != PGC_STRING)
		elog(ERROR, "readonly_guard could not find parameter \"session_authorization\"");
	prev_assign_session_authorization = ROG_GUC_STRING_ASSIGN_HOOK(record);
	ROG_GUC_STRING_ASSIGN_HOOK(record) = rog_assign_session_authorization;
}

/* Shared memory: the cluster state and the drain's per-process slots. */
static void
rog_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(rog_state_shmem_size());
	RequestAddinShmemSpace(MAXALIGN(rog_drain_shmem_size()));
	rog_state_shmem_request();
}

/*
 * Attach to shared memory; the process that makes it (the postmaster, also
 * at a crash restart) loads the state from the state file.
 */
static void
rog_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	if (rog_state_shmem_init())
		rog_state_load();
	rog_drain_shmem_init();
	LWLockRelease(AddinShmemInitLock);
}

void
_PG_init(void)
{
	rog_define_gucs();

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = rog_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = rog_shmem_startup;
	rog_install_hooks();
	rog_follow_session_user();
	rog_register_worker();
}
