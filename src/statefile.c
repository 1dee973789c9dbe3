/*-------------------------------------------------------------------------
 *
 * statefile.c
 *	  The state file: its format, its durable write, its reading.
 *
 * Every change of the cluster state is first written to ROG_STATE_FILE in
 * the data directory (write to a temporary file, fsync, durable_rename) and
 * only then published in shared memory (state.c), so memory and disk never
 * disagree and the mode survives a clean restart as well as a crash
 * restart.  The file is written whole and checked by CRC; files of older
 * versions are read and written back in the current one.  This module
 * knows nothing of shared memory.
 *
 * Copyright (c) 2026, readonly_guard developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "storage/fd.h"

#include "statefile.h"

#define ROG_STATE_TMPFILE	ROG_STATE_FILE ".tmp"

/* version 2, written by readonly_guard 1.1 */
typedef struct RogStateFileV2
{
	ROG_STATE_FILE_FIELDS
	TimestampTz expires_at;
	pg_crc32c	crc;
} RogStateFileV2;

/* version 1, written by readonly_guard 1.0 */
typedef struct RogStateFileV1
{
	ROG_STATE_FILE_FIELDS
	pg_crc32c	crc;
} RogStateFileV1;

static pg_crc32c
rog_crc(const void *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return crc;
}

static pg_crc32c
rog_state_file_crc(const RogStateFile *file)
{
	return rog_crc(file, offsetof(RogStateFile, crc));
}

/*
 * Write the state file durably.  Raises an ERROR (and leaves the previous
 * file in place) if anything fails, e.g. a full disk.
 */
void
rog_write_state_file(RogStateFile *file, const char *failure_detail)
{
	int			fd;

	file->crc = rog_state_file_crc(file);

	fd = OpenTransientFile(ROG_STATE_TMPFILE, O_WRONLY | O_CREAT | O_TRUNC | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", ROG_STATE_TMPFILE)));

	errno = 0;
	if (write(fd, file, sizeof(RogStateFile)) != sizeof(RogStateFile))
	{
		int			save_errno = errno;

		CloseTransientFile(fd);
		unlink(ROG_STATE_TMPFILE);
		errno = save_errno ? save_errno : ENOSPC;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write file \"%s\": %m", ROG_STATE_TMPFILE),
				 errdetail("%s", failure_detail)));
	}

	if (pg_fsync(fd) != 0)
	{
		int			save_errno = errno;

		CloseTransientFile(fd);
		unlink(ROG_STATE_TMPFILE);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", ROG_STATE_TMPFILE),
				 errdetail("%s", failure_detail)));
	}

	if (CloseTransientFile(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not close file \"%s\": %m", ROG_STATE_TMPFILE)));

	(void) durable_rename(ROG_STATE_TMPFILE, ROG_STATE_FILE, ERROR);
}

/*
 * Decode the len bytes of a state file, of any version, into *file.
 * Returns NULL, or what is wrong with it.
 */
static const char *
rog_decode_state_file(const char *buf, size_t len, RogStateFile *file)
{
	RogStateFileV1 v1;
	RogStateFileV2 v2;

	memset(file, 0, sizeof(RogStateFile));
	if (len < offsetof(RogStateFileV1, enabled))
		return "it has the wrong size";
	memcpy(file, buf, offsetof(RogStateFileV1, enabled));
	if (file->magic != ROG_STATE_MAGIC)
		return "it has an unknown format";
	if (file->version == 1)
	{
		if (len != sizeof(RogStateFileV1))
			return "it has the wrong size";
		memcpy(&v1, buf, sizeof(v1));
		if (!EQ_CRC32C(v1.crc, rog_crc(&v1, offsetof(RogStateFileV1, crc))))
			return "its checksum does not match";
		memcpy(file, &v1, offsetof(RogStateFileV1, crc));
		file->expires_at = 0;
	}
	else if (file->version == 2)
	{
		if (len != sizeof(RogStateFileV2))
			return "it has the wrong size";
		memcpy(&v2, buf, sizeof(v2));
		if (!EQ_CRC32C(v2.crc, rog_crc(&v2, offsetof(RogStateFileV2, crc))))
			return "its checksum does not match";
		memcpy(file, &v2, offsetof(RogStateFileV2, crc));
	}
	else if (file->version == ROG_STATE_VERSION)
	{
		if (len != sizeof(RogStateFile))
			return "it has the wrong size";
		memcpy(file, buf, sizeof(RogStateFile));
		if (!EQ_CRC32C(file->crc, rog_state_file_crc(file)))
			return "its checksum does not match";
	}
	else
		return "it has an unknown format";
	if (file->reason_len < -1 || file->reason_len > ROG_REASON_MAXLEN)
		return "it holds an invalid reason length";
	return NULL;
}

/*
 * Load the state file into *file.  Returns false if there is none; true if
 * there is one, with *problem NULL if it can be trusted, or saying what is
 * wrong with it (the caller decides what a damaged file means).
 */
bool
rog_read_state_file(RogStateFile *file, const char **problem)
{
	FILE	   *fp;
	size_t		nread;
	char		buf[sizeof(RogStateFile) + 1];

	*problem = NULL;
	fp = AllocateFile(ROG_STATE_FILE, PG_BINARY_R);
	if (fp == NULL)
	{
		if (errno == ENOENT)
			return false;
		*problem = "it could not be opened";
		return true;
	}
	nread = fread(buf, 1, sizeof(buf), fp);
	*problem = rog_decode_state_file(buf, nread, file);
	FreeFile(fp);
	if (*problem == NULL)
	{
		file->reason[Max(file->reason_len, 0)] = '\0';
		file->enabled_by.data[NAMEDATALEN - 1] = '\0';
	}
	return true;
}
