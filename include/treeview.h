/* treeview — foldable call-tree rows and the list keys: what the call-tree
 * view and the hotspots' callers view share, and the sorted children every
 * tree view draws from.  Fold state is keyed by a hash of the frame path,
 * so it survives trees rebuilt for a filter or a refresh. */
#ifndef FLAMETOP_TREEVIEW_H
#define FLAMETOP_TREEVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "ctree.h"
#include "frametab.h"
#include "pview.h"
#include "surface.h"
#include "u64map.h"

struct key;

/* Children of every node, heaviest first: built once per refresh, so that
 * drawing never sorts. Nodes added since have no children here yet. */
struct kids {
	uint32_t *off; /* n + 1 offsets into list */
	uint32_t *list;
	size_t n;
};

int kids_build(struct kids *k, const struct ctree *t);
void kids_free(struct kids *k);
const uint32_t *kids_of(const struct kids *k, uint32_t node, size_t *n);

/* A row of a tree view (call tree, or a function's callers). */
struct tree_row {
	uint32_t node;
	uint32_t depth;
	uint64_t key; /* path hash: fold state survives rebuilt trees */
	int has_children, open;
};

struct tree_state {
	struct u64map fold; /* path hash → 1 open, 2 closed */
	struct tree_row *rows;
	size_t nrows, cap;
	size_t sel, top;
};

void tree_state_fini(struct tree_state *ts);
void tree_state_reset(struct tree_state *ts);

#define TREE_MAX_CTR 3 /* counter columns at most */

/* What a tree view shows, and all it draws from. */
struct tree_src {
	const struct pview *pv; /* its tree and shares */
	const struct kids *kids;
	uint32_t reveal; /* a node whose ancestors are opened, or CTREE_NONE */
	int callers;     /* rows are callers: no self column */
	const struct frametab *frames;
	const uint8_t *match; /* per frame id: a search matched it (NULL: no search) */
	size_t nmatch;
	/* Counter columns: each node's counter CTR[i], headed LABEL[i]. */
	size_t nctr;
	int ctr[TREE_MAX_CTR];
	const char *label[TREE_MAX_CTR];
	/* Against a baseline: NODE's total share there, returning 0, or
	 * non-zero where the baseline lacks it (NULL: no baseline column). */
	int (*base_pct)(void *arg, uint32_t node, double *pct);
	void *base_arg;
};
void tree_flatten(struct tree_state *ts, const struct tree_src *src);
void tree_draw(struct tree_state *ts, const struct tree_src *src, struct surface *s, struct rect r);
/* Moves, opens and closes; returns 1 when the key was used. */
int tree_key(struct tree_state *ts, const struct key *k, int page);

/* Moves the selection *SEL among N rows for the list keys (Up/k, Down/j,
 * PgUp, PgDn, Home, End, and the wheel by WHEEL rows). Returns 1 when K was
 * one of them. */
int list_move(size_t *sel, size_t n, const struct key *k, size_t page, size_t wheel);
/* Keeps *SEL within N rows and *TOP so that *SEL shows in ROWS rows. */
void list_scroll(size_t *sel, size_t *top, size_t n, size_t rows);

#endif
