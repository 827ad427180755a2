// SPDX-License-Identifier: MIT
/*
 * The VMM layer end to end: a VM with a device assigned from the host,
 * vsmmu's driver running as its guest over the virtual SMMU (every
 * register access trapped, tables and queues in guest RAM), nested DMA
 * map / unmap, the fault forwarded into the guest's event queue with the
 * guest's StreamID, the device's MSI through gIOVA -> gDB -> hDB, and the
 * ID registers the virtual SMMU advertises (worked out by hand below).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>

#include "harness.h"
#include "vm_env.h"

#define PG 4096ULL
#define GPA_BUF (VSMMU_VM_RAM_BASE + 0x100000) /* a guest buffer */
#define GIOVA 0x200000ULL /* the guest's IOVA for it */

struct gev {
	unsigned int n;
	struct vsmmu_drv_event last;
};

static void guest_event(void *arg, const struct vsmmu_drv_event *e)
{
	struct gev *g = arg;

	g->n++;
	g->last = *e;
}

TEST(vmm_idrs_advertised)
{
	struct vsmmu_vm *vm;
	struct venv e;
	uint32_t idr[6];

	ASSERT_OK(venv_init(&e, NULL));
	ASSERT_OK(venv_vm(&e, 1, VSMMU_VM_CMDQV_OFF, VSMMU_VM_TRAP_VCPU, &vm));
	ASSERT_OK(vsmmu_vm_smmu_idr(vm, 0, idr));
	/*
	 * From the default host (vsmmu_smmu_config_default), by hand:
	 * IDR0: ST_LEVEL 2-level (1 << 27) 0x08000000, STALL_MODEL none
	 * (1 << 24) 0x01000000, CD2L 0x80000, MSI 0x2000, ASID16 0x1000,
	 * ATS 0x400, HTTU access+dirty (2 << 6) 0x80, COHACC 0x10, TTF
	 * AArch64 (2 << 2) 0x8, S1P 0x2, PRI (the host's, page requests
	 * through a FAULT queue) 0x10000; no S2P, HYP, SEV, BTM, VMID16.
	 */
	ASSERT_EQ(idr[0], 0x0909349a);
	/* IDR1: CMDQS 10 << 21, EVTQS 10 << 16, PRIQS 10 << 11, SSIDSIZE
	 * 20 << 6, SIDSIZE 16 */
	ASSERT_EQ(idr[1], 0x014a5510);
	ASSERT_EQ(idr[2], 0);
	ASSERT_EQ(idr[3], 0x400); /* RIL */
	ASSERT_EQ(idr[4], 0);
	/* IDR5: GRAN64K 0x40, GRAN16K 0x20, GRAN4K 0x10, OAS 48 bits (5) */
	ASSERT_EQ(idr[5], 0x75);
	/* The guest reads the same through its trapped registers */
	ASSERT_EQ(venv_rd(vm, ARM_SMMU_IDR0, 4), 0x0909349a);
	ASSERT_EQ(venv_rd(vm, ARM_SMMU_IDR5, 4), 0x75);
	ASSERT_EQ(venv_rd(vm, ARM_SMMU_AIDR, 4), 0x02);
	vsmmu_vm_destroy(vm);
	venv_fini(&e);
}

TEST(vmm_guest_driver_nested_dma_end_to_end)
{
	struct vsmmu_iommufd_irq irq[4];
	struct vsmmu_vm_smmu_stats st0, st1;
	struct vsmmu_drv_domain *dom;
	struct vsmmu_vm_guest *g;
	struct vsmmu_vm_guest_config gc = { 0 };
	struct vsmmu_vm *vm;
	struct venv e;
	struct gev ev = { 0 };
	unsigned char data[64], back[64];
	unsigned char *ram;
	uint64_t rbase;
	unsigned int i;

	ASSERT_OK(venv_init(&e, NULL));
	ASSERT_OK(venv_vm(&e, 1, VSMMU_VM_CMDQV_OFF, VSMMU_VM_TRAP_VCPU, &vm));
	ram = vsmmu_vm_ram(vm, &rbase, NULL);
	ASSERT_EQ(rbase, VSMMU_VM_RAM_BASE);
	/* The guest kernel: the driver probes, resets and enables its SMMU
	 * through trapped accesses; tables and queues in guest RAM */
	gc.pool_size = VENV_POOL_SIZE;
	gc.event_fn = guest_event;
	gc.event_arg = &ev;
	ASSERT_OK(vsmmu_vm_guest_create(vm, &gc, &g));
	ASSERT_EQ(venv_rd(vm, ARM_SMMU_CR0, 4) & CR0_SMMUEN, CR0_SMMUEN);
	ASSERT_OK(vsmmu_vm_guest_attach(g, 0, 0x77, &dom));
	/* The guest maps a buffer of its own RAM for the device (strict) */
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 1);
	ASSERT_OK(vsmmu_drv_map(dom, GIOVA, GPA_BUF, PG,
				VSMMU_PROT_READ | VSMMU_PROT_WRITE));
	/* Device DMA: gIOVA -> GPA (guest stage 1) -> host page (stage 2) */
	ASSERT_OK(venv_dma(vm, 0, GIOVA + 0x40, data, sizeof(data), true));
	ASSERT_TRUE(
		!memcmp(ram + (GPA_BUF - rbase) + 0x40, data, sizeof(data)));
	ASSERT_OK(venv_dma(vm, 0, GIOVA + 0x40, back, sizeof(back), false));
	ASSERT_TRUE(!memcmp(back, data, sizeof(data)));
	/* Strict unmap: TLBI + CMD_SYNC through the emulated queue, one
	 * HWPT_INVALIDATE for the batch */
	ASSERT_OK(vsmmu_vm_smmu_get_stats(vm, 0, &st0));
	ASSERT_EQ(vsmmu_drv_unmap(dom, GIOVA, PG, 0, NULL, NULL), (int64_t)PG);
	ASSERT_OK(vsmmu_vm_smmu_get_stats(vm, 0, &st1));
	ASSERT_EQ(st1.inv_calls - st0.inv_calls, 1);
	ASSERT_TRUE(st1.inv_cmds > st0.inv_cmds);
	ASSERT_EQ(st1.syncs - st0.syncs, 1);
	ASSERT_EQ(st1.cerror_ill, 0);
	/* The device now faults: F_TRANSLATION at the guest's stage 1 */
	ASSERT_EQ(venv_dma(vm, 0, GIOVA, back, 4, false), -EFAULT);
	/* Host IRQ thread -> VEVENTQ -> the VMM -> the guest's event queue */
	venv_process(&e);
	ASSERT_EQ(atomic_load(&e.host_events), 0);
	ASSERT_EQ(vsmmu_vm_process(vm), 1);
	ASSERT_OK(vsmmu_vm_smmu_get_stats(vm, 0, &st1));
	ASSERT_EQ(st1.events, 1);
	/* The guest's driver drains it: its own StreamID, its IOVA */
	ASSERT_TRUE(vsmmu_drv_process(vsmmu_vm_guest_drv(g)) >= 0);
	ASSERT_EQ(ev.n, 1);
	ASSERT_EQ(ev.last.id, EVT_ID_TRANSLATION);
	ASSERT_EQ(ev.last.sid, 0x10);
	ASSERT_EQ(ev.last.addr, GIOVA);
	/* The device's MSI: gIOVA -> gDB (guest stage 1) -> hDB (stage 2),
	 * recorded by the host doorbell with the physical DeviceID */
	ASSERT_OK(vsmmu_vm_dev_msi(vm, 0));
	ASSERT_EQ(vsmmu_iommufd_doorbell_take(e.ictx, irq, 4, NULL), 1);
	ASSERT_EQ(irq[0].devid, 0x40);
	ASSERT_EQ(irq[0].eventid, 0x77);
	vsmmu_vm_guest_destroy(g);
	vsmmu_vm_destroy(vm);
	ASSERT_EQ(atomic_load(&e.host_events), 0);
	venv_fini(&e);
}
