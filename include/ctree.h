/* ctree — the top-down call tree.
 *
 * Node 0 is the root (no frame); every other node is one frame under its
 * parent.  Each node counts the samples whose stack passes through it (total)
 * and those that end in it (self), both as sample counts and as weight (the
 * sample period: nanoseconds for cpu-clock, cycles for cycles), and, when
 * counters are charged, per-counter totals and self values.  Ids are
 * indices, stable for the life of the tree, so views can key state on them. */
#ifndef FLAMETOP_CTREE_H
#define FLAMETOP_CTREE_H

#include <stddef.h>
#include <stdint.h>

#define CTREE_ROOT    0u
#define CTREE_NONE    UINT32_MAX
#define CTREE_MAX_CTR 8 /* counters a node can carry */

struct ctree_node {
	uint32_t frame;  /* frametab id; CTREE_NONE for the root */
	uint32_t parent; /* CTREE_NONE for the root */
	uint32_t first_child, next_sibling;
	uint32_t depth;
	uint64_t samples, self_samples;
	uint64_t weight, self_weight;
};

struct ctree;

struct ctree *ctree_new(void);
void ctree_free(struct ctree *t);

/* Adds one sample whose stack is FRAMES[0..N) root first.
 * Returns the leaf node id, or CTREE_NONE on ENOMEM (the sample is then not
 * counted anywhere, so totals stay consistent). */
uint32_t ctree_add_stack(struct ctree *t, const uint32_t *frames, size_t n, uint64_t weight);
/* The same for SAMPLES samples of total WEIGHT at once (derived trees). */
uint32_t ctree_add_stack_n(struct ctree *t, const uint32_t *frames, size_t n, uint64_t samples,
			   uint64_t weight);
/* A deep copy (a frozen view of a live tree); NULL on ENOMEM. */
struct ctree *ctree_clone(const struct ctree *t);
/* Takes EARLIER, a clone of T made before (nodes are only ever appended,
 * so ids match), away from T: what T gained since. */
void ctree_subtract(struct ctree *t, const struct ctree *earlier);

/* Adds every sample of SRC (each node's self samples and weight, along its
 * path) into DST, whose frames are the same table's. Returns 0 or -ENOMEM. */
int ctree_add_tree(struct ctree *dst, const struct ctree *src);

/* Gives every node NCTR counters (0 to CTREE_MAX_CTR); call before adding.
 * Returns 0 or -EINVAL / -ENOMEM. */
int ctree_set_counters(struct ctree *t, size_t nctr);
size_t ctree_ncounters(const struct ctree *t);
/* Adds CTR[0..nctr) to LEAF's self values and to the totals of LEAF and
 * every node above it. */
void ctree_charge(struct ctree *t, uint32_t leaf, const uint64_t *ctr);
/* A node's counter totals / self values (NULL when the tree has none). */
const uint64_t *ctree_ctr_total(const struct ctree *t, uint32_t id);
const uint64_t *ctree_ctr_self(const struct ctree *t, uint32_t id);

const struct ctree_node *ctree_node(const struct ctree *t, uint32_t id);
size_t ctree_len(const struct ctree *t);
/* Child of PARENT with FRAME, or CTREE_NONE. */
uint32_t ctree_child(const struct ctree *t, uint32_t parent, uint32_t frame);

/* qsort_r comparator over node ids of TREE: heaviest first, then by frame. */
int ctree_cmp_heavier(const void *a, const void *b, void *tree);

/* Pre-order walk; FN returns non-zero to skip the node's children. */
typedef int (*ctree_visit_fn)(const struct ctree *t, uint32_t id, void *arg);
void ctree_walk(const struct ctree *t, uint32_t from, ctree_visit_fn fn, void *arg);

/* Frames from the root down to ID (excluding the root) into OUT, root first.
 * Returns the depth; writes at most MAX. */
size_t ctree_path(const struct ctree *t, uint32_t id, uint32_t *out, size_t max);

#endif
