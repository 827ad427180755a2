// SPDX-License-Identifier: MIT
/*
 * Page requests for the guest (docs/vm.md, "Page requests").
 *
 * A PRI-capable device's nested HWPT reports to the virtual SMMU's FAULT
 * queue; each message read from its fd is one page request group (struct
 * iommu_hwpt_pgfault records, the last with LAST_PAGE, one cookie).  The
 * VMM writes each request to the guest's PRI queue in guest RAM as the
 * SMMU writes its own (spec 8.1, 8.2; lib/hw/pri.c is the model's
 * producer, with the same rules):
 *
 *  - queue off (SMMUEN or PRIQEN clear) or PRIQ_ABT_ERR active: the
 *    request is not written and its group gets an automatic Response
 *    Failure -- here the page response INVALID;
 *  - queue full: the overflow condition starts (PRIQ_PROD.OVFLG toggled,
 *    unless already pending) and lasts until the guest acknowledges it in
 *    PRIQ_CONS.OVACKFLG; while it lasts every request is discarded, and a
 *    discarded Last = 1 request's group is answered Success automatically
 *    (the device asks again) -- the page response SUCCESS;
 *  - a record write outside guest RAM raises GERROR.PRIQ_ABT_ERR and the
 *    group gets an automatic Failure.
 * After a Last request is written the PRIQ interrupt is signalled
 * (IRQ_CTRL.PRIQ_IRQEN: MSI through PRIQ_IRQ_CFG0..2, or the line).
 *
 * A group the guest was given waits for its CMD_PRI_RESP (vSID, SSID,
 * PRGI): Success becomes the page response SUCCESS, InvalidRequest and
 * Failure INVALID.  A response naming no such group is dropped (a device
 * ignores a response it did not ask for).  At most VS_PRG_MAX groups wait
 * at once; one beyond is answered INVALID without reaching the guest.
 * Groups of a device that leaves the VM, or of a virtual SMMU torn down,
 * are answered INVALID.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/vm.h"

#define PUMP_MAX 256 /* groups per call, so one queue cannot starve */
#define GROUP_MAX 64 /* requests in one message read */

static void respond(struct vsmmu_vs *vs, uint32_t cookie, uint32_t code)
{
	struct iommu_hwpt_page_response r = { .cookie = cookie, .code = code };

	/* A full socket or a closed context: the host answers the group
	 * itself when the device leaves or the queue goes */
	if (send(vs->fault_fd, &r, sizeof(r), MSG_DONTWAIT) != sizeof(r))
		return;
}

/* priq_lock held.  Write one record; false if discarded (*@auto_code). */
static bool write_locked(struct vsmmu_vs *vs, const uint64_t rec[2], bool last,
			 uint32_t *auto_code, bool *irq)
{
	uint32_t cr0 = atomic_load(&vs->cr0);
	uint64_t base =
		atomic_load_explicit(&vs->priq_base, memory_order_acquire);
	unsigned int log2 = VS_FIELD_GET(Q_BASE_LOG2SIZE, base);
	unsigned int max = VS_FIELD_GET(IDR1_PRIQS, vs->idr[1]);
	uint32_t prod, cons, wmask, imask;
	uint64_t addr;

	if (!(cr0 & CR0_SMMUEN) || !(cr0 & CR0_PRIQEN) ||
	    ((atomic_load(&vs->gerror) ^ atomic_load(&vs->gerrorn)) &
	     GERROR_PRIQ_ABT_ERR)) {
		*auto_code = IOMMUFD_PAGE_RESP_INVALID;
		return false;
	}
	if (log2 > max)
		log2 = max;
	wmask = (2U << log2) - 1;
	imask = (1U << log2) - 1;
	prod = atomic_load(&vs->priq_prod);
	cons = atomic_load_explicit(&vs->priq_cons, memory_order_acquire);
	if ((prod & Q_OVERFLOW_FLAG) != (cons & Q_OVERFLOW_FLAG) ||
	    (prod & wmask) == ((cons & wmask) ^ (imask + 1))) {
		/* Full, or an overflow not yet acknowledged: discarded */
		if ((prod & Q_OVERFLOW_FLAG) == (cons & Q_OVERFLOW_FLAG))
			atomic_store_explicit(&vs->priq_prod,
					      prod ^ Q_OVERFLOW_FLAG,
					      memory_order_release);
		*auto_code = IOMMUFD_PAGE_RESP_SUCCESS;
		/* A Last request lost to overflow interrupts as one written */
		*irq |= last;
		return false;
	}
	addr = (base & Q_BASE_ADDR_MASK & ~((16ULL << log2) - 1)) +
	       16ULL * (prod & imask);
	if (vsmmu_mem_write64(vs_gmem(vs), addr, rec[0]) ||
	    vsmmu_mem_write64(vs_gmem(vs), addr + 8, rec[1])) {
		vs_gerror_raise(vs, GERROR_PRIQ_ABT_ERR);
		*auto_code = IOMMUFD_PAGE_RESP_INVALID;
		return false;
	}
	atomic_store_explicit(&vs->priq_prod,
			      ((prod + 1) & wmask) | (prod & Q_OVERFLOW_FLAG),
			      memory_order_release);
	*irq |= last;
	return true;
}

/* priq_lock held.  Remember a group given to the guest. */
static bool prg_add(struct vsmmu_vs *vs, uint32_t vsid, bool ssv,
		    uint32_t pasid, unsigned int prgi, uint32_t cookie)
{
	unsigned int i;

	for (i = 0; i < VS_PRG_MAX; i++) {
		struct vs_prg *p = &vs->prgs[i];

		if (p->used)
			continue;
		*p = (struct vs_prg){ .vsid = vsid,
				      .pasid = ssv ? pasid : 0,
				      .cookie = cookie,
				      .prgi = (uint16_t)prgi,
				      .ssv = ssv,
				      .used = true };
		return true;
	}
	return false;
}

/*
 * One group from the host, @n records: check it names one of the VM's
 * devices, then write its requests.  priq_lock held.
 */
static void deliver(struct vsmmu_vs *vs, const struct iommu_hwpt_pgfault *f,
		    unsigned int n, bool *irq)
{
	uint32_t code = IOMMUFD_PAGE_RESP_INVALID, cookie = f[n - 1].cookie;
	uint32_t gpasid[GROUP_MAX];
	struct vm_dev *d = NULL;
	bool all = true, ok;
	unsigned int i;

	for (i = 0; i < vs->ndevs; i++)
		if (vs->devs[i]->dev_id == f[0].dev_id)
			d = vs->devs[i];
	/* The host names only the VM's devices, one per group; the last
	 * record closes the group */
	ok = d && (f[n - 1].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	for (i = 0; ok && i < n; i++)
		ok = f[i].dev_id == f[0].dev_id && f[i].cookie == cookie &&
		     f[i].grpid == f[0].grpid &&
		     VS_FIELD_FIT(PRIQ_1_PRG_IDX, f[i].grpid) &&
		     (f[i].pasid >> 20) == 0;
	/* The guest sees its own PASIDs: H->G in the host-owned modes (a
	 * PASID the guest does not hold fails the group) */
	for (i = 0; ok && i < n; i++) {
		gpasid[i] = 0;
		if (f[i].flags & IOMMU_PGFAULT_FLAGS_PASID_VALID)
			ok = !vm_pasid_h2g(vs->vm, f[i].pasid, &gpasid[i]);
	}
	if (!ok) {
		atomic_fetch_add(&vs->st.pprs_lost, n);
		respond(vs, cookie, IOMMUFD_PAGE_RESP_INVALID);
		atomic_fetch_add(&vs->st.pri_auto, 1);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct iommu_hwpt_pgfault *r = &f[i];
		bool ssv = r->flags & IOMMU_PGFAULT_FLAGS_PASID_VALID;
		bool last = i == n - 1;
		uint64_t rec[2];

		rec[0] = VS_FIELD_PREP(PRIQ_0_SID, d->cfg.vsid) |
			 (ssv ? PRIQ_0_SSID_V | VS_FIELD_PREP(PRIQ_0_SSID,
							      gpasid[i]) :
				0) |
			 ((r->perm & IOMMU_PGFAULT_PERM_READ) ?
				  PRIQ_0_PERM_READ :
				  0) |
			 ((r->perm & IOMMU_PGFAULT_PERM_WRITE) ?
				  PRIQ_0_PERM_WRITE :
				  0) |
			 ((r->perm & IOMMU_PGFAULT_PERM_EXEC) ?
				  PRIQ_0_PERM_EXEC :
				  0) |
			 ((r->perm & IOMMU_PGFAULT_PERM_PRIV) ?
				  PRIQ_0_PERM_PRIV :
				  0) |
			 (last ? PRIQ_0_PRG_LAST : 0);
		rec[1] = VS_FIELD_PREP(PRIQ_1_PRG_IDX, r->grpid) |
			 (r->addr & PRIQ_1_ADDR_MASK);
		if (write_locked(vs, rec, last, &code, irq)) {
			atomic_fetch_add(&vs->st.pprs, 1);
			continue;
		}
		atomic_fetch_add(&vs->st.pprs_lost, 1);
		all = false;
	}
	if (all) {
		const struct iommu_hwpt_pgfault *r = &f[n - 1];

		if (prg_add(vs, d->cfg.vsid,
			    r->flags & IOMMU_PGFAULT_FLAGS_PASID_VALID,
			    gpasid[n - 1], r->grpid, cookie))
			return;
		code = IOMMUFD_PAGE_RESP_INVALID; /* too many outstanding */
	}
	/* The Last request (or one before it) never reached the guest: the
	 * virtual SMMU answers the group itself */
	respond(vs, cookie, code);
	atomic_fetch_add(&vs->st.pri_auto, 1);
}

int vs_priq_pump(struct vsmmu_vs *vs)
{
	struct iommu_hwpt_pgfault f[GROUP_MAX];
	bool irq = false;
	int n = 0;

	if (vs->fault_fd < 0)
		return 0;
	pthread_mutex_lock(&vs->priq_lock);
	while (n < PUMP_MAX) {
		ssize_t len = recv(vs->fault_fd, f, sizeof(f), MSG_DONTWAIT);

		if (len <= 0)
			break; /* empty (EAGAIN) or closed */
		n++;
		/* A message is whole records; anything else is dropped */
		if (len % sizeof(f[0]))
			continue;
		deliver(vs, f, (unsigned int)(len / sizeof(f[0])), &irq);
	}
	pthread_mutex_unlock(&vs->priq_lock);
	if (irq)
		vs_priq_signal(vs);
	return n;
}

void vs_priq_respond(struct vsmmu_vs *vs, const uint64_t cmd[2])
{
	uint32_t vsid = VS_FIELD_GET(CMDQ_PRI_0_SID, cmd[0]);
	bool ssv = cmd[0] & CMDQ_0_SSV;
	uint32_t pasid = ssv ? VS_FIELD_GET(CMDQ_PRI_0_SSID, cmd[0]) : 0;
	unsigned int prgi = VS_FIELD_GET(CMDQ_PRI_1_GRPID, cmd[1]);
	unsigned int resp = VS_FIELD_GET(CMDQ_PRI_1_RESP, cmd[1]);
	uint32_t cookie = 0;
	bool found = false;
	unsigned int i;

	pthread_mutex_lock(&vs->priq_lock);
	for (i = 0; i < VS_PRG_MAX; i++) {
		struct vs_prg *p = &vs->prgs[i];

		if (p->used && p->vsid == vsid && p->prgi == prgi &&
		    p->ssv == ssv && p->pasid == pasid) {
			cookie = p->cookie;
			p->used = false;
			found = true;
			break;
		}
	}
	if (found)
		respond(vs, cookie,
			resp == CMDQ_PRI_1_RESP_SUCC ?
				IOMMUFD_PAGE_RESP_SUCCESS :
				IOMMUFD_PAGE_RESP_INVALID);
	pthread_mutex_unlock(&vs->priq_lock);
	atomic_fetch_add(found ? &vs->st.pri_resps : &vs->st.pri_resps_dropped,
			 1);
}

void vs_priq_flush(struct vsmmu_vs *vs, const struct vm_dev *d)
{
	unsigned int i;

	if (vs->fault_fd < 0)
		return;
	pthread_mutex_lock(&vs->priq_lock);
	for (i = 0; i < VS_PRG_MAX; i++) {
		struct vs_prg *p = &vs->prgs[i];

		if (!p->used || (d && p->vsid != d->cfg.vsid))
			continue;
		p->used = false;
		respond(vs, p->cookie, IOMMUFD_PAGE_RESP_INVALID);
		atomic_fetch_add(&vs->st.pri_auto, 1);
	}
	pthread_mutex_unlock(&vs->priq_lock);
}
