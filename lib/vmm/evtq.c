// SPDX-License-Identifier: MIT
/*
 * Events for the guest (docs/vm.md, "Events").
 *
 * The host forwards its nested devices' events to the vIOMMU's VEVENTQ
 * with the guest's StreamID already in place; the VMM reads them from the
 * fd and writes them to the guest's event queue in guest RAM with the
 * SMMU's own rules (docs/programming-model.md, "The event queue"): only
 * while SMMUEN and EVTQEN are set and no EVTQ_ABT_ERR is active; a full
 * queue loses the record and toggles EVTQ_PROD.OVFLG once (it stays
 * pending until the guest copies it into EVTQ_CONS.OVACKFLG); a write
 * outside guest RAM raises GERROR.EVTQ_ABT_ERR; after a record the EVTQ
 * interrupt (IRQ_CTRL.EVTQ_IRQEN), by MSI or the wired line.
 *
 * Events the host lost (a LOST_EVENTS header, or a gap in the sequence
 * numbers) are an overflow for the guest: what it would have seen had
 * its own queue been too small.
 */
#include <errno.h>
#include <unistd.h>

#include "vmm/vm.h"

#define PUMP_MAX 1024 /* records per call, so one queue cannot starve */

static void overflow(struct vsmmu_vs *vs)
{
	uint32_t prod = atomic_load(&vs->evtq_prod);
	uint32_t cons = atomic_load(&vs->evtq_cons);

	/* One overflow at a time: pending until acknowledged */
	if ((prod & Q_OVERFLOW_FLAG) == (cons & Q_OVERFLOW_FLAG))
		atomic_store_explicit(&vs->evtq_prod, prod ^ Q_OVERFLOW_FLAG,
				      memory_order_release);
}

/*
 * evtq_lock held (the register lock and the guest's interrupt handler are
 * leaves under it); return true if the guest should be interrupted.
 */
static bool write_locked(struct vsmmu_vs *vs, const uint64_t evt[4])
{
	uint32_t cr0 = atomic_load(&vs->cr0);
	uint64_t base =
		atomic_load_explicit(&vs->evtq_base, memory_order_acquire);
	unsigned int log2 = VS_FIELD_GET(Q_BASE_LOG2SIZE, base);
	unsigned int max = VS_FIELD_GET(IDR1_EVTQS, vs->idr[1]);
	uint32_t prod, cons, wmask, imask, ovf;
	uint64_t bytes, addr;
	unsigned int i;

	if (!(cr0 & CR0_SMMUEN) || !(cr0 & CR0_EVTQEN) ||
	    ((atomic_load(&vs->gerror) ^ atomic_load(&vs->gerrorn)) &
	     GERROR_EVTQ_ABT_ERR)) {
		atomic_fetch_add(&vs->st.events_lost, 1);
		return false;
	}
	if (log2 > max)
		log2 = max;
	wmask = (2U << log2) - 1;
	imask = (1U << log2) - 1;
	prod = atomic_load(&vs->evtq_prod);
	cons = atomic_load_explicit(&vs->evtq_cons, memory_order_acquire);
	ovf = prod & Q_OVERFLOW_FLAG;
	if ((prod & wmask) == ((cons & wmask) ^ (imask + 1))) {
		/* Full: the record is lost */
		overflow(vs);
		atomic_fetch_add(&vs->st.events_lost, 1);
		return false;
	}
	bytes = 32ULL << log2;
	addr = (base & Q_BASE_ADDR_MASK & ~(bytes - 1)) +
	       32ULL * (prod & imask);
	for (i = 0; i < 4; i++) {
		if (vsmmu_mem_write64(vs_gmem(vs), addr + 8 * i, evt[i])) {
			atomic_fetch_add(&vs->st.events_lost, 1);
			vs_gerror_raise(vs, GERROR_EVTQ_ABT_ERR);
			return false;
		}
	}
	atomic_store_explicit(&vs->evtq_prod, ((prod + 1) & wmask) | ovf,
			      memory_order_release);
	atomic_fetch_add(&vs->st.events, 1);
	return true;
}

void vs_evtq_write(struct vsmmu_vs *vs, const uint64_t evt[4])
{
	bool irq;

	pthread_mutex_lock(&vs->evtq_lock);
	irq = write_locked(vs, evt);
	if (irq)
		vs_evtq_signal(vs);
	pthread_mutex_unlock(&vs->evtq_lock);
}

int vs_evtq_pump(struct vsmmu_vs *vs)
{
	struct {
		struct iommufd_vevent_header h;
		struct iommu_vevent_arm_smmuv3 e;
	} rec;
	int n = 0;
	ssize_t len;

	if (vs->evfd < 0)
		return 0;
	pthread_mutex_lock(&vs->evtq_lock);
	while (n < PUMP_MAX) {
		len = read(vs->evfd, &rec, sizeof(rec));
		if (len < (ssize_t)sizeof(rec.h))
			break; /* empty (EAGAIN), closed, or malformed */
		n++;
		if (rec.h.flags & IOMMU_VEVENTQ_FLAG_LOST_EVENTS) {
			/* A header alone; the next record's sequence number
			 * tells how many were lost */
			overflow(vs);
			atomic_fetch_add(&vs->st.events_lost, 1);
			vs->ev_seq_valid = false;
			continue;
		}
		if (vs->ev_seq_valid && rec.h.sequence != vs->ev_seq) {
			overflow(vs);
			atomic_fetch_add(&vs->st.events_lost, 1);
		}
		/* Sequence numbers run 0..INT_MAX, then 0 again */
		vs->ev_seq = rec.h.sequence >= INT32_MAX ? 0 :
							   rec.h.sequence + 1;
		vs->ev_seq_valid = true;
		if (len != (ssize_t)sizeof(rec))
			continue; /* malformed */
		/* The host names only the VM's devices; check it anyway */
		if (!vs_find_dev(vs, VS_FIELD_GET(EVTQ_0_SID, rec.e.evt[0])))
			continue;
		if (write_locked(vs, (const uint64_t *)rec.e.evt))
			vs_evtq_signal(vs);
	}
	pthread_mutex_unlock(&vs->evtq_lock);
	return n;
}
