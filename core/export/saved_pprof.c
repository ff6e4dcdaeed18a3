/* saved_pprof — a pprof profile (gzip'd profile.proto, as go tool pprof,
 * flametop --pprof and many profilers write it) read back as a profile:
 * each sample's locations, their lines (inlined functions first, then the
 * function they were inlined into), the first value as the sample count and
 * the default (or last) value as the weight. */
#include "saved.h"

#include "grow.h"
#include "u64map.h"
#include "profile.pb-c.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__Location Location;

/* Memory grows at most linearly with the file: a profile may inflate to
 * PPROF_INFLATE_RATIO times its size (64 MiB whatever its size), never past
 * 1 GiB — real profiles compress 3-10 times, a gzip bomb 1000; and the
 * messages it holds, each unpacked into a structure of ~100 bytes, are at
 * most PPROF_MSG_FLOOR plus one per PPROF_BYTES_PER_MSG bytes (a sample
 * with a location and a value takes 8 or more; an empty one, 2). */
#define PPROF_MAX_RAW       (1u << 30)
#define PPROF_RAW_FLOOR     (64u << 20)
#define PPROF_INFLATE_RATIO 64
#define PPROF_MSG_FLOOR     1000000
#define PPROF_BYTES_PER_MSG 5

static size_t raw_cap(size_t n)
{
	size_t cap =
	    n > PPROF_MAX_RAW / PPROF_INFLATE_RATIO ? PPROF_MAX_RAW : n * PPROF_INFLATE_RATIO;

	return cap < PPROF_RAW_FLOOR ? PPROF_RAW_FLOOR : cap;
}

/* The top-level messages of the raw profile (samples, locations, functions,
 * mappings, strings...): counted by walking its fields, nothing built.
 * Returns the count, or (size_t)-1 for bytes that are not protobuf. */
static size_t count_messages(const uint8_t *b, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		uint64_t key = 0, v = 0;
		int shift = 0;

		do { /* the field's key, a varint */
			if (i >= n || shift > 63)
				return (size_t)-1;
			key |= (uint64_t)(b[i] & 0x7f) << shift;
			shift += 7;
		} while (b[i++] & 0x80);
		switch (key & 7) {
		case 0: /* varint */
			while (i < n && (b[i] & 0x80))
				i++;
			i++;
			break;
		case 1:
			i += 8;
			break;
		case 5:
			i += 4;
			break;
		case 2: /* length-delimited: a message, a string, packed numbers */
			shift = 0;
			do {
				if (i >= n || shift > 63)
					return (size_t)-1;
				v |= (uint64_t)(b[i] & 0x7f) << shift;
				shift += 7;
			} while (b[i++] & 0x80);
			if (v > n - i)
				return (size_t)-1;
			i += (size_t)v;
			count++;
			break;
		default:
			return (size_t)-1;
		}
	}
	return i == n ? count : (size_t)-1;
}

/* BUF[0..N) inflated when gzip'd, else as it is (an uncompressed .pb); NULL
 * with *TOO_BIG set when it would inflate past raw_cap(N). */
static uint8_t *inflate_all(const uint8_t *buf, size_t n, size_t *out_len, int *too_big)
{
	z_stream z;
	uint8_t *out = NULL;
	size_t cap = 0, len = 0;
	int zr = Z_OK;

	if (n < 2 || buf[0] != 0x1f || buf[1] != 0x8b) {
		out = malloc(n ? n : 1);
		if (out)
			memcpy(out, buf, n);
		*out_len = n;
		return out;
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return NULL;
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)n;
	*too_big = 0;
	while (zr != Z_STREAM_END) {
		if (len == cap && cap >= raw_cap(n)) {
			*too_big = 1;
			break;
		}
		if (len == cap && grow_array(&out, &cap, cap ? cap * 2 : n * 4 + 4096, 1))
			break;
		z.next_out = out + len;
		z.avail_out = (uInt)(cap - len);
		zr = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		if (zr != Z_OK && zr != Z_STREAM_END)
			break;
	}
	inflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	*out_len = len;
	return out;
}

static const char *str_at(const Profile *pb, int64_t i)
{
	return i >= 0 && (size_t)i < pb->n_string_table && pb->string_table[i] ? pb->string_table[i]
									       : "";
}

/* Ids of locations, functions and mappings → their index: a hostile file
 * with ids out of order costs a hash lookup, not a scan, per reference. */
struct ids {
	struct u64map loc, fn, map;
};

static int index_ids(const Profile *pb, struct ids *x)
{
	u64map_init(&x->loc);
	u64map_init(&x->fn);
	u64map_init(&x->map);
	for (size_t i = 0; i < pb->n_location; i++)
		if (i >= U64MAP_NONE || u64map_put(&x->loc, pb->location[i]->id, (uint32_t)i))
			return -ENOMEM;
	for (size_t i = 0; i < pb->n_function; i++)
		if (i >= U64MAP_NONE || u64map_put(&x->fn, pb->function[i]->id, (uint32_t)i))
			return -ENOMEM;
	for (size_t i = 0; i < pb->n_mapping; i++)
		if (i >= U64MAP_NONE || u64map_put(&x->map, pb->mapping[i]->id, (uint32_t)i))
			return -ENOMEM;
	return 0;
}

static void free_ids(struct ids *x)
{
	u64map_clear(&x->loc);
	u64map_clear(&x->fn);
	u64map_clear(&x->map);
}

static const Location *location(const Profile *pb, const struct ids *x, uint64_t id)
{
	uint32_t i = u64map_get(&x->loc, id);

	return i == U64MAP_NONE ? NULL : pb->location[i];
}

static const char *function_name(const Profile *pb, const struct ids *x, uint64_t id)
{
	uint32_t i = u64map_get(&x->fn, id);

	return i == U64MAP_NONE ? "" : str_at(pb, pb->function[i]->name);
}

static const char *module_of(const Profile *pb, const struct ids *x, const Location *l)
{
	uint32_t i = u64map_get(&x->map, l->mapping_id);
	const char *slash, *file = i == U64MAP_NONE ? "" : str_at(pb, pb->mapping[i]->filename);

	slash = strrchr(file, '/');
	return slash ? slash + 1 : file[0] ? file : "[unknown]";
}

/* One location's frames, leaf first, into FRAMES from *N on. */
static int location_frames(struct frametab *ft, const Profile *pb, const struct ids *x,
			   const Location *l, uint32_t **frames, size_t *cap, size_t *n)
{
	const char *module = module_of(pb, x, l);
	char buf[64];

	if (!l->n_line) { /* an address only */
		if (*n >= SAVED_MAX_FRAMES)
			return 1;
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)l->address);
		if (grow_array(frames, cap, *n + 1, sizeof(**frames)))
			return -ENOMEM;
		(*frames)[(*n)++] = frametab_intern(ft, buf, module, NULL, 0, FRAME_USER);
		return 0;
	}
	for (size_t k = 0; k < l->n_line; k++) {
		const char *name = function_name(pb, x, l->line[k]->function_id);
		int inl = k + 1 < l->n_line; /* all but the last were inlined into it */
		int kernel = !strcmp(module, "[kernel.kallsyms]") || !strncmp(module, "[kernel", 7);

		if (*n >= SAVED_MAX_FRAMES)
			return 1; /* deeper than a stack is kept: its outermost frames go */
		if (grow_array(frames, cap, *n + 1, sizeof(**frames)))
			return -ENOMEM;
		(*frames)[(*n)++] =
		    inl ? frametab_intern_inline(ft, name[0] ? name : "[unknown]", module, NULL, 0,
						 FRAME_USER)
			: frametab_intern(ft, name[0] ? name : "[unknown]", module, NULL, 0,
					  kernel ? FRAME_KERNEL : FRAME_USER);
	}
	return 0;
}

static int add_samples(struct saved_report *s, const Profile *pb, char *err, size_t len)
{
	size_t wi = pb->n_sample_type ? pb->n_sample_type - 1 : 0, cap = 0;
	uint32_t *leaf_first = NULL, *root_first = NULL;
	struct ids x;
	int e = index_ids(pb, &x);

	for (size_t i = 0; i < pb->n_sample_type; i++)
		if (pb->default_sample_type && pb->sample_type[i]->type == pb->default_sample_type)
			wi = i;
	for (size_t i = 0; i < pb->n_sample && !e; i++) {
		const Perftools__Profiles__Sample *smp = pb->sample[i];
		size_t n = 0;
		int cut = 0;
		int64_t count = smp->n_value ? smp->value[0] : 1,
			weight = smp->n_value > wi ? smp->value[wi] : count;

		if (count <= 0)
			continue;
		for (size_t k = 0; k < smp->n_location_id && !e; k++) {
			const Location *l = location(pb, &x, smp->location_id[k]);

			if (!l) {
				snprintf(err, len,
					 "'%s': sample %zu names location %llu, which is "
					 "not in the profile",
					 s->path, i, (unsigned long long)smp->location_id[k]);
				e = -EINVAL;
			} else {
				e = location_frames(s->profile->frames, pb, &x, l, &leaf_first,
						    &cap, &n);
				if (e > 0) { /* the rest are outer still */
					cut = 1;
					e = 0;
					break;
				}
			}
		}
		s->truncated += cut;
		if (e || !n)
			continue;
		if (!(root_first = realloc(root_first, n * sizeof(*root_first)))) {
			e = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < n; k++)
			root_first[k] = leaf_first[n - 1 - k];
		profile_add_n(s->profile, 1, 1, root_first, n, (uint64_t)count,
			      weight > 0 ? (uint64_t)weight : (uint64_t)count,
			      frametab_get(s->profile->frames, leaf_first[0])->kind ==
				  FRAME_KERNEL);
	}
	free(leaf_first);
	free(root_first);
	free_ids(&x);
	if (e == -ENOMEM)
		snprintf(err, len, "out of memory");
	return e;
}

int saved_load_pprof(const char *text, size_t n, const char *path, struct saved_report *s,
		     char *err, size_t len)
{
	size_t raw_len = 0, msgs;
	int too_big = 0;
	uint8_t *raw = inflate_all((const uint8_t *)text, n, &raw_len, &too_big);
	Profile *pb;
	int e;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (!raw && too_big) {
		snprintf(err, len,
			 "'%s': inflates past %zu MiB (%d times its %zu bytes, or 64 MiB): more "
			 "than a profile holds",
			 path, raw_cap(n) >> 20, PPROF_INFLATE_RATIO, n);
		return -EFBIG;
	}
	if (!raw) {
		snprintf(err, len, "'%s': not a gzip'd pprof profile (inflating failed)", path);
		return -EINVAL;
	}
	msgs = count_messages(raw, raw_len);
	if (msgs != (size_t)-1 && msgs > PPROF_MSG_FLOOR + raw_len / PPROF_BYTES_PER_MSG) {
		snprintf(err, len,
			 "'%s': %zu messages in %zu bytes: more than flametop reads (at most "
			 "%d plus one per %d bytes)",
			 path, msgs, raw_len, PPROF_MSG_FLOOR, PPROF_BYTES_PER_MSG);
		free(raw);
		return -EFBIG;
	}
	pb = perftools__profiles__profile__unpack(NULL, raw_len, raw);
	free(raw);
	if (!pb) {
		snprintf(err, len, "'%s': not a pprof profile (profile.proto did not decode)",
			 path);
		return -EINVAL;
	}
	if (!(s->profile = profile_new())) {
		perftools__profiles__profile__free_unpacked(pb, NULL);
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	e = add_samples(s, pb, err, len);
	if (!e && !s->profile->samples) {
		snprintf(err, len, "'%s': no samples in it", path);
		e = -EINVAL;
	}
	if (!e) {
		s->pprof = 1;
		snprintf(s->report.command, sizeof(s->report.command), "%s", path);
		snprintf(s->report.event, sizeof(s->report.event), "%s",
			 pb->n_sample_type
			     ? str_at(pb, pb->sample_type[pb->n_sample_type - 1]->type)
			     : "samples");
		snprintf(s->report.call_graph, sizeof(s->report.call_graph), "pprof");
		s->report.weight_ns =
		    pb->n_sample_type &&
		    !strcmp(str_at(pb, pb->sample_type[pb->n_sample_type - 1]->unit),
			    "nanoseconds");
		profile_thread_comm(s->profile, 1, 1, "pprof");
		s->report.duration_s = (double)pb->duration_nanos / 1e9;
		s->report.exited = 1;
		s->report.state = "exited";
		s->report.profile = s->profile;
		s->report.prune_pct = REPORT_PRUNE_PCT;
		s->report.saved = s;
	}
	perftools__profiles__profile__free_unpacked(pb, NULL);
	if (e)
		saved_free(s);
	return e;
}
