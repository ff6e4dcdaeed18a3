/* jitmap — perf map files: ownership check, incremental parse, lookup. */
#include "jitmap.h"

#include "grow.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECHECK_NS 100000000ull

void jitmap_init(struct jitmap *m, pid_t pid, uid_t owner)
{
	memset(m, 0, sizeof(*m));
	m->pid = pid;
	m->owner = owner;
	m->max_entries = JITMAP_MAX_ENTRIES;
	m->max_bytes = JITMAP_MAX_BYTES;
}

void jitmap_fini(struct jitmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static int cmp_sym(const void *a, const void *b)
{
	const struct jit_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* "7f12a000 1c0 LazyCompile:*hot /app/x.js:3" */
static int parse_line(char *line, struct jit_sym *out)
{
	char *end, *name;
	uint64_t start = strtoull(line, &end, 16), size;

	if (end == line || *end != ' ')
		return -EINVAL;
	size = strtoull(end + 1, &name, 16);
	if (name == end + 1 || *name != ' ' || !size || start + size < start)
		return -EINVAL;
	name++;
	name[strcspn(name, "\n")] = 0;
	if (!*name)
		return -EINVAL;
	out->start = start;
	out->end = start + size;
	out->name = strdup(name);
	return out->name ? 0 : -ENOMEM;
}

/* Past a line longer than the buffer: 1 when its end was found (the
 * offset then after it), 0 when the file ends first (still being written). */
static int skip_line(struct jitmap *m, FILE *f)
{
	int c;

	while ((c = getc(f)) != EOF)
		if (c == '\n') {
			m->offset = ftell(f);
			m->dropped++;
			return 1;
		}
	return 0;
}

long jitmap_parse(struct jitmap *m, FILE *f)
{
	char line[JITMAP_MAX_LINE];
	long added = 0, start = m->offset;

	/* A map grown without end costs a bounded read per look, and bounded
	 * memory in all: past the bounds its lines are counted, not kept. */
	while (m->offset - start < (long)JITMAP_READ_BYTES && fgets(line, sizeof(line), f)) {
		struct jit_sym s;

		if (!strchr(line, '\n')) {
			if (strlen(line) == sizeof(line) - 1 && skip_line(m, f))
				continue; /* too long for a name: skipped, counted */
			break;            /* a line still being written: read it next time */
		}
		m->offset = ftell(f);
		if (m->n >= m->max_entries || m->name_bytes >= m->max_bytes) {
			m->dropped++;
			continue;
		}
		if (parse_line(line, &s))
			continue;
		if (grow_array(&m->v, &m->cap, m->n + 1, sizeof(*m->v))) {
			free(s.name);
			break;
		}
		m->name_bytes += strlen(s.name) + 1;
		s.seq = ++m->seq;
		m->v[m->n++] = s;
		added++;
	}
	if (added)
		qsort(m->v, m->n, sizeof(*m->v), cmp_sym);
	return added;
}

const struct jit_sym *jitmap_find(const struct jitmap *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;
	const struct jit_sym *best = NULL;

	/* The last entry starting at or below ADDR, then back over earlier ones:
	 * among those covering ADDR the newest line wins. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, k = 0; i-- > 0 && k < 64; k++)
		if (addr < m->v[i].end && (!best || m->v[i].seq > best->seq))
			best = &m->v[i];
	return best;
}

/* Opens the map if it is a regular file owned by the target's user or root. */
static FILE *open_owned(struct jitmap *m)
{
	char path[64];
	struct stat st;
	int fd;

	/* The runtime writes /tmp/perf-PID.map as it sees itself: in a
	 * container, its own /tmp and its namespace's pid, which perf too looks
	 * for under /proc/PID/root. Anyone can plant this name in /tmp: a FIFO,
	 * a device or a symlink is refused without blocking, and so is a file
	 * of another user's. */
	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", (int)m->pid,
		 (int)(m->ns_pid > 0 ? m->ns_pid : m->pid));
	fd = safefile_open(path, SAFEFILE_NOFOLLOW, 0, &st);
	if (fd == -ENOENT || fd == -EACCES) {
		/* The process is gone (or its root is not ours to read). */
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)m->pid);
		fd = safefile_open(path, SAFEFILE_NOFOLLOW, 0, &st);
	}
	if (fd == -ENOENT)
		return NULL;
	if (fd < 0 || (st.st_uid != m->owner && st.st_uid != 0)) {
		m->refused = 1;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (st.st_size <= m->offset) {
		close(fd);
		return NULL;
	}
	return fdopen(fd, "r");
}

const char *jitmap_lookup(struct jitmap *m, uint64_t addr, uint64_t now_ns)
{
	const struct jit_sym *s = jitmap_find(m, addr);
	FILE *f;

	if (s || m->refused || now_ns - m->checked_ns < RECHECK_NS)
		return s ? s->name : NULL;
	m->checked_ns = now_ns;
	f = open_owned(m);
	if (!f)
		return NULL;
	if (fseek(f, m->offset, SEEK_SET) == 0)
		jitmap_parse(m, f);
	fclose(f);
	s = jitmap_find(m, addr);
	return s ? s->name : NULL;
}
