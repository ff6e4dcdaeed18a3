/* cmdlog — where a command launched under the live screen writes.
 *
 * The screen owns the terminal, so the command's stdout and stderr go to a
 * pipe whose other end a thread copies into a file of flametop's own in
 * $TMPDIR (0600, an unpredictable name). The file keeps the output's last
 * CMDLOG_KEEP_MB MiB, trimmed back to that whenever it reaches twice as
 * much: a command that prints without end (`yes`) fills no disk. It is removed when the screen
 * closes unless the user asked to keep it (--keep-output). The pipe is as fast as the copy: a
 * command printing flat out is slowed to the disk's pace, as a terminal would slow it. */
#ifndef FLAMETOP_CMDLOG_H
#define FLAMETOP_CMDLOG_H

#include <stddef.h>
#include <stdint.h>

#define CMDLOG_KEEP_MB 8

struct cmdlog;

/* Makes the file and the pipe and starts the copy, keeping at most
 * KEEP_BYTES. The command's end of the pipe goes to *CHILD_FD (close it
 * once the command has it); the file's path to PATH. NULL with the reason
 * in ERR. */
struct cmdlog *cmdlog_open(uint64_t keep_bytes, int *child_fd, char *path, size_t pathlen,
			   char *err, size_t errlen);
/* Bytes the command wrote, and those dropped from the front to keep the
 * bound. */
void cmdlog_counts(struct cmdlog *l, uint64_t *written, uint64_t *dropped);
/* Ends the copy (what the pipe holds now is copied first) and removes the
 * file unless KEEP. Accepts NULL. */
void cmdlog_close(struct cmdlog *l, int keep);

#endif
