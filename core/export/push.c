/* push — profiles to a Pyroscope server, by libcurl on a thread of its own. */
#include "push.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctree.h"
#include "exporters.h"
#include "grow.h"
#include "profile.h"

#define QUEUE_MAX       16 /* pushes waiting: past it the oldest is dropped */
#define DEFAULT_RETRIES 4
#define REQUEST_TIMEOUT 30L /* seconds one request may take */

struct item {
	char *body;
	size_t len;
	char *url;
};

struct pusher {
	char *base, *app, *tenant, *labels; /* labels: the user's, "k=v,k=v" */
	int retries;
	double backoff_s;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct item q[QUEUE_MAX];
	size_t head, n;
	int busy; /* the thread is sending one */
	int stop; /* give up: no more tries, no more waits */
	struct push_stats st;
	/* What the last push covered: the next one is what came since. */
	time_t last_until;
	struct ctree *last_tree;
	uint64_t *last_leaf_samples, *last_leaf_weight;
	size_t nlast;
	uint64_t last_samples, last_weight;
};

static int label_key_ok(const char *k, size_t n)
{
	if (!n || !(isalpha((unsigned char)k[0]) || k[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)k[i]) || k[i] == '_' || k[i] == '.'))
			return 0;
	return 1;
}

static int label_value_ok(const char *v)
{
	if (!*v)
		return 0;
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f || strchr("{},=", *v))
			return 0;
	return 1;
}

/* A value of ours (host name, build id): what a label may not hold is
 * replaced by '_'. */
static void tame(char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f || strchr("{},= ", *v))
			*v = '_';
}

char *push_ingest_url(const char *base, const char *name, time_t from, time_t until,
		      unsigned sample_hz)
{
	char *esc = curl_easy_escape(NULL, name, 0), *url = NULL;
	size_t blen = strlen(base);

	if (!esc)
		return NULL;
	while (blen && base[blen - 1] == '/')
		blen--;
	if (asprintf(&url,
		     "%.*s/ingest?name=%s&from=%lld&until=%lld&format=pprof&sampleRate=%u"
		     "&spyName=flametop",
		     (int)blen, base, esc, (long long)from, (long long)until, sample_hz) < 0)
		url = NULL;
	curl_free(esc);
	return url;
}

/* The run is over and the time given to it spent: the request ends. */
static int on_xfer(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a, (void)b, (void)c, (void)d;
	return __atomic_load_n(&((struct pusher *)arg)->stop, __ATOMIC_RELAXED);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

/* One request. Returns 0 when accepted, 1 when worth trying again, -1 when
 * not (a 4xx other than 429); the reason in ST. */
static int post_once(struct pusher *p, const struct item *it, long *status, char *why,
		     size_t whylen)
{
	CURL *c = curl_easy_init();
	curl_mime *mime = NULL;
	curl_mimepart *part;
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", tenant[300];
	CURLcode rc;
	int out;

	*status = 0;
	if (!c) {
		snprintf(why, whylen, "libcurl could not start a request");
		return 1;
	}
	mime = curl_mime_init(c);
	part = curl_mime_addpart(mime);
	curl_mime_name(part, "profile");
	curl_mime_filename(part, "profile.pb.gz");
	curl_mime_type(part, "application/octet-stream");
	curl_mime_data(part, it->body, it->len);
	if (p->tenant) {
		snprintf(tenant, sizeof(tenant), "X-Scope-OrgID: %s", p->tenant);
		hdrs = curl_slist_append(hdrs, tenant);
	}
	hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_URL, it->url);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "flametop/" FLAMETOP_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, REQUEST_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, p);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK) {
		snprintf(why, whylen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		out = 1;
	} else if (*status >= 200 && *status < 300) {
		why[0] = 0;
		out = 0;
	} else {
		snprintf(why, whylen, "the server answered HTTP %ld", *status);
		out = *status == 429 || *status >= 500 ? 1 : -1;
	}
	curl_slist_free_all(hdrs);
	curl_mime_free(mime);
	curl_easy_cleanup(c);
	return out;
}

static void item_free(struct item *it)
{
	free(it->body);
	free(it->url);
	memset(it, 0, sizeof(*it));
}

/* S seconds from now, as pthread_cond_timedwait wants it. */
static struct timespec deadline_in(double s)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)s;
	until.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	return until;
}

/* The oldest push waiting, taken off the queue (there is one). */
static struct item pop(struct pusher *p)
{
	struct item it = p->q[p->head];

	p->head = (p->head + 1) % QUEUE_MAX;
	p->n--;
	return it;
}

/* Every push still waiting, dropped. */
static void drop_queue(struct pusher *p)
{
	while (p->n) {
		struct item it = pop(p);

		item_free(&it);
	}
}

/* Waits S seconds unless told to stop. Called with the lock held. */
static void backoff(struct pusher *p, double s)
{
	struct timespec until = deadline_in(s);

	while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &until) != ETIMEDOUT)
		;
}

static void *run(void *arg)
{
	struct pusher *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct item it;
		int r = 1;
		double wait = p->backoff_s;

		while (!p->n && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->n)
			break;
		it = pop(p);
		p->busy = 1;
		for (int attempt = 0; attempt <= p->retries; attempt++) {
			long status;
			char why[256];

			if (attempt) {
				if (p->stop)
					break;
				backoff(p, wait);
				wait *= 2;
				if (p->stop)
					break;
				p->st.retries++;
			}
			pthread_mutex_unlock(&p->mu);
			r = post_once(p, &it, &status, why, sizeof(why));
			pthread_mutex_lock(&p->mu);
			p->st.last_status = status;
			if (r == 0) {
				p->st.sent++;
				p->st.bytes += it.len;
				break;
			}
			snprintf(p->st.last_error, sizeof(p->st.last_error), "%s", why);
			if (r < 0)
				break;
		}
		if (r != 0)
			p->st.failed++;
		item_free(&it);
		p->busy = 0;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pusher *push_new(const struct push_config *cfg, char *err, size_t len)
{
	struct pusher *p;
	size_t llen = 0;
	CURLU *u;

	if (strncmp(cfg->url, "http://", 7) && strncmp(cfg->url, "https://", 8)) {
		snprintf(err, len, "--push '%s': give an http:// or https:// URL", cfg->url);
		return NULL;
	}
	if ((u = curl_url()) && curl_url_set(u, CURLUPART_URL, cfg->url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		snprintf(err, len, "--push '%s': not a URL libcurl can read", cfg->url);
		return NULL;
	}
	curl_url_cleanup(u);
	if (cfg->app && (!label_value_ok(cfg->app) || strchr(cfg->app, ' '))) {
		snprintf(err, len,
			 "--push-app '%s': a name without spaces, {},= or control characters",
			 cfg->app);
		return NULL;
	}
	for (size_t i = 0; i < cfg->nlabels; i++) {
		const char *eq = strchr(cfg->labels[i], '=');

		if (!eq || !label_key_ok(cfg->labels[i], (size_t)(eq - cfg->labels[i])) ||
		    !label_value_ok(eq + 1)) {
			snprintf(err, len,
				 "--push-label '%s': give key=value, the key letters, digits, _ "
				 "and . (not first), the value without {},= or control characters",
				 cfg->labels[i]);
			return NULL;
		}
		llen += strlen(cfg->labels[i]) + 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(p = calloc(1, sizeof(*p)))) {
		snprintf(err, len, "--push: out of memory");
		return NULL;
	}
	p->base = strdup(cfg->url);
	p->app = cfg->app ? strdup(cfg->app) : NULL;
	p->tenant = cfg->tenant ? strdup(cfg->tenant) : NULL;
	p->labels = calloc(1, llen + 1);
	p->retries = cfg->retries < 0 ? DEFAULT_RETRIES : cfg->retries;
	p->backoff_s = cfg->backoff_s > 0 ? cfg->backoff_s : 1.0;
	for (size_t i = 0; p->labels && i < cfg->nlabels; i++) {
		if (i)
			strcat(p->labels, ",");
		strcat(p->labels, cfg->labels[i]);
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (!p->base || (cfg->app && !p->app) || (cfg->tenant && !p->tenant) || !p->labels ||
	    pthread_create(&p->thread, NULL, run, p)) {
		snprintf(err, len, "--push: cannot start its thread");
		push_free(p);
		return NULL;
	}
	p->started = 1;
	return p;
}

/* APP{hostname=..,build_id=..,user labels}: the series' name. */
static char *series_name(const struct pusher *p, const struct report *r)
{
	char app[1024], host[256], bid[130], *name = NULL;
	const char *base = strrchr(r->exe[0] ? r->exe : r->command, '/');

	snprintf(app, sizeof(app), "%s",
		 p->app          ? p->app
		 : base          ? base + 1
		 : r->command[0] ? r->command
				 : "flametop");
	app[strcspn(app, " ")] = 0;
	tame(app);
	snprintf(host, sizeof(host), "%.255s", r->fp.hostname[0] ? r->fp.hostname : "unknown");
	tame(host);
	snprintf(bid, sizeof(bid), "%.129s", r->fp.build_id);
	if (asprintf(&name, "%s{hostname=%s%s%s%s%s}", app, host, bid[0] ? ",build_id=" : "", bid,
		     p->labels[0] ? "," : "", p->labels) < 0)
		return NULL;
	return name;
}

/* The samples of R's profile since the last push, as a profile sharing
 * its frames and threads; its tree and leaves are allocated. */
static int delta_profile(struct pusher *p, const struct profile *now, struct profile *d)
{
	struct ctree *t = ctree_clone(now->tree);
	size_t k = 0;

	if (!t)
		return -ENOMEM;
	if (p->last_tree)
		ctree_subtract(t, p->last_tree);
	*d = *now;
	d->tree = t;
	d->samples = now->samples - p->last_samples;
	d->weight = now->weight - p->last_weight;
	d->leaves = calloc(now->nleaves ? now->nleaves : 1, sizeof(*d->leaves));
	if (!d->leaves) {
		ctree_free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < now->nleaves; i++) {
		uint64_t s0 = i < p->nlast ? p->last_leaf_samples[i] : 0;
		uint64_t w0 = i < p->nlast ? p->last_leaf_weight[i] : 0;

		if (now->leaves[i].samples > s0) {
			d->leaves[k] = now->leaves[i];
			d->leaves[k].samples -= s0;
			d->leaves[k].weight -= w0;
			k++;
		}
	}
	d->nleaves = k;
	return 0;
}

/* What R's profile holds now, for the next push to start from. */
static int remember(struct pusher *p, const struct profile *now)
{
	struct ctree *t = ctree_clone(now->tree);
	uint64_t *s = malloc((now->nleaves + 1) * sizeof(*s));
	uint64_t *w = malloc((now->nleaves + 1) * sizeof(*w));

	if (!t || !s || !w) {
		ctree_free(t);
		free(s);
		free(w);
		return -ENOMEM;
	}
	for (size_t i = 0; i < now->nleaves; i++) {
		s[i] = now->leaves[i].samples;
		w[i] = now->leaves[i].weight;
	}
	ctree_free(p->last_tree);
	free(p->last_leaf_samples);
	free(p->last_leaf_weight);
	p->last_tree = t;
	p->last_leaf_samples = s;
	p->last_leaf_weight = w;
	p->nlast = now->nleaves;
	p->last_samples = now->samples;
	p->last_weight = now->weight;
	return 0;
}

static void enqueue(struct pusher *p, struct item *it)
{
	pthread_mutex_lock(&p->mu);
	if (p->n == QUEUE_MAX) { /* the server is behind: the oldest goes */
		struct item old = pop(p);

		item_free(&old);
		p->st.dropped++;
	}
	p->q[(p->head + p->n) % QUEUE_MAX] = *it;
	p->n++;
	p->st.pushes++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int push_interval(struct pusher *p, const struct report *r, time_t now)
{
	struct profile d;
	struct report rr;
	struct item it = { 0 };
	time_t from = p->last_until ? p->last_until : r->started_at;
	char *name;
	FILE *f;
	int e;

	if (r->profile->samples == p->last_samples)
		return 0;
	if (now <= from)
		now = from + 1; /* whole seconds: until comes after from */
	if ((e = delta_profile(p, r->profile, &d)))
		return e;
	rr = *r;
	rr.profile = &d;
	rr.started_at = from;
	rr.duration_s = (double)(now - from);
	name = series_name(p, r);
	f = open_memstream(&it.body, &it.len);
	e = !name || !f ? -ENOMEM : 0;
	if (!e)
		e = exporter_pprof.write(f, &rr);
	if (f && fclose(f) && !e)
		e = -EIO;
	if (!e && !(it.url = push_ingest_url(p->base, name, from, now, r->freq_hz)))
		e = -ENOMEM;
	ctree_free(d.tree);
	free(d.leaves);
	free(name);
	if (e || (e = remember(p, r->profile))) {
		item_free(&it);
		return e;
	}
	p->last_until = now;
	enqueue(p, &it);
	return 0;
}

/* With p->mu held: waits up to TIMEOUT_S for the queue to empty and the
 * push out to end; returns how many are left. */
static size_t wait_empty(struct pusher *p, double timeout_s)
{
	struct timespec until = deadline_in(timeout_s);

	while ((p->n || p->busy) && pthread_cond_timedwait(&p->cv, &p->mu, &until) != ETIMEDOUT)
		;
	return p->n + (size_t)p->busy;
}

size_t push_wait(struct pusher *p, double timeout_s)
{
	size_t left;

	pthread_mutex_lock(&p->mu);
	left = wait_empty(p, timeout_s);
	pthread_mutex_unlock(&p->mu);
	return left;
}

size_t push_drain(struct pusher *p, double timeout_s)
{
	size_t left;

	pthread_mutex_lock(&p->mu);
	left = wait_empty(p, timeout_s);
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED); /* no more tries, the one out ends */
	p->st.failed += p->n;
	drop_queue(p);
	pthread_cond_broadcast(&p->cv);
	/* The one out ends at once now (its transfer is aborted, its wait
	 * cut; the queue is empty): its outcome is counted before the figures
	 * are read. */
	wait_empty(p, 5);
	pthread_mutex_unlock(&p->mu);
	return left;
}

void push_get_stats(struct pusher *p, struct push_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->st;
	pthread_mutex_unlock(&p->mu);
}

void push_free(struct pusher *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	drop_queue(p);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	ctree_free(p->last_tree);
	free(p->last_leaf_samples);
	free(p->last_leaf_weight);
	free(p->base);
	free(p->app);
	free(p->tenant);
	free(p->labels);
	free(p);
	curl_global_cleanup();
}
