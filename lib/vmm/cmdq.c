// SPDX-License-Identifier: MIT
/*
 * The virtual SMMU's command queue, emulated (docs/vm.md, "Commands").
 *
 * The guest's queue lives in guest RAM; a trapped write of CMDQ_PROD (or
 * GERRORN, or CR0.CMDQEN) consumes it on the writing thread, one consumer
 * at a time (cmdq_lock).  For each command between CONS and PROD:
 *
 *  1. fetch it from guest memory: outside guest RAM is CERROR_ABT;
 *  2. check it with vsmmu_cmd_check() against what this virtual SMMU
 *     advertises (stage 1 only, no HYP, no PRI, no stalls, its RIL and
 *     ATS): the one legality rule the hardware model also uses, so the
 *     guest gets CERROR_ILL exactly where an SMMU with these IDRs would;
 *  3. execute it:
 *     - TLBI_NH_ALL/ASID/VA/VAA, TLBI_NSNH_ALL, CFGI_CD, CFGI_CD_ALL and
 *       ATC_INV join a batch that goes to the host in one HWPT_INVALIDATE
 *       on the vIOMMU (which puts in the VM's VMID and the physical
 *       StreamIDs).  The batch is sent at the next CMD_SYNC, when it is
 *       full, before a CFGI_STE (so commands keep their order), before an
 *       error is reported, and when the queue runs dry (the commands the
 *       guest published without a sync are then executed, as an SMMU
 *       would eventually).  Commands naming a StreamID the VM does not
 *       have are dropped: on an SMMU they would invalidate nothing.
 *     - CFGI_STE, CFGI_STE_RANGE, CFGI_ALL re-read the guest's STEs of
 *       the StreamIDs in range and install them (viommu.c); a device
 *       whose STE words are unchanged gets CFGI_CD_ALL instead, because
 *       CFGI_STE also drops the CDs cached through the StreamID.
 *     - CMD_SYNC completes once the batch before it has completed on the
 *       host: CS = IRQ writes MSIData to MSIAddress in guest memory (or
 *       raises the CMD_SYNC interrupt with MSIAddress 0).
 *     - PREFETCH_* do nothing.
 *  4. CONS passes a command once it has executed; a batched command's
 *     CONS is published when its batch has.
 *
 * An error stops the queue as the architecture says: CONS at the failing
 * command with CONS.ERR (CERROR_ILL / CERROR_ABT), GERROR.CMDQ_ERR active,
 * the GERROR interrupt, and nothing more consumed until the guest writes
 * GERRORN.  A command the host refuses in HWPT_INVALIDATE (it cannot
 * happen for one that passed step 2, but the host decides) is CERROR_ILL
 * at that command; those before it in the batch were executed.  Nothing
 * reaches the host's queue that vsmmu_cmd_check would refuse for the
 * host, and the host's own checks are the last word.
 */
#include <errno.h>

#include "vmm/vm.h"

static unsigned int q_log2(uint64_t base, unsigned int max)
{
	unsigned int l = VS_FIELD_GET(Q_BASE_LOG2SIZE, base);

	return l < max ? l : max;
}

/* The queue's address, aligned down to its size as the SMMU does */
static uint64_t q_addr(uint64_t base, unsigned int log2, unsigned int ent)
{
	uint64_t bytes = (uint64_t)ent << log2;

	if (bytes < 32)
		bytes = 32;
	return base & Q_BASE_ADDR_MASK & ~(bytes - 1);
}

static void publish(struct vsmmu_vs *vs, uint32_t cons)
{
	atomic_store_explicit(&vs->cmdq_cons, cons, memory_order_release);
}

static void cmd_error(struct vsmmu_vs *vs, unsigned int err, uint32_t cons)
{
	publish(vs, cons | VS_FIELD_PREP(CMDQ_CONS_ERR, err));
	if (err == CMDQ_ERR_CERROR_ABT_IDX)
		atomic_fetch_add(&vs->st.cerror_abt, 1);
	else
		atomic_fetch_add(&vs->st.cerror_ill, 1);
	vs_gerror_raise(vs, GERROR_CMDQ_ERR);
}

/*
 * Send the batch; on success publish @next as CONS.  Return: false if the
 * host refused a command (the error has been raised at it).
 */
static bool flush(struct vsmmu_vs *vs, uint32_t next)
{
	struct vs_batch *b = &vs->batch;
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv),
		.hwpt_id = vs->viommu,
		.data_uptr = (uintptr_t)b->cmd,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		.entry_len = sizeof(b->cmd[0]),
		.entry_num = b->n,
	};
	int rc;

	if (b->n) {
		rc = vsmmu_iommufd_ioctl(vs_ictx(vs), IOMMU_HWPT_INVALIDATE,
					 &inv);
		atomic_fetch_add(&vs->st.inv_calls, 1);
		atomic_fetch_add(&vs->st.inv_cmds,
				 inv.entry_num < b->n ? inv.entry_num : b->n);
		if (rc) {
			unsigned int k = inv.entry_num < b->n ? inv.entry_num :
								b->n - 1;

			cmd_error(vs, CMDQ_ERR_CERROR_ILL_IDX, b->idx[k]);
			b->n = 0;
			return false;
		}
		b->n = 0;
	}
	publish(vs, next);
	return true;
}

static bool batch_add(struct vsmmu_vs *vs, const uint64_t cmd[2], uint32_t idx)
{
	struct vs_batch *b = &vs->batch;

	if (b->n == VS_BATCH_MAX && !flush(vs, idx))
		return false;
	b->cmd[b->n][0] = cmd[0];
	b->cmd[b->n][1] = cmd[1];
	b->idx[b->n] = idx;
	b->n++;
	return true;
}

/* CFGI_STE / CFGI_STE_RANGE / CFGI_ALL */
static bool cfgi_ste(struct vsmmu_vs *vs, const uint64_t cmd[2], uint32_t idx,
		     uint32_t next)
{
	uint32_t sid = VS_FIELD_GET(CMDQ_CFGI_0_SID, cmd[0]), first, last;
	uint64_t same;
	unsigned int i;

	if (VS_FIELD_GET(CMDQ_0_OP, cmd[0]) == CMDQ_OP_CFGI_STE) {
		first = last = sid;
	} else {
		unsigned int range = VS_FIELD_GET(CMDQ_CFGI_1_RANGE, cmd[1]);

		/* RANGE n covers 2^(n+1) StreamIDs; 31 is all of them */
		if (range >= 31) {
			first = 0;
			last = UINT32_MAX;
		} else {
			uint64_t span = 2ULL << range;

			first = (uint32_t)(sid & ~(span - 1));
			last = (uint32_t)(first + span - 1);
		}
	}
	if (!flush(vs, idx))
		return false;
	vs_install_range(vs, first, last, &same);
	if (vm_pasid_host_owned(vs->vm)) {
		/* The host's CD tables: every CD of the devices in range
		 * re-read and rebound (CFGI_STE drops cached CDs too) */
		vs_pasid_resync(vs, first, last);
		publish(vs, next);
		return true;
	}
	for (i = 0; same && i < vs->ndevs; i++) {
		uint64_t c[2] = { CMDQ_OP_CFGI_CD_ALL, 0 };

		if (!(same & (1ULL << i)))
			continue;
		c[0] |= VS_FIELD_PREP(CMDQ_CFGI_0_SID, vs->devs[i]->cfg.vsid);
		if (!batch_add(vs, c, idx))
			return false;
	}
	return flush(vs, next);
}

static bool cmd_sync(struct vsmmu_vs *vs, const uint64_t cmd[2], uint32_t idx,
		     uint32_t next)
{
	uint64_t addr = cmd[1] & CMDQ_SYNC_1_MSIADDR_MASK;

	if (!flush(vs, idx))
		return false;
	if (VS_FIELD_GET(CMDQ_SYNC_0_CS, cmd[0]) == CMDQ_SYNC_0_CS_IRQ) {
		if (!addr)
			vs_raise_irq(vs, VSMMU_IRQ_CMD_SYNC);
		else if (vsmmu_mem_write32(vs_gmem(vs), addr,
					   VS_FIELD_GET(CMDQ_SYNC_0_MSIDATA,
							cmd[0])))
			vs_gerror_raise(vs, GERROR_MSI_CMDQ_ABT_ERR);
	}
	atomic_fetch_add(&vs->st.syncs, 1);
	publish(vs, next);
	return true;
}

/* Execute one legal command.  Return: false if the queue stopped. */
static bool execute(struct vsmmu_vs *vs, const uint64_t cmd[2], uint32_t idx,
		    uint32_t next)
{
	unsigned int op = VS_FIELD_GET(CMDQ_0_OP, cmd[0]);
	struct vm_dev *d;

	switch (op) {
	case CMDQ_OP_CMD_SYNC:
		return cmd_sync(vs, cmd, idx, next);
	case CMDQ_OP_CFGI_STE:
	case CMDQ_OP_CFGI_STE_RANGE:
		return cfgi_ste(vs, cmd, idx, next);
	case CMDQ_OP_CFGI_CD:
	case CMDQ_OP_CFGI_CD_ALL:
	case CMDQ_OP_ATC_INV:
		d = vs_find_dev(vs, VS_FIELD_GET(CMDQ_CFGI_0_SID, cmd[0]));
		if (!d) {
			atomic_fetch_add(&vs->st.inv_dropped, 1);
			break;
		}
		if (op != CMDQ_OP_ATC_INV && vm_pasid_host_owned(vs->vm)) {
			/* The CD table is the host's: the VMM binds what the
			 * guest wrote (after the invalidations before it) */
			if (!flush(vs, idx))
				return false;
			vs_pasid_cfgi(vs, d, op == CMDQ_OP_CFGI_CD_ALL,
				      VS_FIELD_GET(CMDQ_CFGI_0_SSID, cmd[0]));
			break;
		}
		return batch_add(vs, cmd, idx);
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_NH_ASID:
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_NSNH_ALL:
		return batch_add(vs, cmd, idx);
	case CMDQ_OP_PRI_RESP:
		/* Legal only with IDR0.PRI (vsmmu_cmd_check): a page
		 * response; the device sees it after the invalidations
		 * before it, which are flushed first */
		if (!flush(vs, idx))
			return false;
		vs_priq_respond(vs, cmd);
		break;
	default: /* PREFETCH_*: nothing to do */
		break;
	}
	if (!vs->batch.n)
		publish(vs, next);
	return true;
}

static void consume_locked(struct vsmmu_vs *vs)
{
	struct vsmmu_mem *g = vs_gmem(vs);
	unsigned int log2;
	uint32_t wmask, imask, prod, cons = 0, next;
	uint64_t base, addr, cmd[2];
	unsigned int budget = 4U << VS_FIELD_GET(IDR1_CMDQS, vs->idr[1]);

	/*
	 * Bounded: a guest that keeps publishing from other vCPUs cannot
	 * keep this one here forever; each of its PROD writes consumes in
	 * turn, so nothing published is left behind.
	 */
	while (budget--) {
		if (!(atomic_load(&vs->cr0) & CR0_CMDQEN))
			break;
		if ((atomic_load(&vs->gerror) ^ atomic_load(&vs->gerrorn)) &
		    GERROR_CMDQ_ERR)
			break;
		base = atomic_load_explicit(&vs->cmdq_base,
					    memory_order_acquire);
		log2 = q_log2(base, VS_FIELD_GET(IDR1_CMDQS, vs->idr[1]));
		wmask = (2U << log2) - 1;
		imask = (1U << log2) - 1;
		prod = atomic_load_explicit(&vs->cmdq_prod,
					    memory_order_acquire) &
		       wmask;
		/* With commands batched, CONS stays at the first of them and
		 * the fetch position is ours (a dropped command after them
		 * was passed without being batched) */
		if (!vs->batch.n)
			cons = atomic_load(&vs->cmdq_cons) & wmask;
		cons &= wmask;
		if (cons == prod)
			break;
		next = (cons + 1) & wmask;
		addr = q_addr(base, log2, 16) + 16ULL * (cons & imask);
		if (vsmmu_mem_read64(g, addr, &cmd[0]) ||
		    vsmmu_mem_read64(g, addr + 8, &cmd[1])) {
			if (flush(vs, cons))
				cmd_error(vs, CMDQ_ERR_CERROR_ABT_IDX, cons);
			break;
		}
		atomic_fetch_add(&vs->st.cmds, 1);
		if (vsmmu_cmd_check(cmd, &vs->caps)) {
			if (flush(vs, cons))
				cmd_error(vs, CMDQ_ERR_CERROR_ILL_IDX, cons);
			break;
		}
		if (!execute(vs, cmd, cons, next))
			break;
		cons = next;
	}
	/* The queue ran dry, was disabled or stopped: nothing stays pending */
	if (vs->batch.n)
		flush(vs, cons);
}

void vs_cmdq_consume(struct vsmmu_vs *vs)
{
	pthread_mutex_lock(&vs->cmdq_lock);
	consume_locked(vs);
	pthread_mutex_unlock(&vs->cmdq_lock);
}
