/*-------------------------------------------------------------------------
 *
 * statefile.h
 *	  The state file ROG_STATE_FILE in the data directory (statefile.c).
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef READONLY_GUARD_STATEFILE_H
#define READONLY_GUARD_STATEFILE_H

#include "access/xlogdefs.h"
#include "datatype/timestamp.h"
#include "port/pg_crc32c.h"

#include "readonly_guard.h"

#define ROG_STATE_FILE		"readonly_guard.state"
#define ROG_STATE_MAGIC		0x524F4731	/* "ROG1" */
#define ROG_STATE_VERSION	3		/* 3 added timelines, 2 expires_at; older
									 * versions are still read */

/*
 * Fields common to every version of the state file, in this order at its
 * start.
 */
#define ROG_STATE_FILE_FIELDS \
	uint32		magic; \
	uint32		version; \
	int32		enabled; \
	int32		reason_encoding; \
	TimestampTz enabled_at; \
	XLogRecPtr	lsn; \
	NameData	enabled_by; \
	int32		reason_len; \
	char		reason[ROG_REASON_MAXLEN + 1];

/* On-disk image of the state; written whole, checked by CRC. */
typedef struct RogStateFile
{
	ROG_STATE_FILE_FIELDS
	TimestampTz expires_at;		/* 0: the mode does not expire */
	/* added in version 3; 0 is "unknown" (see rog_load_enabled_state()) */
	TimeLineID	tli;			/* timeline the flag belongs to */
	TimeLineID	set_tli;		/* timeline rog_enable() ran on */
	TimeLineID	lsn_tli;		/* timeline of lsn */
	int32		armed_in_recovery;	/* rog_enable() ran on a standby */
	pg_crc32c	crc;
} RogStateFile;

ROG_HIDDEN_BEGIN

extern void rog_write_state_file(RogStateFile *file, const char *failure_detail);
extern bool rog_read_state_file(RogStateFile *file, const char **problem);

ROG_HIDDEN_END

#endif							/* READONLY_GUARD_STATEFILE_H */
