/*
 * safeupdate.c -- LOCAL-ONLY stand-in for the pg-safeupdate module that hosted Supabase loads
 * into Data API sessions (the `authenticator` role's session_preload_libraries).
 *
 * Never deployed anywhere: it only exists so that the docker-free local stack refuses the same
 * statements hosted Supabase refuses.  Written for this project; behaviour mirrored from the
 * public description of eradman/pg-safeupdate and from Supabase's role settings
 * (supabase/postgres migrations 20260403172611, 20260413000000, 20261010094800):
 *
 *   - every UPDATE or DELETE whose analysed query has no WHERE clause is rejected with
 *     SQLSTATE 21000 (cardinality_violation) and the message
 *     "UPDATE requires a WHERE clause" / "DELETE requires a WHERE clause";
 *   - the check runs at parse analysis, so it also applies to statements inside PL/pgSQL and
 *     SQL functions (they are analysed through the same hook), and to data-modifying CTEs;
 *   - the boolean setting `safeupdate.enabled` (default on, settable by any user) turns it off;
 *     hosted sets it to 0 for the `postgres` role.
 *
 * The same shared object also carries supautils_shim.c (see that file): a small subset of
 * Supabase's supautils (policy/drop-trigger grants and reserved roles for `postgres`), so that
 * one library, loaded like hosted loads `supautils, safeupdate`, gives both behaviours.
 */
#include "postgres.h"

#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "parser/analyze.h"
#include "utils/guc.h"

#include "supautils_shim.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static bool safeupdate_enabled = true;
static post_parse_analyze_hook_type previous_post_parse_analyze = NULL;

/* Reject one analysed statement (and, recursively, the statements of its WITH list). */
static void
safeupdate_check_query(Query *query)
{
	ListCell   *lc;

	if (query == NULL)
		return;

	/* WITH d AS (DELETE FROM t RETURNING *) SELECT ... : check the inner statements too. */
	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = (CommonTableExpr *) lfirst(lc);

		if (cte->ctequery != NULL && IsA(cte->ctequery, Query))
			safeupdate_check_query((Query *) cte->ctequery);
	}

	if (query->commandType != CMD_UPDATE && query->commandType != CMD_DELETE)
		return;

	/* WHERE CURRENT OF leaves a CurrentOfExpr in quals, so it counts as a WHERE clause. */
	if (query->jointree != NULL && query->jointree->quals != NULL)
		return;

	ereport(ERROR,
			(errcode(ERRCODE_CARDINALITY_VIOLATION),
			 errmsg("%s requires a WHERE clause",
					query->commandType == CMD_UPDATE ? "UPDATE" : "DELETE")));
}

static void
safeupdate_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	/* Let the hooks installed before us run first (pg_stat_statements and friends). */
	if (previous_post_parse_analyze)
		previous_post_parse_analyze(pstate, query, jstate);

	if (safeupdate_enabled)
		safeupdate_check_query(query);
}

void
_PG_init(void)
{
	DefineCustomBoolVariable("safeupdate.enabled",
							 "Reject UPDATE and DELETE statements that have no WHERE clause.",
							 "Local stand-in for Supabase's pg-safeupdate.",
							 &safeupdate_enabled,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("safeupdate");

	previous_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = safeupdate_post_parse_analyze;

	supautils_shim_init();
}
