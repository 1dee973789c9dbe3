/*-------------------------------------------------------------------------
 *
 * drain.h
 *	  The drain of rog_enable() (drain.c).
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_DRAIN_H
#define READONLY_GUARD_DRAIN_H

#include "access/transam.h"
#include "datatype/timestamp.h"

#include "readonly_guard.h"

ROG_HIDDEN_BEGIN

extern Size rog_drain_shmem_size(void);
extern void rog_drain_shmem_init(void);
extern void rog_drain(TransactionId cutoff, TimestampTz cutoff_time,
					  int64 timeout_ms);
extern void rog_drain_note_admin_call(bool calling);
extern void rog_drain_note_commit(TransactionId xid);
extern void rog_explain_drain_signal(ErrorData *edata);

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_DRAIN_H */
