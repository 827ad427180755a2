/* SPDX-License-Identifier: MIT */
/*
 * Set-associative caches with lock-free readers (IOTLB, stage-2 cache and
 * configuration cache are all built on this).
 *
 * Layout: a set is [seq][ref][way 0 hot words]...[way N-1 hot words],
 * padded to a power of 2 of at least 64 bytes (a set's address is a shift
 * away from its index), so that a lookup reads the sequence and
 * the first ways' tags from one cache line (with 3-word entries, ways 0-1
 * share the line with the header and ways 2-3 fill the next).  Each way
 * may also have "cold" words, kept in a parallel array outside the sets:
 * what a hit does not need (the IPA of an IOTLB entry, the full decoded
 * configuration of a configuration cache entry), under the same sequence
 * counter.  Every word is accessed with relaxed atomics, so a reader
 * racing a writer is well defined; the per-set sequence counter (odd while
 * a writer is inside the set) tells the reader whether what it read is
 * consistent (Boehm's seqlock protocol: the writer bumps seq, issues a
 * release fence, stores, then publishes seq + 2 with release; the reader
 * loads seq with acquire, loads the words, issues an acquire fence and
 * checks seq again).
 *
 * Readers never wait: a set with a writer inside, or that changed while it
 * was read, is reported as a miss and the caller walks memory instead.
 *
 * Writers lock one set at a time: the sequence counter doubles as the
 * set's lock (a compare-and-swap makes it odd), so fills of different sets
 * never contend and there is no global writer lock.
 *
 * Inserting what a walk read is conditional on an invalidation generation
 * (*gen) that every invalidation increments *before* it visits any set.
 * The insert reads the generation with the set locked; an invalidation
 * either finds the set locked (and sees the entry after the insert), or
 * locked it first (and the insert then sees the new generation and drops
 * its entry).  Invalidation may first scan a set without the lock and skip
 * it if the scan was consistent and found nothing to remove: the
 * generation increment, that scan's first read of the sequence, an
 * insert's lock and its read of the generation are all sequentially
 * consistent, so an insert the scan could not see must see the new
 * generation.
 *
 * Replacement is not-recently-used: a hit sets the way's bit in `ref`
 * (only if it is clear, so a hot entry costs no store); an insert takes
 * the first invalid way, else the first way whose bit is clear, clearing
 * all bits when every way has been referenced.
 */
#ifndef VSMMU_HW_CACHE_H
#define VSMMU_HW_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sa_cache {
	uint64_t *mem; /* the sets */
	uint64_t *cold; /* cold words: [set][way][cold_words], or NULL */
	unsigned int sets, ways;
	unsigned int words; /* hot words per entry; word 0 = tag */
	unsigned int cold_words; /* per entry, may be 0 */
	unsigned int stride; /* words per set: a power of 2, >= 8 */
	unsigned int set_shift; /* log2(stride * 8): bytes per set */
	unsigned int set_mask;
};

/* Valid bit: bit 63 of an entry's word 0, for every user of the cache. */
#define SA_VALID (1ULL << 63)

/*
 * A cache of @sets (a power of 2) x @ways entries of @words hot words
 * (word 0 is the tag, with SA_VALID) and @cold_words cold words.
 * Return: 0, -EINVAL, -ENOMEM.
 */
int sa_init(struct sa_cache *c, unsigned int sets, unsigned int ways,
	    unsigned int words, unsigned int cold_words);
/* Bytes the cache occupies (sets and cold words). */
size_t sa_bytes(const struct sa_cache *c);
void sa_fini(struct sa_cache *c);

static inline uint64_t *sa_set(const struct sa_cache *c, unsigned int idx)
{
	return (uint64_t *)((char *)c->mem +
			    ((size_t)(idx & c->set_mask) << c->set_shift));
}

/* The same for an index known to be below c->sets. */
static inline uint64_t *sa_set_in(const struct sa_cache *c, unsigned int idx)
{
	return (uint64_t *)((char *)c->mem + ((size_t)idx << c->set_shift));
}

static inline uint64_t *sa_way(const struct sa_cache *c, uint64_t *set,
			       unsigned int way)
{
	return set + 2 + (size_t)way * c->words;
}

/* The cold words of way @way of set @idx (any index: it is masked). */
static inline uint64_t *sa_cold(const struct sa_cache *c, unsigned int idx,
				unsigned int way)
{
	return c->cold +
	       ((size_t)(idx & c->set_mask) * c->ways + way) * c->cold_words;
}

static inline uint64_t sa_ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void sa_st(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* Reader: returns the sequence, or an odd value if a writer is inside. */
static inline uint64_t sa_read_begin(const uint64_t *set)
{
	return __atomic_load_n(&set[0], __ATOMIC_ACQUIRE);
}

/* Reader: was everything read since sa_read_begin() consistent? */
static inline bool sa_read_valid(const uint64_t *set, uint64_t seq)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return sa_ld(&set[0]) == seq;
}

static inline void sa_touch(uint64_t *set, unsigned int way)
{
	uint64_t bit = 1ULL << way;

	if (!(sa_ld(&set[1]) & bit))
		__atomic_fetch_or(&set[1], bit, __ATOMIC_RELAXED);
}

static inline void sa_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

/* Lock a set for writing; returns the (even) sequence it had. */
static inline uint64_t sa_lock(uint64_t *set)
{
	for (;;) {
		uint64_t seq = __atomic_load_n(&set[0], __ATOMIC_RELAXED);

		if (!(seq & 1) && __atomic_compare_exchange_n(
					  &set[0], &seq, seq + 1, false,
					  __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
			/* the odd sequence is visible before any entry store */
			__atomic_thread_fence(__ATOMIC_RELEASE);
			return seq;
		}
		sa_relax();
	}
}

/* Unlock: a new sequence if the set @changed, else the one it had. */
static inline void sa_unlock(uint64_t *set, uint64_t seq, bool changed)
{
	__atomic_store_n(&set[0], changed ? seq + 2 : seq, __ATOMIC_RELEASE);
}

/*
 * Store @words (and @cold, the cold words, if the cache has any) into a
 * victim way of set @idx, unless *@gen no longer equals @expect (an
 * invalidation ran since the walk that produced @words began).
 * Return: -1 dropped, 0 inserted, 1 inserted in place of a valid entry.
 */
int sa_insert(struct sa_cache *c, unsigned int idx, const uint64_t *words,
	      const uint64_t *cold, const uint64_t *gen, uint64_t expect);

/*
 * Invalidate the entries of one set / of the whole cache for which @match
 * returns true.  The caller has incremented the generation first.
 * Return: the number removed.
 */
unsigned int sa_invalidate_set(struct sa_cache *c, uint64_t *set,
			       bool (*match)(const uint64_t *e,
					     const void *arg),
			       const void *arg);
/*
 * Set @bits in the tag of the entries of one set for which @match returns
 * true (and which do not have them yet).  Return: the number changed.
 */
unsigned int sa_mark_set(struct sa_cache *c, uint64_t *set,
			 bool (*match)(const uint64_t *e, const void *arg),
			 const void *arg, uint64_t bits);
unsigned int sa_invalidate_all(struct sa_cache *c,
			       bool (*match)(const uint64_t *e,
					     const void *arg),
			       const void *arg);

#endif /* VSMMU_HW_CACHE_H */
