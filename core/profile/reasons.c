/* reasons — the off-CPU reasons' names (reasons.h). */
#include "reasons.h"

#include <stdio.h>

const char *blocking_name(enum block_reason r)
{
	static const char *const names[] = {
		[BLOCK_NONE] = "other",       [BLOCK_LOCK] = "lock",
		[BLOCK_SLEEP] = "sleep",      [BLOCK_FILE] = "file I/O",
		[BLOCK_NET] = "network I/O",  [BLOCK_POLL] = "poll/epoll",
		[BLOCK_PIPE] = "pipe/tty",    [BLOCK_CHILD] = "child wait",
		[BLOCK_FAULT] = "page fault", [BLOCK_PREEMPT] = "preempted",
	};
	return names[r];
}

void blocking_frame_name(enum block_reason r, char *buf, size_t len)
{
	snprintf(buf, len, "[blocked: %s]", blocking_name(r));
}

const char *blocking_key(enum block_reason r)
{
	static const char *const keys[] = {
		[BLOCK_NONE] = "other",        [BLOCK_LOCK] = "lock",   [BLOCK_SLEEP] = "sleep",
		[BLOCK_FILE] = "file",         [BLOCK_NET] = "network", [BLOCK_POLL] = "poll",
		[BLOCK_PIPE] = "pipe",         [BLOCK_CHILD] = "child", [BLOCK_FAULT] = "fault",
		[BLOCK_PREEMPT] = "preempted",
	};
	return keys[r];
}
