// SPDX-License-Identifier: MIT
/* A bitmap ID allocator (lib/util/ida.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/ida.h"

static bool test_bit(const uint64_t *b, unsigned int i)
{
	return b[i / 64] & (1ULL << (i % 64));
}

int ida_init(struct ida *ida, unsigned int n)
{
	memset(ida, 0, sizeof(*ida));
	if (!n)
		return -EINVAL;
	ida->bits = calloc((n + 63) / 64, sizeof(*ida->bits));
	if (!ida->bits)
		return -ENOMEM;
	ida->n = n;
	if (pthread_mutex_init(&ida->lock, NULL)) {
		free(ida->bits);
		ida->bits = NULL;
		return -ENOMEM;
	}
	return 0;
}

void ida_fini(struct ida *ida)
{
	if (!ida->bits)
		return;
	free(ida->bits);
	ida->bits = NULL;
	pthread_mutex_destroy(&ida->lock);
}

int ida_alloc(struct ida *ida, unsigned int min, unsigned int max, bool cyclic)
{
	unsigned int span, start, i, id;
	int rc = -ENOSPC;

	if (!ida->bits || min >= ida->n)
		return -EINVAL;
	if (max >= ida->n)
		max = ida->n - 1;
	if (min > max)
		return -EINVAL;
	span = max - min + 1;
	pthread_mutex_lock(&ida->lock);
	start = cyclic && ida->next >= min && ida->next <= max ? ida->next :
								 min;
	for (i = 0; i < span; i++) {
		id = min + (start - min + i) % span;
		if (!test_bit(ida->bits, id)) {
			ida->bits[id / 64] |= 1ULL << (id % 64);
			ida->next = id + 1;
			rc = (int)id;
			break;
		}
	}
	pthread_mutex_unlock(&ida->lock);
	return rc;
}

int ida_claim(struct ida *ida, unsigned int id)
{
	int rc = 0;

	if (!ida->bits || id >= ida->n)
		return -EINVAL;
	pthread_mutex_lock(&ida->lock);
	if (test_bit(ida->bits, id))
		rc = -EBUSY;
	else
		ida->bits[id / 64] |= 1ULL << (id % 64);
	pthread_mutex_unlock(&ida->lock);
	return rc;
}

void ida_free(struct ida *ida, unsigned int id)
{
	if (!ida->bits || id >= ida->n)
		return;
	pthread_mutex_lock(&ida->lock);
	ida->bits[id / 64] &= ~(1ULL << (id % 64));
	pthread_mutex_unlock(&ida->lock);
}

bool ida_busy(struct ida *ida, unsigned int id)
{
	bool busy;

	if (!ida->bits || id >= ida->n)
		return false;
	pthread_mutex_lock(&ida->lock);
	busy = test_bit(ida->bits, id);
	pthread_mutex_unlock(&ida->lock);
	return busy;
}
