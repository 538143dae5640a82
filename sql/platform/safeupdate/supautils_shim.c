/*
 * supautils_shim.c -- LOCAL-ONLY emulation of the parts of Supabase's `supautils` library that
 * decide whether a project's migrations (run as the non-superuser `postgres`) succeed.
 *
 * Never deployed anywhere.  Written for this project from the public description of supautils
 * (supabase/supautils README; supabase/postgres ansible/files/postgresql_config/supautils.conf.j2
 * and the hosted `supautils.policy_grants` / `supautils.drop_trigger_grants` values):
 *
 *  1. policy grants: the privileged role (`postgres`) may CREATE / ALTER / DROP / rename POLICY
 *     on the listed platform tables (auth.users, storage.objects, realtime.messages, ...) although
 *     it does not own them.  Plain PostgreSQL only lets the owner do that.  The statement is run
 *     with the bootstrap superuser's identity, as supautils does, and nothing else is allowed:
 *     ALTER TABLE, DROP TABLE, DISABLE ROW LEVEL SECURITY, ... on those tables still fail.
 *  2. drop-trigger grants: the privileged role may DROP TRIGGER on the listed tables (it may
 *     already CREATE TRIGGER there through its TRIGGER privilege).
 *  3. reserved roles: no non-superuser may ALTER (attributes), RENAME or DROP the platform roles;
 *     the privileged role may still ALTER ROLE ... SET on them (as supautils allows), others not.
 *
 * Not emulated: privileged extensions (the shim pre-creates the extensions instead), placeholder
 * checks, reserved memberships, the locks supautils takes on every listed table.
 *
 * Settings (PGC_SIGHUP, so no session can change them; defaults mirror hosted):
 *   supautils_shim.privileged_role      role that gets the grants           ('postgres')
 *   supautils_shim.policy_grants        comma-separated schema.table list
 *   supautils_shim.drop_trigger_grants  comma-separated schema.table list
 *   supautils_shim.reserved_roles       comma-separated role list
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/varlena.h"

#include "supautils_shim.h"

#define PLATFORM_TABLES \
	"auth.audit_log_entries, auth.identities, auth.refresh_tokens, auth.sessions, auth.users, " \
	"realtime.messages, storage.buckets, storage.migrations, storage.objects, " \
	"storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts"

static char *privileged_role = NULL;
static char *policy_grants = NULL;
static char *drop_trigger_grants = NULL;
static char *reserved_roles = NULL;

static ProcessUtility_hook_type previous_process_utility = NULL;

/* Is `name` one of the comma-separated entries of `list` (entries compared case-sensitively,
 * surrounding blanks ignored; unquoted entries are lower-cased like identifiers)? */
static bool
list_contains(const char *list, const char *name)
{
	char	   *copy;
	List	   *items = NIL;
	ListCell   *lc;
	bool		found = false;

	if (list == NULL || name == NULL)
		return false;
	copy = pstrdup(list);
	if (!SplitIdentifierString(copy, ',', &items))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("supautils_shim: cannot parse list \"%s\"", list)));
	foreach(lc, items)
	{
		if (strcmp((const char *) lfirst(lc), name) == 0)
		{
			found = true;
			break;
		}
	}
	list_free(items);
	pfree(copy);
	return found;
}

/* Is the (existing) relation named by `rv` one of the tables listed in `list`? */
static bool
relation_listed(RangeVar *rv, const char *list)
{
	Oid			relid;
	char	   *nspname;
	char	   *relname;
	char	   *qualified;
	bool		listed;

	if (rv == NULL)
		return false;
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		return false;			/* let PostgreSQL report the missing table itself */
	nspname = get_namespace_name(get_rel_namespace(relid));
	relname = get_rel_name(relid);
	if (nspname == NULL || relname == NULL)
		return false;
	qualified = psprintf("%s.%s", nspname, relname);
	listed = list_contains(list, qualified);
	pfree(qualified);
	return listed;
}

/* DROP POLICY / DROP TRIGGER name the object as [schema.]table.name: are all tables listed? */
static bool
drop_targets_listed(List *objects, const char *list)
{
	ListCell   *lc;

	if (objects == NIL)
		return false;
	foreach(lc, objects)
	{
		List	   *names = (List *) lfirst(lc);
		List	   *relnames;

		if (names == NIL || list_length(names) < 2)
			return false;
		relnames = list_truncate(list_copy(names), list_length(names) - 1);
		if (!relation_listed(makeRangeVarFromNameList(relnames), list))
			return false;
	}
	return true;
}

static void
check_not_reserved(const char *rolename)
{
	if (rolename != NULL && list_contains(reserved_roles, rolename))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" is a reserved role, only superusers can modify it", rolename)));
}

static const char *
rolespec_plain_name(RoleSpec *spec)
{
	if (spec != NULL && spec->roletype == ROLESPEC_CSTRING)
		return spec->rolename;
	return NULL;
}

static void
supautils_shim_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
							   ProcessUtilityContext context, ParamListInfo params,
							   QueryEnvironment *queryEnv, DestReceiver *dest,
							   QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;
	bool		run_as_superuser = false;

	if (IsTransactionState() && !superuser())
	{
		Oid			privileged = get_role_oid(privileged_role, true);
		bool		is_privileged = OidIsValid(privileged) && GetUserId() == privileged;

		switch (nodeTag(stmt))
		{
			case T_CreatePolicyStmt:
				run_as_superuser = is_privileged &&
					relation_listed(((CreatePolicyStmt *) stmt)->table, policy_grants);
				break;
			case T_AlterPolicyStmt:
				run_as_superuser = is_privileged &&
					relation_listed(((AlterPolicyStmt *) stmt)->table, policy_grants);
				break;
			case T_DropStmt:
				{
					DropStmt   *drop = (DropStmt *) stmt;

					if (drop->removeType == OBJECT_POLICY)
						run_as_superuser = is_privileged &&
							drop_targets_listed(drop->objects, policy_grants);
					else if (drop->removeType == OBJECT_TRIGGER)
						run_as_superuser = is_privileged &&
							drop_targets_listed(drop->objects, drop_trigger_grants);
					break;
				}
			case T_RenameStmt:
				{
					RenameStmt *rename = (RenameStmt *) stmt;

					if (rename->renameType == OBJECT_POLICY)
						run_as_superuser = is_privileged &&
							relation_listed(rename->relation, policy_grants);
					else if (rename->renameType == OBJECT_ROLE)
						check_not_reserved(rename->subname);
					break;
				}
			case T_AlterRoleStmt:
				check_not_reserved(rolespec_plain_name(((AlterRoleStmt *) stmt)->role));
				break;
			case T_AlterRoleSetStmt:
				if (!is_privileged)
					check_not_reserved(rolespec_plain_name(((AlterRoleSetStmt *) stmt)->role));
				break;
			case T_DropRoleStmt:
				{
					ListCell   *lc;

					foreach(lc, ((DropRoleStmt *) stmt)->roles)
						check_not_reserved(rolespec_plain_name((RoleSpec *) lfirst(lc)));
					break;
				}
			default:
				break;
		}
	}

	if (run_as_superuser)
	{
		Oid			saved_userid;
		int			saved_sec_context;

		GetUserIdAndSecContext(&saved_userid, &saved_sec_context);
		SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
							   saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		PG_TRY();
		{
			if (previous_process_utility)
				previous_process_utility(pstmt, queryString, readOnlyTree, context, params,
										 queryEnv, dest, qc);
			else
				standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
										queryEnv, dest, qc);
		}
		PG_FINALLY();
		{
			SetUserIdAndSecContext(saved_userid, saved_sec_context);
		}
		PG_END_TRY();
		return;
	}

	if (previous_process_utility)
		previous_process_utility(pstmt, queryString, readOnlyTree, context, params,
								 queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
}

void
supautils_shim_init(void)
{
	DefineCustomStringVariable("supautils_shim.privileged_role",
							   "Role that may manage policies and drop triggers on platform tables.",
							   NULL, &privileged_role, "postgres",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("supautils_shim.policy_grants",
							   "Tables (schema.table) whose policies the privileged role may manage.",
							   NULL, &policy_grants, PLATFORM_TABLES,
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("supautils_shim.drop_trigger_grants",
							   "Tables (schema.table) whose triggers the privileged role may drop.",
							   NULL, &drop_trigger_grants, PLATFORM_TABLES,
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("supautils_shim.reserved_roles",
							   "Roles that only superusers may alter, rename or drop.",
							   NULL, &reserved_roles,
							   "supabase_admin, supabase_auth_admin, supabase_storage_admin, "
							   "supabase_replication_admin, dashboard_user, pgbouncer, service_role, "
							   "authenticator, authenticated, anon",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("supautils_shim");

	previous_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = supautils_shim_process_utility;
}
