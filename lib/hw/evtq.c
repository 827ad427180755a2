// SPDX-License-Identifier: MIT
/*
 * What the SMMU tells software: event queue records, interrupts (wired or
 * MSI), and global errors.  The bottom of the programming model: the
 * translation path, stalls, PRI, ATS and the command engine all report
 * through it, and it calls none of them.
 */
#include <string.h>

#include "hw/hw.h"

/* --- Interrupts and global errors -------------------------------------- */

static uint64_t raw64(struct vsmmu_smmu *s, uint64_t off)
{
	return hw_reg32(&s->raw32[off / 4]) |
	       (uint64_t)hw_reg32(&s->raw32[off / 4 + 1]) << 32;
}

/*
 * Call the wired-interrupt handler.  Callers are counted in irq_busy so
 * that vsmmu_smmu_set_irq_handler() can wait until none still runs the
 * old handler; the handler and its argument are only ever replaced while
 * the handler is NULL and nobody is inside (all sequentially consistent).
 */
static void wired_irq(struct vsmmu_smmu *s, enum vsmmu_irq irq)
{
	vsmmu_irq_fn *fn;

	__atomic_fetch_add(&s->irq_busy, 1, __ATOMIC_SEQ_CST);
	fn = __atomic_load_n(&s->irq_fn, __ATOMIC_SEQ_CST);
	if (fn)
		fn(__atomic_load_n(&s->irq_arg, __ATOMIC_SEQ_CST), irq);
	__atomic_fetch_sub(&s->irq_busy, 1, __ATOMIC_SEQ_CST);
}

/*
 * Signal an interrupt whose *_IRQ_CFG0 register is at @cfg0: an MSI when
 * the SMMU has MSIs and the address is not 0, else the wired line.
 * Return the GERROR bit to raise if the MSI write aborted, or 0.
 */
static uint32_t signal_irq(struct vsmmu_smmu *s, enum vsmmu_irq irq,
			   uint64_t cfg0, uint32_t abt_bit)
{
	uint64_t addr = raw64(s, cfg0) & MSI_CFG0_ADDR_MASK;

	if ((s->cfg.idr[0] & IDR0_MSI) && addr) {
		uint32_t data = hw_reg32(&s->raw32[(cfg0 + 8) / 4]);

		/* what the interrupt announces is visible before it */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		return vsmmu_mem_write32(s->mem, addr, data) ? abt_bit : 0;
	}
	wired_irq(s, irq);
	return 0;
}

void hw_irq(struct vsmmu_smmu *s, enum vsmmu_irq irq, uint64_t cfg0)
{
	uint32_t abt = 0;

	switch (irq) {
	case VSMMU_IRQ_EVTQ:
		abt = signal_irq(s, irq, cfg0, GERROR_MSI_EVTQ_ABT_ERR);
		break;
	case VSMMU_IRQ_PRIQ:
		abt = signal_irq(s, irq, cfg0, GERROR_MSI_PRIQ_ABT_ERR);
		break;
	case VSMMU_IRQ_GERROR:
		/* an aborted GERROR MSI cannot itself be signalled again */
		abt = signal_irq(s, irq, cfg0, 0);
		break;
	default:
		wired_irq(s, irq);
		break;
	}
	if (abt)
		hw_gerror_raise(s, abt);
}

/*
 * Make the @bits of GERROR active (GERROR != GERRORN) if they are not
 * already, and interrupt for the ones that became active.
 */
void hw_gerror_raise(struct vsmmu_smmu *s, uint32_t bits)
{
	uint32_t old = hw_reg32(&s->gerror), new, fresh;

	do {
		fresh = bits & ~(old ^ hw_reg32(&s->gerrorn));
		new = old ^ fresh;
	} while (fresh && !__atomic_compare_exchange_n(&s->gerror, &old, new,
						       false, __ATOMIC_ACQ_REL,
						       __ATOMIC_ACQUIRE));
	if (fresh && (hw_reg32(&s->irq_ctrl) & IRQ_CTRL_GERROR_IRQEN))
		hw_irq(s, VSMMU_IRQ_GERROR, ARM_SMMU_GERROR_IRQ_CFG0);
}

/* --- The event queue ---------------------------------------------------- */

/*
 * Is the event queue writable (7.2.1): enabled, not full, and no
 * unacknowledged EVENTQ_ABT_ERR?  (SMMUEN is the caller's business.)
 */
bool hw_evtq_writable(struct vsmmu_smmu *s)
{
	struct hw_queue *q = &s->evtq;
	uint32_t prod = hw_reg32(&q->prod), cons = hw_reg32(&q->cons);

	if (!(hw_reg32(&s->cr0) & CR0_EVTQEN) ||
	    ((hw_reg32(&s->gerror) ^ hw_reg32(&s->gerrorn)) &
	     GERROR_EVTQ_ABT_ERR))
		return false;
	return (hw_q_idxwrap(q, prod) ^ hw_q_idxwrap(q, cons)) !=
	       (1U << hw_q_log2(q));
}

/*
 * Write one event record if the queue is writable (7.2.1).  Otherwise an
 * ordinary record is lost -- when the queue is full EVTQ_PROD.OVFLG is
 * toggled, unless an overflow is already pending (OVFLG differs from
 * EVTQ_CONS.OVACKFLG) -- while a stall's record (EVTQ_W_STALL) is kept by
 * the caller for later and causes no overflow.  Records need SMMUEN = 1
 * unless EVTQ_W_NOSMMUEN (the few events 7.3 allows with SMMUEN = 0).
 * Return true if written.
 */
bool hw_evtq_write(struct vsmmu_smmu *s, const uint64_t *evt,
		   unsigned int flags)
{
	struct hw_queue *q = &s->evtq;
	uint32_t prod, cons, idx_mask;
	bool written = false, stall = flags & EVTQ_W_STALL;
	uint64_t addr;
	int i;

	if (!(hw_reg32(&s->cr0) & CR0_EVTQEN) ||
	    (!(flags & EVTQ_W_NOSMMUEN) && !(hw_reg32(&s->cr0) & CR0_SMMUEN)) ||
	    ((hw_reg32(&s->gerror) ^ hw_reg32(&s->gerrorn)) &
	     GERROR_EVTQ_ABT_ERR)) {
		if (!stall)
			hw_stat_inc(s, ST_EVT_LOST);
		return false;
	}
	pthread_mutex_lock(&s->evtq_lock);
	prod = hw_reg32(&q->prod);
	cons = hw_reg32(&q->cons);
	idx_mask = (1U << hw_q_log2(q)) - 1;
	if ((hw_q_idxwrap(q, prod) ^ hw_q_idxwrap(q, cons)) == idx_mask + 1) {
		/* full: an ordinary event is lost */
		if (!stall && !((prod ^ cons) & Q_OVERFLOW_FLAG))
			hw_reg32_set(&q->prod, prod ^ Q_OVERFLOW_FLAG);
		goto out;
	}
	addr = hw_q_addr(q) + (uint64_t)(prod & idx_mask) * 32;
	for (i = 0; i < 4; i++) {
		if (vsmmu_mem_write64(s->mem, addr + 8 * i, evt[i])) {
			pthread_mutex_unlock(&s->evtq_lock);
			if (!stall)
				hw_stat_inc(s, ST_EVT_LOST);
			hw_gerror_raise(s, GERROR_EVTQ_ABT_ERR);
			return false;
		}
	}
	hw_reg32_set(&q->prod, (prod & Q_OVERFLOW_FLAG) | hw_q_inc(q, prod));
	written = true;
out:
	pthread_mutex_unlock(&s->evtq_lock);
	if (written && VS_FIELD_GET(EVTQ_0_ID, evt[0]) < VSMMU_STATS_EVT_IDS)
		hw_stat_inc(s, ST_EVT0 + VS_FIELD_GET(EVTQ_0_ID, evt[0]));
	else if (!written && !stall)
		hw_stat_inc(s, ST_EVT_LOST);
	if (written && (hw_reg32(&s->irq_ctrl) & IRQ_CTRL_EVTQ_IRQEN))
		hw_irq(s, VSMMU_IRQ_EVTQ, ARM_SMMU_EVTQ_IRQ_CFG0);
	return written;
}

bool hw_evtq_record(struct vsmmu_smmu *s, const uint64_t *evt)
{
	return hw_evtq_write(s, evt, 0);
}
