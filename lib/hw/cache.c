// SPDX-License-Identifier: MIT
/* Set-associative lock-free-read caches: see cache.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/cache.h"

int sa_init(struct sa_cache *c, unsigned int sets, unsigned int ways,
	    unsigned int words, unsigned int cold_words)
{
	size_t bytes;

	memset(c, 0, sizeof(*c));
	if (!sets || (sets & (sets - 1)) || !ways || ways > 64 || !words ||
	    sets > (1U << 24) || ways * words > 4096 || cold_words > 64)
		return -EINVAL;
	c->sets = sets;
	c->ways = ways;
	c->words = words;
	c->cold_words = cold_words;
	c->set_mask = sets - 1;
	/* Sets of a power of 2 of cache lines */
	c->stride = 8;
	while (c->stride < 2 + ways * words)
		c->stride *= 2;
	c->set_shift = __builtin_ctz(c->stride * sizeof(uint64_t));
	bytes = (size_t)sets * c->stride * sizeof(uint64_t);
	if (posix_memalign((void **)&c->mem, 64, bytes))
		return -ENOMEM;
	memset(c->mem, 0, bytes);
	if (cold_words) {
		bytes = (size_t)sets * ways * cold_words * sizeof(uint64_t);
		if (posix_memalign((void **)&c->cold, 64, bytes)) {
			free(c->mem);
			c->mem = NULL;
			return -ENOMEM;
		}
		memset(c->cold, 0, bytes);
	}
	return 0;
}

void sa_fini(struct sa_cache *c)
{
	free(c->mem);
	free(c->cold);
	c->mem = c->cold = NULL;
}

size_t sa_bytes(const struct sa_cache *c)
{
	return ((size_t)c->stride + (size_t)c->ways * c->cold_words) * c->sets *
	       sizeof(uint64_t);
}

int sa_insert(struct sa_cache *c, unsigned int idx, const uint64_t *words,
	      const uint64_t *cold, const uint64_t *gen, uint64_t expect)
{
	uint64_t *set = sa_set(c, idx), seq, ref, *e, unref;
	unsigned int way, victim;
	bool evicted;

	/* Dropped anyway: no need to take the lock (the check that
	 * decides is the one below, with the set locked) */
	if (__atomic_load_n(gen, __ATOMIC_RELAXED) != expect)
		return -1;
	seq = sa_lock(set);
	if (__atomic_load_n(gen, __ATOMIC_SEQ_CST) != expect) {
		sa_unlock(set, seq, false);
		return -1;
	}
	/* An invalid way, else the first not referenced since the sweep */
	ref = sa_ld(&set[1]);
	for (way = 0; way < c->ways; way++)
		if (!(sa_ld(sa_way(c, set, way)) & SA_VALID))
			break;
	victim = way;
	if (victim == c->ways) {
		unref = ~ref & (~0ULL >> (64 - c->ways));
		if (unref) {
			victim = __builtin_ctzll(unref);
		} else {
			/* Everything was used since the last sweep: start
			 * over. */
			victim = (unsigned int)(seq >> 1) % c->ways;
			ref = 0;
		}
	}
	e = sa_way(c, set, victim);
	evicted = sa_ld(e) & SA_VALID;
	switch (c->words) {
	case 4:
		sa_st(&e[3], words[3]);
		/* fall through */
	case 3:
		sa_st(&e[2], words[2]);
		sa_st(&e[1], words[1]);
		break;
	default:
		for (way = 1; way < c->words; way++)
			sa_st(&e[way], words[way]);
	}
	if (c->cold_words) {
		uint64_t *cw = sa_cold(c, idx, victim);

		for (way = 0; way < c->cold_words; way++)
			sa_st(&cw[way], cold ? cold[way] : 0);
	}
	sa_st(&e[0], words[0]);
	/* New entries start referenced so they survive the next sweep. */
	sa_st(&set[1], ref | (1ULL << victim));
	sa_unlock(set, seq, true);
	return evicted;
}

unsigned int sa_invalidate_set(struct sa_cache *c, uint64_t *set,
			       bool (*match)(const uint64_t *e,
					     const void *arg),
			       const void *arg)
{
	unsigned int way, n = 0;
	uint64_t seq;

	/* A consistent unlocked scan that finds nothing needs no lock. */
	seq = __atomic_load_n(&set[0], __ATOMIC_SEQ_CST);
	if (!(seq & 1)) {
		bool any = false;

		for (way = 0; way < c->ways && !any; way++) {
			uint64_t *e = sa_way(c, set, way);

			any = (sa_ld(e) & SA_VALID) && match(e, arg);
		}
		if (!any && sa_read_valid(set, seq))
			return 0;
	}
	seq = sa_lock(set);
	for (way = 0; way < c->ways; way++) {
		uint64_t *e = sa_way(c, set, way);

		if ((sa_ld(e) & SA_VALID) && match(e, arg)) {
			sa_st(e, 0);
			n++;
		}
	}
	sa_unlock(set, seq, n > 0);
	return n;
}

unsigned int sa_mark_set(struct sa_cache *c, uint64_t *set,
			 bool (*match)(const uint64_t *e, const void *arg),
			 const void *arg, uint64_t bits)
{
	unsigned int way, n = 0;
	uint64_t seq = sa_lock(set);

	for (way = 0; way < c->ways; way++) {
		uint64_t *e = sa_way(c, set, way), w0 = sa_ld(e);

		if ((w0 & SA_VALID) && (w0 & bits) != bits && match(e, arg)) {
			sa_st(e, w0 | bits);
			n++;
		}
	}
	sa_unlock(set, seq, n > 0);
	return n;
}

unsigned int sa_invalidate_all(struct sa_cache *c,
			       bool (*match)(const uint64_t *e,
					     const void *arg),
			       const void *arg)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->sets; i++)
		n += sa_invalidate_set(c, sa_set(c, i), match, arg);
	return n;
}
