/* Call tree and per-function rollups on synthetic stacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ctree.h"
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t fr(struct profile *p, const char *name)
{
	return frametab_intern(p->frames, name, "mod", NULL, 0, FRAME_USER);
}

static void totals_and_self(void **state)
{
	struct ctree *t = ctree_new();
	uint32_t a[] = { 1, 2, 3 }, b[] = { 1, 2 }, c[] = { 1, 4 };
	uint32_t n1, n2;

	(void)state;
	ctree_add_stack(t, a, 3, 10);
	ctree_add_stack(t, a, 3, 10);
	ctree_add_stack(t, b, 2, 5);
	ctree_add_stack(t, c, 2, 1);
	assert_int_equal(ctree_node(t, CTREE_ROOT)->samples, 4);
	assert_int_equal(ctree_node(t, CTREE_ROOT)->weight, 26);
	n1 = ctree_child(t, CTREE_ROOT, 1);
	n2 = ctree_child(t, n1, 2);
	assert_int_equal(ctree_node(t, n1)->samples, 4);
	assert_int_equal(ctree_node(t, n1)->self_samples, 0);
	assert_int_equal(ctree_node(t, n2)->samples, 3);
	assert_int_equal(ctree_node(t, n2)->weight, 25);
	assert_int_equal(ctree_node(t, n2)->self_weight, 5);
	assert_int_equal(ctree_node(t, ctree_child(t, n2, 3))->self_samples, 2);
	assert_int_equal(ctree_node(t, ctree_child(t, n2, 3))->depth, 3);
	assert_int_equal(ctree_child(t, n1, 3), CTREE_NONE);
	ctree_free(t);
}

/* A pinned baseline: the tree later, less a clone taken before, is what
 * came since, node by node; a node added since is whole. */
static void subtract_leaves_what_came_since(void **state)
{
	struct ctree *t = ctree_new(), *pin;
	uint32_t a[] = { 1, 2 }, b[] = { 1, 3 };
	uint32_t n1, n2, n3;

	(void)state;
	ctree_add_stack(t, a, 2, 10);
	ctree_add_stack(t, a, 2, 10);
	pin = ctree_clone(t);
	ctree_add_stack(t, a, 2, 10);
	ctree_add_stack(t, b, 2, 7);
	ctree_subtract(t, pin);
	n1 = ctree_child(t, CTREE_ROOT, 1);
	n2 = ctree_child(t, n1, 2);
	n3 = ctree_child(t, n1, 3);
	assert_int_equal(ctree_node(t, CTREE_ROOT)->samples, 2);
	assert_int_equal(ctree_node(t, CTREE_ROOT)->weight, 17);
	assert_int_equal(ctree_node(t, n2)->samples, 1);
	assert_int_equal(ctree_node(t, n2)->self_weight, 10);
	assert_int_equal(ctree_node(t, n3)->self_weight, 7);
	ctree_free(pin);
	ctree_free(t);
}

/* A profile rebuilt from a tree holds the same stacks, frames interned
 * anew in a table of its own. */
static void profile_from_tree_keeps_stacks(void **state)
{
	struct profile *p = profile_new(), *q;
	uint32_t s1[2], s2[3];

	(void)state;
	s1[0] = fr(p, "main"), s1[1] = fr(p, "work");
	s2[0] = s1[0], s2[1] = fr(p, "helper"), s2[2] = s1[1];
	profile_add_n(p, 1, 1, s1, 2, 3, 30, 0);
	profile_add_n(p, 1, 2, s2, 3, 2, 20, 0);
	q = profile_from_tree(p->tree, p->frames);
	assert_non_null(q);
	assert_int_equal(q->samples, 5);
	assert_int_equal(ctree_node(q->tree, CTREE_ROOT)->weight, 50);
	{
		uint32_t m =
		    ctree_child(q->tree, CTREE_ROOT, frametab_find(q->frames, "main", "mod"));
		uint32_t h = ctree_child(q->tree, m, frametab_find(q->frames, "helper", "mod"));
		uint32_t w = ctree_child(q->tree, h, frametab_find(q->frames, "work", "mod"));

		assert_int_not_equal(w, CTREE_NONE);
		assert_int_equal(ctree_node(q->tree, w)->self_weight, 20);
		assert_int_equal(ctree_node(q->tree, m)->weight, 50);
	}
	profile_free(q);
	profile_free(p);
}

static void path_is_root_first(void **state)
{
	struct ctree *t = ctree_new();
	uint32_t s[] = { 7, 8, 9 }, out[8];
	uint32_t leaf = ctree_add_stack(t, s, 3, 1);

	(void)state;
	assert_int_equal(ctree_path(t, leaf, out, 8), 3);
	assert_memory_equal(out, s, sizeof(s));
	ctree_free(t);
}

static int count_visit(const struct ctree *t, uint32_t id, void *arg)
{
	(void)t;
	(void)id;
	(*(int *)arg)++;
	return 0;
}

static void walk_visits_every_node(void **state)
{
	struct ctree *t = ctree_new();
	uint32_t a[] = { 1, 2, 3 }, b[] = { 1, 5 }, c[] = { 6 };
	int n = 0;

	(void)state;
	ctree_add_stack(t, a, 3, 1);
	ctree_add_stack(t, b, 2, 1);
	ctree_add_stack(t, c, 1, 1);
	ctree_walk(t, CTREE_ROOT, count_visit, &n);
	assert_int_equal(n, (int)ctree_len(t)); /* root + 1,2,3,5,6 */
	assert_int_equal(n, 6);
	ctree_free(t);
}

static void deep_stack_does_not_overflow(void **state)
{
	struct ctree *t = ctree_new();
	uint32_t *s = malloc(1000 * sizeof(*s));
	int n = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		s[i] = (uint32_t)i;
	ctree_add_stack(t, s, 1000, 1);
	ctree_walk(t, CTREE_ROOT, count_visit, &n);
	assert_int_equal(n, 1001);
	free(s);
	ctree_free(t);
}

static const struct hotspot *find(const struct hotspot *h, long n, uint32_t frame)
{
	for (long i = 0; i < n; i++)
		if (h[i].frame == frame)
			return &h[i];
	return NULL;
}

static void hotspots_count_recursion_once(void **state)
{
	struct profile *p = profile_new();
	uint32_t m = fr(p, "main"), r = fr(p, "recurse"), l = fr(p, "leaf");
	uint32_t s1[] = { m, r, r, r, l }, s2[] = { m, r, r }, s3[] = { m, l };
	struct hotspot *hs;
	long n;

	(void)state;
	profile_add(p, 1, 1, s1, 5, 100, 0);
	profile_add(p, 1, 1, s2, 3, 100, 0);
	profile_add(p, 1, 2, s3, 2, 200, 0);
	n = profile_hotspots(p, &hs);
	assert_int_equal(n, 3);
	/* Sorted by self weight: leaf 300, recurse 100, main 0. */
	assert_int_equal(hs[0].frame, l);
	assert_int_equal(hs[0].self_weight, 300);
	assert_int_equal(find(hs, n, r)->total_weight, 200); /* not 500 */
	assert_int_equal(find(hs, n, r)->total_samples, 2);
	assert_int_equal(find(hs, n, r)->self_weight, 100);
	assert_int_equal(find(hs, n, m)->total_weight, 400);
	assert_true(profile_pct(p, find(hs, n, l)->self_weight) == 75.0);
	assert_int_equal(p->nthreads, 2);
	free(hs);
	profile_free(p);
}

static void frametab_interns(void **state)
{
	struct frametab *t = frametab_new();
	uint32_t a = frametab_intern(t, "f", "m1", "x.c", 3, FRAME_USER);
	uint32_t b = frametab_intern(t, "f", "m2", NULL, 0, FRAME_LIBRARY);

	(void)state;
	assert_int_not_equal(a, b);
	assert_int_equal(frametab_intern(t, "f", "m1", NULL, 0, FRAME_USER), a);
	assert_int_equal(frametab_find(t, "f", "m2"), b);
	assert_string_equal(frametab_get(t, a)->file, "x.c");
	for (int i = 0; i < 5000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "fn%d", i);
		frametab_intern(t, name, "m", NULL, 0, FRAME_USER);
	}
	assert_int_equal(frametab_len(t), 5002);
	assert_string_equal(frametab_get(t, frametab_find(t, "fn4321", "m"))->name, "fn4321");
	frametab_free(t);
}

/* -a: the root's children are processes; each hotspot gets the process
 * with most of its self time and how many processes ran it. Frames: 10, 11
 * processes; 1 a shared function (libc), 2 and 3 their own. */
static void hotspot_processes_from_the_root_children(void **state)
{
	struct ctree *t = ctree_new();
	uint32_t a1[] = { 10, 2, 1 }, a2[] = { 10, 2 }, b1[] = { 11, 3, 1 }, b2[] = { 11, 3 };
	struct hotspot *hs;
	long n;

	(void)state;
	for (int i = 0; i < 3; i++)
		ctree_add_stack(t, a1, 3, 1); /* libc in process 10: 3 */
	ctree_add_stack(t, a2, 2, 1);
	for (int i = 0; i < 5; i++)
		ctree_add_stack(t, b1, 3, 1); /* libc in process 11: 5 */
	ctree_add_stack(t, b2, 2, 1);
	n = ctree_hotspots(t, 12, &hs);
	assert_true(n > 0);
	assert_int_equal(ctree_hotspot_processes(t, 12, hs, (size_t)n), 0);
	for (long i = 0; i < n; i++) {
		if (hs[i].frame == 1) {
			assert_int_equal(hs[i].process, 11);
			assert_int_equal(hs[i].nprocesses, 2);
		} else if (hs[i].frame == 2 || hs[i].frame == 10) {
			assert_int_equal(hs[i].process, 10);
			assert_int_equal(hs[i].nprocesses, 1);
		} else if (hs[i].frame == 3) {
			assert_int_equal(hs[i].process, 11);
		}
	}
	free(hs);
	ctree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(totals_and_self),
		cmocka_unit_test(subtract_leaves_what_came_since),
		cmocka_unit_test(profile_from_tree_keeps_stacks),
		cmocka_unit_test(path_is_root_first),
		cmocka_unit_test(walk_visits_every_node),
		cmocka_unit_test(deep_stack_does_not_overflow),
		cmocka_unit_test(hotspots_count_recursion_once),
		cmocka_unit_test(hotspot_processes_from_the_root_children),
		cmocka_unit_test(frametab_interns),
	};
	return cmocka_run_group_tests_name("ctree", tests, NULL, NULL);
}
