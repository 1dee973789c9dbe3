/*-------------------------------------------------------------------------
 *
 * classify.c
 *	  What a utility statement or a plan does, as far as read-only mode is
 *	  concerned: reads, writes, or writes only temporary objects.
 *
 * rog_classify_utility() sorts a utility statement without catalog access;
 * the *_touches_only_temp() functions look objects up.  Nothing here looks
 * at the transaction or the mode: the hooks (guard.c) decide with it.  A
 * new utility statement goes into rog_classify_utility() (and, if it may
 * touch only temporary objects, rog_utility_touches_only_temp()).
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"

#include "guard_int.h"

/* GUC readonly_guard.allow_maintenance: VACUUM and friends in read-only mode */
bool		rog_allow_maintenance = false;

/* ---- the kind of a utility statement ---- */

/*
 * Does SET or RESET name a readonly_guard.* parameter?  In any case, as
 * PostgreSQL matches parameter names ("Readonly_Guard".enabled is one).
 */
static bool
rog_is_guard_setting(VariableSetStmt *setstmt)
{
	return setstmt->kind != VAR_RESET_ALL && setstmt->name != NULL &&
		pg_strncasecmp(setstmt->name, "readonly_guard.", strlen("readonly_guard.")) == 0;
}

/*
 * ALTER DATABASE/ROLE ... RESET ALL removes readonly_guard.* settings too.
 * It is no readonly_guard setting statement (it may not run while the mode
 * is on) but sessions must learn of it when it commits.
 */
static bool
rog_resets_all_settings(Node *parsetree)
{
	VariableSetStmt *setstmt;

	if (IsA(parsetree, AlterDatabaseSetStmt))
		setstmt = ((AlterDatabaseSetStmt *) parsetree)->setstmt;
	else if (IsA(parsetree, AlterRoleSetStmt))
		setstmt = ((AlterRoleSetStmt *) parsetree)->setstmt;
	else
		return false;
	return setstmt->kind == VAR_RESET_ALL;
}

/*
 * COMMIT PREPARED: the prepared transaction may have changed readonly_guard.*
 * settings, and what its ALTER ... SET noted went with PREPARE.  Sessions
 * re-read the settings after every one: it is rare.
 */
static bool
rog_commits_prepared(Node *parsetree)
{
	return IsA(parsetree, TransactionStmt) &&
		((TransactionStmt *) parsetree)->kind == TRANS_STMT_COMMIT_PREPARED;
}

/* Is ANALYZE among the options of an EXPLAIN? */
static bool
rog_explain_analyzes(ExplainStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "analyze") == 0)
			return defGetBoolean(opt);
	}
	return false;
}

/* The CREATE TABLE AS / SELECT INTO an EXPLAIN would run, if any. */
static CreateTableAsStmt *
rog_explained_create_table_as(ExplainStmt *stmt)
{
	Query	   *query = castNode(Query, stmt->query);

	if (query->commandType == CMD_UTILITY &&
		IsA(query->utilityStmt, CreateTableAsStmt))
		return (CreateTableAsStmt *) query->utilityStmt;
	return NULL;
}

/*
 * The kind of the utility statements whose kind depends on their content,
 * or ROG_UTILITY_WRITE + 1 for the others.
 */
#define ROG_KIND_BY_TAG		(ROG_UTILITY_WRITE + 1)

static int
rog_classify_by_content(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_TransactionStmt:
			if (((TransactionStmt *) parsetree)->kind == TRANS_STMT_COMMIT_PREPARED)
				return ROG_UTILITY_WRITE;
			return ROG_UTILITY_READ;

		case T_ExplainStmt:
			{
				ExplainStmt *stmt = (ExplainStmt *) parsetree;

				if (rog_explained_create_table_as(stmt) && rog_explain_analyzes(stmt))
					return ROG_UTILITY_MAYBE_WRITE;
				return ROG_UTILITY_READ;
			}

		case T_CopyStmt:
			return ((CopyStmt *) parsetree)->is_from ?
				ROG_UTILITY_MAYBE_WRITE : ROG_UTILITY_READ;

		case T_LockStmt:
			/* stronger locks would block readers, as on a hot standby */
			return ((LockStmt *) parsetree)->mode <= RowExclusiveLock ?
				ROG_UTILITY_READ : ROG_UTILITY_MAYBE_WRITE;

		case T_AlterDatabaseSetStmt:
			return rog_is_guard_setting(((AlterDatabaseSetStmt *) parsetree)->setstmt) ?
				ROG_UTILITY_SETTING : ROG_UTILITY_WRITE;

		case T_AlterRoleSetStmt:
			return rog_is_guard_setting(((AlterRoleSetStmt *) parsetree)->setstmt) ?
				ROG_UTILITY_SETTING : ROG_UTILITY_WRITE;

		default:
			return ROG_KIND_BY_TAG;
	}
}

/* The kind of the other utility statements, by their node tag alone. */
static RogUtilityKind
rog_classify_by_tag(NodeTag tag)
{
	switch (tag)
	{
		case T_DeclareCursorStmt:
		case T_ClosePortalStmt:
		case T_FetchStmt:
		case T_DoStmt:
		case T_CallStmt:
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
		case T_VariableSetStmt:
		case T_VariableShowStmt:
		case T_DiscardStmt:
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_NotifyStmt:
		case T_CheckPointStmt:
		case T_ConstraintsSetStmt:
		case T_AlterSystemStmt:
			return ROG_UTILITY_READ;

		case T_VacuumStmt:
		case ROG_T_CLUSTER_STMT:
		case T_ReindexStmt:
			return ROG_UTILITY_MAINTENANCE;

		case T_CreateStmt:
		case T_CreateSeqStmt:
		case T_ViewStmt:
		case T_CreateTableAsStmt:
		case T_IndexStmt:
		case T_AlterTableStmt:
		case T_AlterSeqStmt:
		case T_DropStmt:
		case T_TruncateStmt:
		case T_GrantStmt:
		case T_RenameStmt:
		case T_CommentStmt:
		case T_CreateStatsStmt:
		case T_RuleStmt:
		case T_CreateTrigStmt:
		case T_CreatePolicyStmt:
		case T_CreateFunctionStmt:
		case T_CompositeTypeStmt:
		case T_CreateEnumStmt:
		case T_CreateRangeStmt:
		case T_CreateDomainStmt:
		case T_DefineStmt:
		case T_AlterFunctionStmt:
		case T_AlterEnumStmt:
		case T_AlterPolicyStmt:
		case T_AlterDomainStmt:
		case T_AlterOwnerStmt:
			return ROG_UTILITY_MAYBE_WRITE;

		default:
			return ROG_UTILITY_WRITE;
	}
}

/*
 * Can the transaction this statement ends, or runs in, be followed by its
 * chain: COMMIT/ROLLBACK AND CHAIN, or a procedure (which may COMMIT AND
 * CHAIN inside)?
 */
static bool
rog_may_chain(Node *parsetree)
{
	if (IsA(parsetree, CallStmt))
		return true;
	return IsA(parsetree, TransactionStmt) && ((TransactionStmt *) parsetree)->chain;
}

/*
 * Classify a utility statement without catalog access.  Statements not
 * listed write (ROG_UTILITY_WRITE): a new statement type is refused until
 * it is classified here.  *end_flags: the transaction flags it needs with
 * the mode on or off.
 */
RogUtilityKind
rog_classify_utility(Node *parsetree, uint32 *end_flags)
{
	int			kind = rog_classify_by_content(parsetree);

	if (kind == ROG_KIND_BY_TAG)
		kind = rog_classify_by_tag(nodeTag(parsetree));
	*end_flags = 0;
	if (kind == ROG_UTILITY_SETTING || rog_resets_all_settings(parsetree) ||
		rog_commits_prepared(parsetree))
		*end_flags |= ROG_XACT_CHANGED_SETTINGS;
	if (rog_may_chain(parsetree))
		*end_flags |= ROG_XACT_MAY_CHAIN;
	return (RogUtilityKind) kind;
}

/* ---- does it touch only temporary objects? ---- */

/*
 * Object types a statement names by a qualified name, whose objects may live
 * in a temporary schema.
 */
static bool
rog_is_schema_object_type(ObjectType type)
{
	switch (type)
	{
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
		case OBJECT_AGGREGATE:
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
		case OBJECT_STATISTIC_EXT:
			return true;
		default:
			return false;
	}
}

static bool
rog_drop_touches_only_temp(DropStmt *stmt)
{
	ListCell   *lc;

	switch (stmt->removeType)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_INDEX:
			foreach(lc, stmt->objects)
				if (!rog_relation_is_temp(makeRangeVarFromNameList(lfirst(lc))))
					return false;
			return true;
		case OBJECT_TRIGGER:
		case OBJECT_RULE:
		case OBJECT_POLICY:
			break;
		default:
			if (!rog_is_schema_object_type(stmt->removeType))
				return false;
			break;
	}
	foreach(lc, stmt->objects)
		if (!rog_named_object_is_temp(stmt->removeType, lfirst(lc)))
			return false;
	return true;
}

/*
 * Does ALTER TABLE link the table to, or unlink it from, a parent that is
 * not temporary (INHERIT, NO INHERIT)?
 */
static bool
rog_alter_table_links_permanent(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if ((cmd->subtype == AT_AddInherit || cmd->subtype == AT_DropInherit) &&
			!rog_relation_is_temp(castNode(RangeVar, cmd->def)))
			return true;
	}
	return false;
}

/*
 * Does CREATE FUNCTION make a function in C or an alias of a built-in one
 * (LANGUAGE c, internal)?  Such a function could call a writer under a new
 * name; only superusers can make one anyway.
 */
static bool
rog_creates_native_function(CreateFunctionStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "language") == 0)
		{
			const char *language = strVal(opt->arg);

			return pg_strcasecmp(language, "c") == 0 ||
				pg_strcasecmp(language, "internal") == 0;
		}
	}
	return false;
}

/* The relation that names (relation..., member) ends in a member of. */
static bool
rog_member_of_temp_relation(List *names)
{
	if (list_length(names) < 2)
		return false;
	return rog_relation_is_temp_alone(makeRangeVarFromNameList(list_truncate(list_copy(names),
																		 list_length(names) - 1)));
}

/* RENAME of a temporary relation or of one of its columns, constraints, ... */
static bool
rog_rename_touches_only_temp(RenameStmt *stmt)
{
	switch (stmt->renameType)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_INDEX:
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_RULE:
		case OBJECT_POLICY:
		case OBJECT_ATTRIBUTE:
			return stmt->relation != NULL && rog_relation_is_temp_alone(stmt->relation);
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
		case OBJECT_DOMCONSTRAINT:
			return rog_named_object_is_temp(stmt->renameType == OBJECT_DOMCONSTRAINT ?
											OBJECT_DOMAIN : stmt->renameType, stmt->object);
		default:
			return rog_is_schema_object_type(stmt->renameType) &&
				rog_named_object_is_temp(stmt->renameType, stmt->object);
	}
}

/* COMMENT ON a temporary relation or one of its columns, constraints, ... */
static bool
rog_comment_touches_only_temp(CommentStmt *stmt)
{
	List	   *names;

	switch (stmt->objtype)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_INDEX:
			names = castNode(List, stmt->object);
			return rog_relation_is_temp_alone(makeRangeVarFromNameList(names));
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_RULE:
		case OBJECT_POLICY:
			return rog_member_of_temp_relation(castNode(List, stmt->object));
		case OBJECT_DOMCONSTRAINT:
			return rog_named_object_is_temp_alone(stmt->objtype, stmt->object);
		default:
			return rog_is_schema_object_type(stmt->objtype) &&
				rog_named_object_is_temp_alone(stmt->objtype, stmt->object);
	}
}

/* GRANT/REVOKE on temporary tables only (pgTAP does that) */
static bool
rog_grant_touches_only_temp(GrantStmt *stmt)
{
	return stmt->targtype == ACL_TARGET_OBJECT &&
		(stmt->objtype == OBJECT_TABLE || stmt->objtype == OBJECT_SEQUENCE) &&
		rog_relations_are_temp(stmt->objects);
}

static bool rog_utility_touches_only_temp(Node *parsetree);

/*
 * Does a statement that creates an object (or EXPLAIN ANALYZE of CREATE
 * TABLE AS) create only temporary ones?  Its other kinds: *other.
 */
static bool
rog_create_touches_only_temp(Node *parsetree, bool *other)
{
	*other = false;
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
			/* a temporary child would mark a permanent parent */
			return rog_creates_temp(((CreateStmt *) parsetree)->relation) &&
				rog_relations_are_temp(((CreateStmt *) parsetree)->inhRelations);
		case T_CreateSeqStmt:
			return rog_creates_temp(((CreateSeqStmt *) parsetree)->sequence);
		case T_ViewStmt:
			return rog_creates_temp(((ViewStmt *) parsetree)->view);
		case T_CreateTableAsStmt:
			return ((CreateTableAsStmt *) parsetree)->objtype == OBJECT_TABLE &&
				rog_creates_temp(((CreateTableAsStmt *) parsetree)->into->rel);
		case T_ExplainStmt:
			return rog_utility_touches_only_temp((Node *)
												 rog_explained_create_table_as((ExplainStmt *) parsetree));
		case T_IndexStmt:
			return rog_relation_is_temp(((IndexStmt *) parsetree)->relation);
		case T_CreateStatsStmt:
			return rog_relations_are_temp(((CreateStatsStmt *) parsetree)->relations) &&
				(((CreateStatsStmt *) parsetree)->defnames == NIL ||
				 rog_names_temp_schema(((CreateStatsStmt *) parsetree)->defnames));
		case T_RuleStmt:
			/* a rule "_RETURN" makes a table a view (up to 15) */
			return rog_relation_is_temp_alone(((RuleStmt *) parsetree)->relation);
		case T_CreateTrigStmt:
			return rog_relation_is_temp(((CreateTrigStmt *) parsetree)->relation);
		case T_CreatePolicyStmt:
			return rog_relation_is_temp(((CreatePolicyStmt *) parsetree)->table);
		case T_CreateFunctionStmt:
			return rog_names_temp_schema(((CreateFunctionStmt *) parsetree)->funcname) &&
				!rog_creates_native_function((CreateFunctionStmt *) parsetree);
		case T_CompositeTypeStmt:
			return rog_creates_temp(((CompositeTypeStmt *) parsetree)->typevar);
		case T_CreateEnumStmt:
			return rog_names_temp_schema(((CreateEnumStmt *) parsetree)->typeName);
		case T_CreateRangeStmt:
			return rog_names_temp_schema(((CreateRangeStmt *) parsetree)->typeName);
		case T_CreateDomainStmt:
			return rog_names_temp_schema(((CreateDomainStmt *) parsetree)->domainname);
		case T_DefineStmt:
			/* not operators: CREATE OPERATOR updates a commutator's row */
			return ((DefineStmt *) parsetree)->kind == OBJECT_AGGREGATE &&
				rog_names_temp_schema(((DefineStmt *) parsetree)->defnames);
		default:
			*other = true;
			return false;
	}
}

/* Does a ROG_UTILITY_MAYBE_WRITE statement touch only temporary objects? */
static bool
rog_utility_touches_only_temp(Node *parsetree)
{
	bool		other;
	bool		only_temp = rog_create_touches_only_temp(parsetree, &other);

	if (!other)
		return only_temp;
	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			return rog_relation_is_temp_alone(((AlterTableStmt *) parsetree)->relation) &&
				!rog_alter_table_links_permanent((AlterTableStmt *) parsetree);
		case T_AlterSeqStmt:
			return rog_relation_is_temp(((AlterSeqStmt *) parsetree)->sequence);
		case T_DropStmt:
			/* what CASCADE reaches is checked object by object (OAT_DROP) */
			return rog_drop_touches_only_temp((DropStmt *) parsetree);
		case T_TruncateStmt:
			return rog_relations_are_temp(((TruncateStmt *) parsetree)->relations);
		case T_CopyStmt:
			return ((CopyStmt *) parsetree)->relation != NULL &&
				rog_relation_is_temp(((CopyStmt *) parsetree)->relation);
		case T_LockStmt:
			/* locking a view locks the tables under it */
			return rog_relations_are_temp_tables(((LockStmt *) parsetree)->relations);
		case T_GrantStmt:
			return rog_grant_touches_only_temp((GrantStmt *) parsetree);
		case T_RenameStmt:
			return rog_rename_touches_only_temp((RenameStmt *) parsetree);
		case T_CommentStmt:
			return rog_comment_touches_only_temp((CommentStmt *) parsetree);
		case T_AlterDomainStmt:
			return rog_named_object_is_temp_alone(OBJECT_DOMAIN,
											(Node *) makeTypeNameFromNameList(((AlterDomainStmt *) parsetree)->typeName));
		case T_AlterFunctionStmt:
			return rog_named_object_is_temp(((AlterFunctionStmt *) parsetree)->objtype,
											(Node *) ((AlterFunctionStmt *) parsetree)->func);
		case T_AlterEnumStmt:
			return rog_named_object_is_temp(OBJECT_TYPE,
											(Node *) makeTypeNameFromNameList(((AlterEnumStmt *) parsetree)->typeName));
		case T_AlterPolicyStmt:
			return rog_relation_is_temp(((AlterPolicyStmt *) parsetree)->table);
		case T_AlterOwnerStmt:
			return rog_is_schema_object_type(((AlterOwnerStmt *) parsetree)->objectType) &&
				rog_named_object_is_temp(((AlterOwnerStmt *) parsetree)->objectType,
										 ((AlterOwnerStmt *) parsetree)->object);
		default:
			return false;
	}
}

/* ---- what the guard does with it ---- */

/* Does read-only mode let this utility statement run as it is? */
bool
rog_utility_allowed(Node *parsetree, RogUtilityKind kind)
{
	switch (kind)
	{
		case ROG_UTILITY_SETTING:
			return true;
		case ROG_UTILITY_MAYBE_WRITE:
			return rog_utility_touches_only_temp(parsetree);
		case ROG_UTILITY_MAINTENANCE:
			return rog_allow_maintenance;
		default:
			return false;
	}
}

/*
 * Does core refuse this allowed statement in a read-only transaction?  COPY
 * FROM a temporary table and maintenance are fine with it.
 */
bool
rog_utility_needs_lift(Node *parsetree, RogUtilityKind kind)
{
	return kind != ROG_UTILITY_MAINTENANCE && !IsA(parsetree, CopyStmt);
}

/*
 * Does the plan ask for more than SELECT on a relation that is not
 * temporary?  The same test as core's ExecCheckXactReadOnly().
 */
bool
rog_plan_writes_permanent_relation(PlannedStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, ROG_PLAN_PERMS(stmt))
	{
		if (!ROG_PERM_IS_RELATION(lc))
			continue;
		if ((ROG_PERM_REQUIRED(lc) & (~ACL_SELECT)) == 0)
			continue;
		if (isTempNamespace(get_rel_namespace(ROG_PERM_RELID(lc))))
			continue;
		return true;
	}
	return false;
}
