/* file: opening the files a user names. Inputs that must be regular files are checked before they
 * are opened (opening a FIFO that nobody writes would block forever). Outputs: the one way halo
 * writes a file that a user names (-o, --csv, --trace, --out, --dump, a
 * fit written in place). A regular file, or a name that does not exist yet, is written atomically:
 * a temporary file in the same folder, renamed over the name once everything was written, so a
 * failed write leaves the old file as it was. A symbolic link is followed: its target is written
 * and the link kept. Anything else but a folder (a character or block device, a FIFO with a
 * reader, a terminal) is written through in place and never renamed over; a FIFO that nobody
 * reads is refused rather than waited on. Every write is checked: the close reports any failure. */
#ifndef HALO_FILE_H
#define HALO_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "core/status.h"

/* Opens path for reading when it is a regular file: "PATH: cannot open: ...", "PATH: is a
 * directory", "PATH: not a regular file" (HALO_ERR_IO) otherwise; *size its size in bytes. */
enum halo_status halo_file_open_regular(const char *path, FILE **out, long long *size);
/* The check alone, for readers that open the file their own way (mmap): the same errors. */
enum halo_status halo_file_check_regular(const char *path);

struct halo_outfile;

/* Opens path for writing. Errors (HALO_ERR_IO): "PATH: is a directory", "PATH: cannot write: ...". */
enum halo_status halo_outfile_open(const char *path, struct halo_outfile **out);
/* The stream to write to; valid until close or discard. */
FILE *halo_outfile_stream(struct halo_outfile *o);
/* Flushes, checks every write, renames the temporary file over the name (regular files); frees o.
 * HALO_ERR_IO "PATH: cannot write: REASON" when anything failed (the old file is then untouched). */
enum halo_status halo_outfile_close(struct halo_outfile *o);
/* Abandons the file: the temporary file is removed and the name left as it was; frees o (NULL ok). */
void halo_outfile_discard(struct halo_outfile *o);

/* Writes len bytes to path through an outfile. */
enum halo_status halo_outfile_write(const char *path, const void *data, size_t len);

/* Flushes stdout and reports whether everything written to it arrived: HALO_ERR_IO
 * "stdout: cannot write: REASON" otherwise (a full disk, a closed pipe). */
enum halo_status halo_outfile_check_stdout(void);

#endif
