/*-------------------------------------------------------------------------
 *
 * guard.h
 *	  What the guard offers the entry module and the SQL API.  The guard's
 *	  own modules share guard_int.h.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_GUARD_H
#define READONLY_GUARD_GUARD_H

#include "readonly_guard.h"

ROG_HIDDEN_BEGIN

/* classify.c: GUC readonly_guard.allow_maintenance */
extern bool rog_allow_maintenance;

/* guard.c */
extern void rog_install_hooks(void);

/* xact.c */
extern bool rog_mode_in_force(void);
extern void rog_setting_assigned(void);
extern void rog_xact_read_only_after_enable(void);
extern void rog_refuse_if_transaction_wrote(void);

/* report.c */
extern const char *rog_source_name(void);

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_GUARD_H */
