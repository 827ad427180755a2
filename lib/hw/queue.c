// SPDX-License-Identifier: MIT
/*
 * The main command queue: its set-up, its consumer (the caller's thread
 * in VSMMU_EXEC_SYNC mode, a consumer thread otherwise), and the queues'
 * locks.  The command engine is cmdq.c; the event queue and interrupts
 * are evtq.c.
 */
#include "hw/hw.h"

/* --- The main command queue, its consumer thread ------------------------ */

static bool main_cmdq_enabled(struct vsmmu_smmu *s, struct hw_cmdq *cq)
{
	return hw_reg32(&s->cr0) & CR0_CMDQEN;
}

static void main_cmdq_error(struct vsmmu_smmu *s, struct hw_cmdq *cq)
{
	hw_gerror_raise(s, GERROR_CMDQ_ERR);
}

void hw_cmdq_kick(struct vsmmu_smmu *s)
{
	if (s->cfg.exec != VSMMU_EXEC_THREAD) {
		hw_cmdq_consume(s, &s->cmdq);
		return;
	}
	hw_consumer_kick(&s->consumer);
}

void hw_cmdq_doorbell(struct vsmmu_smmu *s)
{
	if (s->cfg.exec != VSMMU_EXEC_THREAD) {
		hw_cmdq_consume(s, &s->cmdq);
		return;
	}
	hw_consumer_doorbell(&s->consumer);
}

int hw_queues_init(struct vsmmu_smmu *s)
{
	uint32_t idr1 = s->cfg.idr[1];

	s->cmdq.q.ent_size = 16;
	s->cmdq.q.max_log2 = VS_FIELD_GET(IDR1_CMDQS, idr1);
	s->cmdq.gerror = &s->gerror;
	s->cmdq.gerrorn = &s->gerrorn;
	s->cmdq.err_bit = GERROR_CMDQ_ERR;
	s->cmdq.enabled = main_cmdq_enabled;
	s->cmdq.on_error = main_cmdq_error;
	s->evtq.ent_size = 32;
	s->evtq.max_log2 = VS_FIELD_GET(IDR1_EVTQS, idr1);
	s->priq.ent_size = 16;
	s->priq.max_log2 = VS_FIELD_GET(IDR1_PRIQS, idr1);
	pthread_mutex_init(&s->cmdq.lock, NULL);
	pthread_mutex_init(&s->evtq_lock, NULL);
	pthread_mutex_init(&s->priq_lock, NULL);
	pthread_mutex_init(&s->atc_lock, NULL);
	hw_consumer_init(&s->consumer, s, &s->cmdq);
	if (s->cfg.exec == VSMMU_EXEC_THREAD)
		return hw_consumer_start(&s->consumer);
	return 0;
}

/* Stop the consumer thread: no command runs after this returns. */
void hw_queues_stop(struct vsmmu_smmu *s)
{
	hw_consumer_stop(&s->consumer);
}

/* Free the queues' locks; after hw_queues_stop() and everything that
 * uses them (ATCs, stalls). */
void hw_queues_fini(struct vsmmu_smmu *s)
{
	hw_consumer_fini(&s->consumer);
	pthread_mutex_destroy(&s->evtq_lock);
	pthread_mutex_destroy(&s->priq_lock);
	pthread_mutex_destroy(&s->atc_lock);
	pthread_mutex_destroy(&s->cmdq.lock);
}
