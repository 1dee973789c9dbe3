/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Every difference between the PostgreSQL major versions that
 *	  readonly_guard builds against (15 to 19), in one place.
 *
 * The rest of the source uses only the names defined here where a version
 * matters.  Built-in function OIDs (utils/fmgroids.h) that exist from some
 * version on are given as lists that expand to nothing before it, so an
 * OID array can simply include them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_COMPAT_H
#define READONLY_GUARD_COMPAT_H

#if PG_VERSION_NUM < 150000
#error "readonly_guard needs PostgreSQL 15 or later"
#endif

/*
 * pg_logical_emit_message(): PostgreSQL 17 added a fourth argument (flush),
 * which renamed both variants' OID symbols.
 */
#if PG_VERSION_NUM >= 170000
#define ROG_F_LOGICAL_EMIT_MESSAGE_TEXT		F_PG_LOGICAL_EMIT_MESSAGE_BOOL_TEXT_TEXT_BOOL
#define ROG_F_LOGICAL_EMIT_MESSAGE_BYTEA	F_PG_LOGICAL_EMIT_MESSAGE_BOOL_TEXT_BYTEA_BOOL
#else
#define ROG_F_LOGICAL_EMIT_MESSAGE_TEXT		F_PG_LOGICAL_EMIT_MESSAGE_BOOL_TEXT_TEXT
#define ROG_F_LOGICAL_EMIT_MESSAGE_BYTEA	F_PG_LOGICAL_EMIT_MESSAGE_BOOL_TEXT_BYTEA
#endif

/*
 * Built-in functions that write catalogs without the executor and without a
 * read-only check of their own, by the version that added them (each list
 * ends with a comma when not empty).
 *
 * 18: the planner statistics functions write pg_class (relpages,
 * reltuples, relallvisible...) and pg_statistic in place or by catalog
 * update, and check only the caller's privileges.
 */
#if PG_VERSION_NUM >= 180000
#define ROG_WRITERS_SINCE_18 \
	F_PG_RESTORE_RELATION_STATS, F_PG_RESTORE_ATTRIBUTE_STATS, \
	F_PG_CLEAR_RELATION_STATS, F_PG_CLEAR_ATTRIBUTE_STATS,
#else
#define ROG_WRITERS_SINCE_18
#endif

/* 19: the same for extended statistics (pg_statistic_ext_data) */
#if PG_VERSION_NUM >= 190000
#define ROG_WRITERS_SINCE_19 \
	F_PG_RESTORE_EXTENDED_STATS, F_PG_CLEAR_EXTENDED_STATS,
#else
#define ROG_WRITERS_SINCE_19
#endif

/*
 * PostgreSQL 19: CLUSTER (and VACUUM FULL) are REPACK statements.
 */
#if PG_VERSION_NUM >= 190000
#define ROG_T_CLUSTER_STMT				T_RepackStmt
#else
#define ROG_T_CLUSTER_STMT				T_ClusterStmt
#endif

/*
 * PostgreSQL 19's headers include less of each other: GETSTRUCT() no longer
 * comes with utils/syscache.h, get_database_name() (now in lsyscache.h) not
 * with commands/dbcommands.h, tuplestore_putvalues() not with funcapi.h.
 */
#if PG_VERSION_NUM >= 190000
#include "access/htup_details.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#endif

/*
 * How pg_lsn prints a WAL position: PostgreSQL 19 pads the low half to
 * eight hex digits (0/03013450); messages that name one print it the same.
 */
#if PG_VERSION_NUM >= 190000
#define ROG_LSN_FMT						"%X/%08X"
#else
#define ROG_LSN_FMT						"%X/%X"
#endif

/*
 * PostgreSQL 17 accepts infinite intervals ('infinity', '-infinity');
 * before it no interval value is infinite.
 */
#if PG_VERSION_NUM >= 170000
#define ROG_INTERVAL_IS_INFINITE(i)		INTERVAL_NOT_FINITE(i)
#else
#define ROG_INTERVAL_IS_INFINITE(i)		false
#endif

/*
 * PostgreSQL 17 moved the local transaction ID into PGPROC's vxid and
 * numbers processes by ProcNumber.
 */
/* the current transaction's local ID */
#if PG_VERSION_NUM >= 170000
#define ROG_MY_LXID				(MyProc->vxid.lxid)
#else
#define ROG_MY_LXID				(MyProc->lxid)
#endif

/* a process's number, the index of its PGPROC */
#if PG_VERSION_NUM >= 170000
#define ROG_PROCNO(proc)		GetNumberFromPGProc(proc)
#else
#define ROG_PROCNO(proc)		((proc)->pgprocno)
#endif

/*
 * The local copy of a backend's status, by its index in the copy: renamed
 * in PostgreSQL 16.
 */
#if PG_VERSION_NUM >= 160000
#define rog_local_beentry(idx)			pgstat_get_local_beentry_by_index(idx)
#else
#define rog_local_beentry(idx)			pgstat_fetch_stat_local_beentry(idx)
#endif

/* A relation's file: RelFileNode became RelFileLocator in PostgreSQL 16. */
#if PG_VERSION_NUM >= 160000
#include "storage/relfilelocator.h"
typedef RelFileLocator RogRelFile;
#else
#include "storage/relfilenode.h"
typedef RelFileNode RogRelFile;
#endif

/* Is this an autovacuum worker?  PostgreSQL 17 made it a macro of its own. */
#if PG_VERSION_NUM >= 170000
#define ROG_IS_AUTOVACUUM_WORKER()		AmAutoVacuumWorkerProcess()
#else
#define ROG_IS_AUTOVACUUM_WORKER()		IsAutoVacuumWorkerProcess()
#endif

/*
 * The replication origin set up for this session, whose progress a commit
 * records: PostgreSQL 19 keeps it in replorigin_xact_state.
 */
#if PG_VERSION_NUM >= 190000
#define ROG_SESSION_ORIGIN_SET()		(replorigin_xact_state.origin != InvalidReplOriginId)
#else
#define ROG_SESSION_ORIGIN_SET()		(replorigin_session_origin != InvalidRepOriginId)
#endif

/*
 * ExecutorRun_hook: PostgreSQL 18 dropped its execute_once argument.
 */
#if PG_VERSION_NUM >= 180000
#define ROG_EXECUTOR_RUN_PARAMS QueryDesc *queryDesc, ScanDirection direction, \
	uint64 count
#define ROG_EXECUTOR_RUN_ARGS	queryDesc, direction, count
#else
#define ROG_EXECUTOR_RUN_PARAMS QueryDesc *queryDesc, ScanDirection direction, \
	uint64 count, bool execute_once
#define ROG_EXECUTOR_RUN_ARGS	queryDesc, direction, count, execute_once
#endif

/*
 * The permissions a plan needs on relations: PostgreSQL 16 moved them from
 * the range table entries to a list of RTEPermissionInfo.  For a cell of
 * ROG_PLAN_PERMS(stmt): is it a relation's, which privileges, which one.
 */
#if PG_VERSION_NUM >= 160000
#define ROG_PLAN_PERMS(stmt)			((stmt)->permInfos)
#define ROG_PERM_IS_RELATION(lc)		true
#define ROG_PERM_REQUIRED(lc)			(lfirst_node(RTEPermissionInfo, lc)->requiredPerms)
#define ROG_PERM_RELID(lc)				(lfirst_node(RTEPermissionInfo, lc)->relid)
#else
#define ROG_PLAN_PERMS(stmt)			((stmt)->rtable)
#define ROG_PERM_IS_RELATION(lc)		(lfirst_node(RangeTblEntry, lc)->rtekind == RTE_RELATION)
#define ROG_PERM_REQUIRED(lc)			(lfirst_node(RangeTblEntry, lc)->requiredPerms)
#define ROG_PERM_RELID(lc)				(lfirst_node(RangeTblEntry, lc)->relid)
#endif

/*
 * The array of GUC records and its length: PostgreSQL 16 returns the
 * length from get_guc_variables() itself.
 */
#if PG_VERSION_NUM >= 160000
#define ROG_GET_GUC_VARIABLES(n)		get_guc_variables(n)
#else
#define ROG_GET_GUC_VARIABLES(n)		(*(n) = GetNumConfigOptions(), get_guc_variables())
#endif

/*
 * The assign hook of a string parameter's record (utils/guc_tables.h):
 * PostgreSQL 19 keeps the type's fields in a union inside config_generic.
 */
#if PG_VERSION_NUM >= 190000
#define ROG_GUC_STRING_ASSIGN_HOOK(record)	((record)->_string.assign_hook)
#else
#define ROG_GUC_STRING_ASSIGN_HOOK(record)	(((struct config_string *) (record))->assign_hook)
#endif

#endif							/* READONLY_GUARD_COMPAT_H */
