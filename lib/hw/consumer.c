// SPDX-License-Identifier: MIT
/*
 * Consumer threads (VSMMU_EXEC_THREAD mode): one per command queue -- the
 * main queue's and each enabled VCMDQ's -- each running the command
 * engine (cmdq.c) on its queue when kicked.
 */
#include <time.h>

#include "hw/hw.h"

/*
 * A consumer thread (one per queue in VSMMU_EXEC_THREAD mode: the main
 * CMDQ's, and each enabled VCMDQ's, so that CMDQV's queues are consumed in
 * parallel as on the hardware).  After draining its queue it polls for new
 * work for a short while (CONSUMER_SPIN_NS) before sleeping on the
 * condition variable, so a producer that is quickly back pays no wake-up
 * (in a VM a futex round trip costs microseconds).  Producers set kick and
 * signal only when sleeping is set: both flags are sequentially consistent
 * and the sleeper re-checks the kick under the lock after announcing that
 * it sleeps, so one of the two always sees the other and no wake-up is
 * lost.
 */
#define CONSUMER_SPIN_NS 50000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool consumer_take_kick(struct hw_consumer *c)
{
	return __atomic_exchange_n(&c->kick, false, __ATOMIC_SEQ_CST);
}

static void *consumer_main(void *arg)
{
	struct hw_consumer *c = arg;

	while (__atomic_load_n(&c->run, __ATOMIC_ACQUIRE)) {
		uint64_t until;
		unsigned int n = 0;
		/* The PROD this pass consumed up to (or stopped at) */
		uint32_t prod = hw_cmdq_consume(c->s, c->cq);

		/*
		 * Poll a little before sleeping: PROD itself, so that new
		 * commands are seen as soon as the producer's PROD store is
		 * (one cache line to fetch, not also the kick's), and the
		 * kick for the other reasons to look (GERRORN, CR0).
		 */
		until = now_ns() + CONSUMER_SPIN_NS;
		while (!__atomic_load_n(&c->kick, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&c->cq->q.prod, __ATOMIC_ACQUIRE) ==
			       prod &&
		       __atomic_load_n(&c->run, __ATOMIC_ACQUIRE)) {
			sa_relax();
			if (!(++n & 63) && now_ns() > until)
				break;
		}
		if (__atomic_load_n(&c->cq->q.prod, __ATOMIC_ACQUIRE) != prod)
			continue;
		if (consumer_take_kick(c))
			continue;
		pthread_mutex_lock(&c->lock);
		/* Announce the sleep, then look at PROD once more (see
		 * hw_consumer_doorbell) */
		__atomic_store_n(&c->sleeping, true, __ATOMIC_SEQ_CST);
		while (!consumer_take_kick(c) &&
		       __atomic_load_n(&c->cq->q.prod, __ATOMIC_SEQ_CST) ==
			       prod &&
		       __atomic_load_n(&c->run, __ATOMIC_SEQ_CST))
			pthread_cond_wait(&c->wake, &c->lock);
		__atomic_store_n(&c->sleeping, false, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&c->lock);
	}
	return NULL;
}

void hw_consumer_init(struct hw_consumer *c, struct vsmmu_smmu *s,
		      struct hw_cmdq *cq)
{
	c->s = s;
	c->cq = cq;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
}

int hw_consumer_start(struct hw_consumer *c)
{
	if (c->started)
		return 0;
	/* the thread's first act is a pass over the queue */
	__atomic_store_n(&c->run, true, __ATOMIC_SEQ_CST);
	if (pthread_create(&c->thread, NULL, consumer_main, c)) {
		__atomic_store_n(&c->run, false, __ATOMIC_SEQ_CST);
		return -ENOMEM;
	}
	c->started = true;
	return 0;
}

/* Stop the thread: no command of its queue runs after this returns. */
void hw_consumer_stop(struct hw_consumer *c)
{
	if (!c->started)
		return;
	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->run, false, __ATOMIC_SEQ_CST);
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	c->started = false;
}

void hw_consumer_fini(struct hw_consumer *c)
{
	hw_consumer_stop(c);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
}

void hw_consumer_kick(struct hw_consumer *c)
{
	__atomic_store_n(&c->kick, true, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->sleeping, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&c->lock);
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
	}
}

/*
 * PROD was written: the consumer polls PROD itself while it spins, so
 * only a sleeping consumer needs waking.  Dekker's pattern with the
 * consumer's "sleeping, then look at PROD": the PROD store, a sequentially
 * consistent fence, then the load of sleeping -- one of the two sides sees
 * the other's store.
 */
void hw_consumer_doorbell(struct hw_consumer *c)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->sleeping, __ATOMIC_SEQ_CST))
		hw_consumer_kick(c);
}
