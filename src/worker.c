/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The readonly_guard worker: start-up reports and the promotion watch.
 *
 * A background worker that needs no database.  It starts with the
 * postmaster, after the logging collector, and
 *	  - logs the start-up reports that the shared memory startup hook could
 *		not log into the server log yet (startup.c);
 *	  - on a server in recovery, waits for the end of recovery (a promotion)
 *		and then applies the flag's timeline rule at once
 *		(rog_check_flag_timeline()), so that its WARNING is in the log at the
 *		promotion and not at the first statement after it.
 * Then it exits with code 0, which unregisters it.  Sessions apply the same
 * rule at their next statement, so nothing depends on the worker but the
 * timing of the messages.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"

#include "state.h"
#include "worker.h"

/* how often the worker looks for the end of recovery */
#define ROG_WORKER_POLL_MS		200

/* seconds before a worker that failed is started again */
#define ROG_WORKER_RESTART_S	5

PGDLLEXPORT void rog_worker_main(Datum main_arg);

void
rog_register_worker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
	worker.bgw_start_time = BgWorkerStart_PostmasterStart;
	worker.bgw_restart_time = ROG_WORKER_RESTART_S;
	strlcpy(worker.bgw_library_name, "readonly_guard", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "rog_worker_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "readonly_guard worker", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "readonly_guard worker", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

/* Sleep until recovery ends; returns at once if it has. */
static void
rog_wait_for_end_of_recovery(void)
{
	while (RecoveryInProgress())
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ROG_WORKER_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

void
rog_worker_main(Datum main_arg)
{
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	rog_log_startup_reports();
	rog_wait_for_end_of_recovery();
	rog_state_notice_promotion();
	proc_exit(0);
}
