/* SPDX-License-Identifier: MIT */
/*
 * The VMM layer: virtual machines whose devices are assigned from the host
 * and sit behind a virtual SMMU of their own.
 *
 * A VM (struct vsmmu_vm) is what a VMM such as QEMU or kvmtool builds on
 * /dev/iommu, here on a vsmmu iommufd context (<vsmmu/iommufd.h>, the only
 * way this layer reaches the host):
 *
 *  - guest RAM: the VMM's memory, mapped into an IOAS at IOVA = guest
 *    physical address, so that the IOAS is the guest-physical space and its
 *    nest-parent HWPTs are the VM's stage 2; the guest's own view of it is a
 *    struct vsmmu_mem aliasing the same bytes (vsmmu_vm_gmem());
 *  - vCPUs: threads running guest code (vsmmu_vm_vcpu_start());
 *  - devices assigned from the host: iommufd DEVICEs, each presented to the
 *    guest under a virtual StreamID;
 *  - one virtual SMMU per physical SMMU the VM's devices sit behind: a
 *    guest-visible SMMUv3 (and, with a TEGRA241_CMDQV vIOMMU, a CMDQV of its
 *    own) whose register file is trapped and emulated, whose stream table,
 *    CD tables and queues live in guest memory;
 *  - a guest interrupt controller doorbell (an ITS translation frame) whose
 *    guest-physical page is bound to the host doorbell, so that a device's
 *    MSI travels gIOVA -> gDB (the guest's stage 1) -> hDB (stage 2).
 *
 * docs/vm.md is the design: where a trap is handled and what it costs, what
 * the virtual SMMU advertises and why, how each command is emulated, CMDQV
 * passthrough, and the concurrency rules below in their long form.
 *
 * The guest-physical layout (struct vsmmu_vm_config can move RAM):
 *
 *   0x09000000  the guest's ITS translation frame (64 KiB); an MSI is a
 *               32-bit write to its GITS_TRANSLATER (+0x40)
 *   0x09050000  virtual SMMU i at + i * 0x20000 (two 64 KiB pages)
 *   0x09400000  virtual SMMU i's CMDQV at + i * 0x100000 (one VINTF)
 *   0x40000000  RAM
 *
 * Concurrency rules (tested under ThreadSanitizer):
 *
 *  - vsmmu_vm_create() and vsmmu_vm_destroy() must not race with anything
 *    on the VM; every other function is thread-safe.
 *  - Guest MMIO (vsmmu_vm_mmio_read/write and the ops below) may come from
 *    any number of vCPU threads at once.  A trapped access is emulated to
 *    completion before the call returns, as an MMIO exit is: on the calling
 *    vCPU thread (VSMMU_VM_TRAP_VCPU, the default: KVM_EXIT_MMIO's model) or
 *    by the VMM thread while the vCPU waits (VSMMU_VM_TRAP_THREAD).  A
 *    passed-through region (the guest's VCMDQ page) is accessed directly,
 *    with no exit.
 *  - The virtual SMMU: register reads are lock-free (each register is an
 *    atomic); register writes are serialised by its register lock.  The
 *    emulated command queue is consumed by one thread at a time: a write of
 *    CMDQ_PROD (or of GERRORN, or CR0) consumes on the writing thread, and
 *    a writer that finds another thread consuming waits for it, so when a
 *    PROD write returns every command before that PROD has been consumed
 *    (or the queue has halted on an error).  Installing guest STEs (CFGI_*,
 *    SMMUEN and GBPA changes) is serialised by its configuration lock;
 *    writes to the guest's event queue by its event lock.  Lock order:
 *    command queue, then configuration, then the iommufd context's own;
 *    the register and event locks are leaves.
 *  - The guest's interrupt handler (vsmmu_vm_smmu_set_irq()) is called from
 *    whichever thread raised the interrupt (a vCPU consuming a CMD_SYNC, the
 *    thread pumping events) and must not call back into the VM.
 *  - Device DMA and MSIs (vsmmu_vm_dev_dma(), vsmmu_vm_dev_msi()) run
 *    concurrently with everything, as iommufd's do.
 *
 * Errors are negative errno values.  Nothing a guest writes -- registers,
 * tables, commands, queue bases -- can crash the VMM, stall the host's
 * queues or reach another VM: a guest gets the architected answer on its
 * own virtual SMMU (CERROR_ILL, GERROR, an event) or nothing.
 */
#ifndef VSMMU_VMM_H
#define VSMMU_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vsmmu/driver.h>
#include <vsmmu/export.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/mem.h>
#include <vsmmu/smmu.h> /* enum vsmmu_irq, vsmmu_irq_fn */

#ifdef __cplusplus
extern "C" {
#endif

struct vsmmu_vm;
struct vsmmu_vcpu;

/* --- The guest-physical layout ------------------------------------------- */

#define VSMMU_VM_RAM_BASE 0x40000000ULL
#define VSMMU_VM_GITS_FRAME 0x09000000ULL /* the guest's doorbell (gDB) */
#define VSMMU_VM_MSI_ADDR      \
	(VSMMU_VM_GITS_FRAME + \
	 VSMMU_IOMMUFD_GITS_TRANSLATER) /* its TRANSLATER */
#define VSMMU_VM_SMMU_BASE(i) (0x09050000ULL + 0x20000ULL * (i))
#define VSMMU_VM_CMDQV_BASE(i) (0x09400000ULL + 0x100000ULL * (i))
#define VSMMU_VM_CMDQV_SIZE 0x50000ULL /* one VINTF: 0x30000 + 0x20000 */
#define VSMMU_VM_MAX_SMMUS 4
#define VSMMU_VM_MAX_DEVS 64

/* --- Creating a VM ---------------------------------------------------------- */

/* How the guest's CMDQV (with a host CMDQV) is given to it */
enum vsmmu_vm_cmdqv {
	/* No CMDQV: every command goes to the trapped, emulated main queue */
	VSMMU_VM_CMDQV_OFF,
	/*
	 * A TEGRA241_CMDQV vIOMMU; the guest's logical VCMDQ page is mapped
	 * into it: PROD/CONS accesses reach the VCMDQ with no exit.
	 */
	VSMMU_VM_CMDQV_PASSTHROUGH,
	/*
	 * The same CMDQV, but the VMM traps the VCMDQ page too and forwards
	 * each access (what a VMM that cannot map the page does): every PROD
	 * write is an exit.  For comparisons.
	 */
	VSMMU_VM_CMDQV_TRAPPED,
};

/* Where a trapped access is emulated (docs/vm.md, "The trap path") */
enum vsmmu_vm_trap {
	VSMMU_VM_TRAP_VCPU, /* on the vCPU thread, as KVM_EXIT_MMIO */
	VSMMU_VM_TRAP_THREAD, /* handed to the VMM thread; the vCPU waits */
};

/*
 * Who owns a device's PASID table -- its CD table -- when the guest binds
 * its processes to PASIDs (seed 004's two designs; docs/vm.md, "Guest
 * PASID binding").  A per-VM choice.
 */
enum vsmmu_vm_pasid_mode {
	/*
	 * The guest's: its STE points at its own CD table, which the host
	 * walks (SMMUv3 nesting).  Guest PASIDs are the hardware's.
	 */
	VSMMU_VM_PASID_GUEST,
	/*
	 * The host's: the guest allocates PASIDs through the virtual command
	 * interface (VSMMU_VM_VCMD*), gets host PASIDs (gPASID = hPASID), and
	 * the VMM binds each CD the guest invalidates (CFGI_CD) at that PASID
	 * of the host's CD table.  The device's traffic without a PASID is
	 * the VM's stage 2 (the guest's STE must say S1DSS = bypass).
	 */
	VSMMU_VM_PASID_IDENTITY,
	/*
	 * The host's, non-identity: gPASIDs from the guest's own space, each
	 * backed by an hPASID the host allocated; the VMM keeps G->H, page
	 * requests reach the guest with its gPASID, and the device model
	 * translates the gPASID the guest programs into it (the "VDCM").
	 */
	VSMMU_VM_PASID_MAPPED,
};

/*
 * The virtual command interface (host-owned PASID modes): registers in
 * the virtual SMMU's IMPLEMENTATION DEFINED page-0 space (0xE00-0xEFF),
 * after VT-d's VCCAP / VCMD / VCRSP.  A 64-bit write of VCMD (or of its
 * low word) runs the command at once; VCMD_RSP then holds the status and
 * the result (IP is never set: commands complete before the write
 * returns).  In VSMMU_VM_PASID_GUEST mode the three read as zero.
 */
#define VSMMU_VM_VCMD_CAP 0xe00 /* 32-bit RO */
#define VSMMU_VM_VCMD_CAP_PASID (1U << 0) /* PASID allocation */
#define VSMMU_VM_VCMD 0xe10 /* 64-bit RW */
#define VSMMU_VM_VCMD_OP 0xffULL /* [7:0] */
#define VSMMU_VM_VCMD_OP_ALLOC_PASID 1
#define VSMMU_VM_VCMD_OP_FREE_PASID 2 /* operand: the PASID */
#define VSMMU_VM_VCMD_OPERAND 0x000fffff00000000ULL /* [51:32] */
#define VSMMU_VM_VCMD_RSP 0xe20 /* 64-bit RO */
#define VSMMU_VM_VCMD_RSP_IP 0x1ULL /* in progress: never */
#define VSMMU_VM_VCMD_RSP_SC 0x6ULL /* [2:1] status */
#define VSMMU_VM_VCMD_SC_OK 0
#define VSMMU_VM_VCMD_SC_NO_PASID 1 /* none left */
#define VSMMU_VM_VCMD_SC_INVALID 2 /* unknown command, PASID not held */
#define VSMMU_VM_VCMD_RSP_RESULT 0x000fffff00000000ULL /* [51:32] PASID */

/* A device assigned to the VM */
struct vsmmu_vm_dev_cfg {
	unsigned int host; /* the iommufd context's host (physical SMMU) */
	uint32_t sid; /* its physical StreamID */
	uint32_t vsid; /* the StreamID the guest knows it by (< 2^16) */
	bool ats; /* an ATS-capable endpoint */
	/* PASID width of the endpoint (0: none; the guest may use PASIDs
	 * below 2^min(this, the virtual SMMU's SSIDSIZE)) */
	unsigned int pasid_bits;
	/*
	 * A PRI-capable endpoint (needs @ats): its page requests reach the
	 * guest's PRI queue through the virtual SMMU's FAULT queue, and the
	 * guest's CMD_PRI_RESP goes back as the page response.
	 */
	bool pri;
};

struct vsmmu_vm_config {
	struct vsmmu_iommufd_ctx *ictx; /* required; must outlive the VM */
	/* Guest RAM: [ram_base, ram_base + ram_size); 0: VSMMU_VM_RAM_BASE */
	uint64_t ram_base;
	uint64_t ram_size; /* required; a multiple of 2 MiB, at most 64 GiB */
	/* The VMM's memory behind it (page aligned, at least ram_size);
	 * NULL: allocated (zeroed) and freed by the VM */
	void *ram;
	const struct vsmmu_vm_dev_cfg *devs; /* 1..VSMMU_VM_MAX_DEVS */
	unsigned int ndevs;
	enum vsmmu_vm_cmdqv cmdqv;
	enum vsmmu_vm_trap trap;
	/* Depth of each vIOMMU's VEVENTQ; 0: 64 */
	unsigned int veventq_depth;
	enum vsmmu_vm_pasid_mode pasid_mode;
	/*
	 * A VMM I/O thread that polls the VEVENTQ fds and moves events into
	 * the guests' event queues as they come.  false: nothing happens
	 * until vsmmu_vm_process() is called (deterministic tests).
	 */
	bool io_thread;
};

/**
 * vsmmu_vm_create() - build the VM: guest RAM in a new IOAS, its devices
 * bound, one virtual SMMU per host SMMU among them (a nest-parent HWPT of
 * the IOAS, a vIOMMU -- TEGRA241_CMDQV with a CMDQV mode other than OFF --,
 * a vDEVICE per device, VEVENTQs, the shared abort and bypass HWPTs), the
 * guest doorbell bound in each nest parent, and every device attached to
 * the abort HWPT (the virtual SMMUs start disabled with GBPA.ABORT = 1).
 * Return: 0, -EINVAL (@cfg: sizes, alignment, vSIDs repeated or too wide,
 * more SMMUs than VSMMU_VM_MAX_SMMUS), -ENODEV (a CMDQV mode without a
 * host CMDQV), -ENOMEM, or the errno of the iommufd call that failed;
 * everything done before is undone.
 */
VSMMU_API int vsmmu_vm_create(const struct vsmmu_vm_config *cfg,
			      struct vsmmu_vm **out);

/**
 * vsmmu_vm_destroy() - join the vCPUs still running, stop the I/O thread,
 * destroy every iommufd object of the VM (devices unbound) and free its
 * memory.  NULL is a no-op.
 */
VSMMU_API void vsmmu_vm_destroy(struct vsmmu_vm *vm);

/** vsmmu_vm_gmem() - the guest-physical address space (RAM only). */
VSMMU_API struct vsmmu_mem *vsmmu_vm_gmem(const struct vsmmu_vm *vm);

/** vsmmu_vm_ram() - the VMM's pointer to guest RAM and its GPA. */
VSMMU_API void *vsmmu_vm_ram(const struct vsmmu_vm *vm, uint64_t *base,
			     uint64_t *size);

/** vsmmu_vm_nr_smmus() - how many virtual SMMUs the VM has. */
VSMMU_API unsigned int vsmmu_vm_nr_smmus(const struct vsmmu_vm *vm);

/** vsmmu_vm_nr_devs() - how many devices (index order of the config). */
VSMMU_API unsigned int vsmmu_vm_nr_devs(const struct vsmmu_vm *vm);

/**
 * vsmmu_vm_dev_smmu() - the virtual SMMU device @dev sits behind (its
 * index); -EINVAL for a bad @dev.
 */
VSMMU_API int vsmmu_vm_dev_smmu(const struct vsmmu_vm *vm, unsigned int dev);

/**
 * vsmmu_vm_dev_vsid() - the StreamID the guest knows @dev by (what the
 * VM's firmware tables, IORT or device tree, tell the guest); 0 for a bad
 * @dev.
 */
VSMMU_API uint32_t vsmmu_vm_dev_vsid(const struct vsmmu_vm *vm,
				     unsigned int dev);

/* What a device's PCI capabilities tell the guest */
struct vsmmu_vm_dev_caps {
	unsigned int pasid_bits; /* PASID capability: its width, 0: none */
	bool ats, pri; /* ATS and PRI capabilities */
};

/**
 * vsmmu_vm_dev_caps() - the capabilities the guest finds in @dev's
 * configuration space.  Return: 0, -EINVAL.
 */
VSMMU_API int vsmmu_vm_dev_caps(const struct vsmmu_vm *vm, unsigned int dev,
				struct vsmmu_vm_dev_caps *caps);

/** vsmmu_vm_dev_id() - the iommufd DEVICE id of @dev (0 if none). */
VSMMU_API uint32_t vsmmu_vm_dev_id(const struct vsmmu_vm *vm, unsigned int dev);

/* --- vCPUs and guest MMIO -------------------------------------------------- */

typedef void *vsmmu_vcpu_fn(struct vsmmu_vcpu *vcpu, void *arg);

/**
 * vsmmu_vm_vcpu_start() - run @fn(@vcpu, @arg) on a new vCPU thread.  The
 * vCPU's traps are counted as its own.  Return: 0 and *@out (the vCPU,
 * owned by the VM until joined), -ENOMEM, or pthread_create's errno.
 */
VSMMU_API int vsmmu_vm_vcpu_start(struct vsmmu_vm *vm, vsmmu_vcpu_fn *fn,
				  void *arg, struct vsmmu_vcpu **out);

/** vsmmu_vm_vcpu_join() - wait for @vcpu's function, return its value. */
VSMMU_API void *vsmmu_vm_vcpu_join(struct vsmmu_vcpu *vcpu);

/** vsmmu_vcpu_vm() / vsmmu_vcpu_index() - the VM and the vCPU's number. */
VSMMU_API struct vsmmu_vm *vsmmu_vcpu_vm(const struct vsmmu_vcpu *vcpu);
VSMMU_API unsigned int vsmmu_vcpu_index(const struct vsmmu_vcpu *vcpu);

/**
 * vsmmu_vm_mmio_read() / vsmmu_vm_mmio_write() - a guest load or store of
 * @size (4 or 8) bytes at guest-physical @gpa in a device region: a trap
 * into the device's emulation (or, in a passed-through region, a direct
 * access).  Called from a vCPU thread or from any thread acting as the
 * guest.  Return: 0, -EFAULT (nothing at @gpa: a guest's external abort),
 * or the device's -errno (bad size or alignment: -EINVAL).
 */
VSMMU_API int vsmmu_vm_mmio_read(struct vsmmu_vm *vm, uint64_t gpa,
				 unsigned int size, uint64_t *val);
VSMMU_API int vsmmu_vm_mmio_write(struct vsmmu_vm *vm, uint64_t gpa,
				  unsigned int size, uint64_t val);

/*
 * A guest's mapping of a device frame ("ioremap"): register @offset of
 * the frame at guest-physical @base.  vsmmu_vm_iomem_ops binds a
 * vsmmu_drv_mmio_ops user -- a guest's SMMU driver -- to it (ctx = a
 * struct vsmmu_vm_iomem, which must outlive the driver).
 */
struct vsmmu_vm_iomem {
	struct vsmmu_vm *vm;
	uint64_t base;
};
VSMMU_API extern const struct vsmmu_drv_mmio_ops vsmmu_vm_iomem_ops;

struct vsmmu_vm_trap_stats {
	uint64_t exits; /* trapped accesses emulated */
	uint64_t direct; /* accesses to passed-through regions (no exit) */
	uint64_t smmu_exits; /* of which to a virtual SMMU's registers */
	uint64_t cmdqv_exits; /* of which to a virtual CMDQV */
	uint64_t vcmdq_exits; /* of which to a trapped VCMDQ page */
	uint64_t faults; /* accesses to nothing (-EFAULT) */
};

/** vsmmu_vm_trap_stats() - the VM's counters, a snapshot. */
VSMMU_API void vsmmu_vm_get_trap_stats(struct vsmmu_vm *vm,
				       struct vsmmu_vm_trap_stats *st);

/* --- Devices ----------------------------------------------------------------- */

/**
 * vsmmu_vm_dev_dma() - device @dev performs @op at a guest IOVA: each
 * page is translated by the host SMMU through the guest's stage 1 and the
 * VM's stage 2 (vsmmu_iommufd_dma(), whose return values these are).
 * With VSMMU_IOMMUFD_DMA_PASID, @op->pasid is the PASID the guest
 * programmed into the device; in VSMMU_VM_PASID_MAPPED mode the device
 * model translated it to the host's when the guest wrote it (seed 004's
 * VDCM), so the transaction carries the hPASID -- and a PASID the guest
 * does not hold is -EINVAL, refused by the device model.
 */
VSMMU_API int vsmmu_vm_dev_dma(struct vsmmu_vm *vm, unsigned int dev,
			       struct vsmmu_iommufd_dma *op);

/**
 * vsmmu_vm_dev_set_msi() - the guest programs @dev's MSI capability
 * (trapped by the VMM): message address @addr (a guest IOVA that the
 * guest's stage 1 maps to its doorbell, VSMMU_VM_GITS_FRAME) and data
 * @data (the EventID).  Return: 0, -EINVAL, or iommufd's errno.
 */
VSMMU_API int vsmmu_vm_dev_set_msi(struct vsmmu_vm *vm, unsigned int dev,
				   uint64_t addr, uint32_t data);

/**
 * vsmmu_vm_dev_msi() - @dev signals its MSI: a 32-bit DMA write of the
 * programmed data to the programmed address.  Return: as
 * vsmmu_iommufd_msi(); -ENODEV if the guest programmed none.
 */
VSMMU_API int vsmmu_vm_dev_msi(struct vsmmu_vm *vm, unsigned int dev);

/* What a device's guest STE made of it (vsmmu_vm_dev_ste()) */
enum vsmmu_vm_ste {
	VSMMU_VM_STE_NONE, /* not attached */
	/* abort: SMMUEN = 0 with GBPA.ABORT, an STE that is invalid,
	 * abort, unreadable or illegal for this virtual SMMU */
	VSMMU_VM_STE_ABORT,
	VSMMU_VM_STE_BYPASS, /* bypass: the VM's stage 2 alone */
	VSMMU_VM_STE_S1, /* the guest's stage 1 over the VM's stage 2 */
};

/**
 * vsmmu_vm_dev_ste() - how device @dev is configured now: *@kind, and for
 * VSMMU_VM_STE_S1 the two STE words its nested HWPT was made of (@ste may
 * be NULL).  Return: 0, -EINVAL.
 */
VSMMU_API int vsmmu_vm_dev_ste(struct vsmmu_vm *vm, unsigned int dev,
			       enum vsmmu_vm_ste *kind, uint64_t *ste);

/* --- The virtual SMMU ------------------------------------------------------ */

/**
 * vsmmu_vm_smmu_set_irq() - the guest's interrupt lines of virtual SMMU
 * @smmu: @fn(@arg, VSMMU_IRQ_EVTQ / GERROR / CMD_SYNC / CMDQV) when the
 * virtual SMMU signals one (IRQ_CTRL enables, CMD_SYNC with CS = IRQ and
 * MSIAddress 0, a VCMDQ error unmasked in VINTF_INT_MASK).  @fn may be
 * vsmmu_drv_irq with a guest's driver.  Replacing the handler waits for
 * calls of the old one to return.  Return: 0, -EINVAL.
 */
VSMMU_API int vsmmu_vm_smmu_set_irq(struct vsmmu_vm *vm, unsigned int smmu,
				    vsmmu_irq_fn *fn, void *arg);

/**
 * vsmmu_vm_smmu_idr() - the IDR0..5 the virtual SMMU @smmu advertises
 * (docs/vm.md says why each field is what it is).  Return: 0, -EINVAL.
 */
VSMMU_API int vsmmu_vm_smmu_idr(const struct vsmmu_vm *vm, unsigned int smmu,
				uint32_t idr[6]);

/** vsmmu_vm_smmu_has_cmdqv() - does virtual SMMU @smmu have a CMDQV? */
VSMMU_API bool vsmmu_vm_smmu_has_cmdqv(const struct vsmmu_vm *vm,
				       unsigned int smmu);

struct vsmmu_vm_smmu_stats {
	uint64_t cmds; /* commands consumed from the emulated queue */
	uint64_t syncs; /* CMD_SYNCs completed */
	uint64_t cerror_ill, cerror_abt; /* guest command errors raised */
	uint64_t inv_calls; /* HWPT_INVALIDATE calls made */
	uint64_t inv_cmds; /* commands they carried */
	uint64_t inv_dropped; /* for StreamIDs the VM does not have */
	uint64_t ste_installs; /* nested HWPTs installed (attach/replace) */
	uint64_t ste_aborts; /* STEs the guest made abort (or illegal) */
	uint64_t events; /* events written to the guest's queue */
	uint64_t events_lost; /* overflowed, or the queue was off */
	uint64_t vcmdq_errors; /* VCMDQ error maps received */
	uint64_t hw_queues; /* HW_QUEUE_ALLOCs made */
	uint64_t pprs; /* page requests written to the guest's PRI queue */
	uint64_t pprs_lost; /* discarded: queue off, full or aborted */
	uint64_t pri_resps; /* guest CMD_PRI_RESPs sent as page responses */
	uint64_t pri_resps_dropped; /* for no group the guest was given */
	uint64_t pri_auto; /* groups the virtual SMMU answered itself */
	/* Host-owned PASID modes */
	uint64_t pasid_allocs; /* ALLOC_PASID virtual commands served */
	uint64_t pasid_binds; /* guest CDs bound at a host PASID */
	uint64_t pasid_unbinds;
	uint64_t pasid_refused; /* CDs not bound: PASID not the guest's,
				   or a CD the host refused */
};

/** vsmmu_vm_smmu_get_stats() - counters of virtual SMMU @smmu. */
VSMMU_API int vsmmu_vm_smmu_get_stats(struct vsmmu_vm *vm, unsigned int smmu,
				      struct vsmmu_vm_smmu_stats *st);

/**
 * vsmmu_vm_process() - the I/O thread's work, now: read every VEVENTQ
 * fd of the VM and write the events to the guests' event queues (with
 * the guests' overflow rule and interrupts), and VCMDQ error maps to the
 * guests' LVCMDQ_ERR_MAP.  Return: records handled (>= 0).
 */
VSMMU_API int vsmmu_vm_process(struct vsmmu_vm *vm);

/**
 * vsmmu_vm_smmu_set_state() - load a guest's virtual SMMU register state
 * for replaying a dump: @regs[i] at SMMU offset @offs[i] (STRTAB_BASE,
 * STRTAB_BASE_CFG, CR0, CR2, GBPA...), written as the guest would (CR0
 * last, with its effects: STEs installed).  Return: 0, -EINVAL, or the
 * first failing write's errno.
 */
VSMMU_API int vsmmu_vm_smmu_set_state(struct vsmmu_vm *vm, unsigned int smmu,
				      const uint64_t *offs,
				      const uint64_t *regs, unsigned int n);

/* --- The guest's driver ------------------------------------------------------- */

/*
 * vsmmu's own driver running in the guest.  A guest kernel:
 * vsmmu_vm_guest_create() allocates its pool in guest RAM, creates the
 * driver with vsmmu_vm_iomem_ops over virtual SMMU @smmu (and its CMDQV),
 * wires the virtual SMMU's interrupts to vsmmu_drv_irq() and enables it;
 * vsmmu_vm_guest_attach() gives a device a stage-1 domain of its own and
 * maps and programs its MSI (gIOVA -> the guest doorbell); the caller
 * then maps and unmaps with vsmmu_drv_map() / vsmmu_drv_unmap() on the
 * domain.  Create and destroy must not race with other calls on it.
 */
struct vsmmu_vm_guest;

struct vsmmu_vm_guest_config {
	unsigned int smmu; /* the virtual SMMU */
	/* Guest RAM for the driver's tables and queues; 0: the last 16 MiB
	 * of RAM for SMMU 0, the 16 MiB below for SMMU 1... */
	uint64_t pool_gpa, pool_size;
	bool no_cmdqv; /* ignore the virtual CMDQV */
	unsigned int cmdqv_nqueues; /* 0: the driver's default */
	uint64_t timeout_ns; /* 0: 2 s */
	/*
	 * Shared virtual addressing in the guest (vsmmu_drv_config.sva):
	 * its processes (a struct vsmmu_cpu the caller made over a pool in
	 * guest RAM) bound to device PASIDs with vsmmu_vm_guest_sva_bind(),
	 * their I/O page faults resolved from the virtual SMMU's PRI queue.
	 */
	bool sva;
	vsmmu_drv_event_fn *event_fn; /* the guest's events; may be NULL */
	void *event_arg;
	vsmmu_drv_log_fn *log_fn; /* NULL: dropped */
	void *log_arg;
};

VSMMU_API int vsmmu_vm_guest_create(struct vsmmu_vm *vm,
				    const struct vsmmu_vm_guest_config *cfg,
				    struct vsmmu_vm_guest **out);
VSMMU_API void vsmmu_vm_guest_destroy(struct vsmmu_vm_guest *g);
VSMMU_API struct vsmmu_drv *vsmmu_vm_guest_drv(const struct vsmmu_vm_guest *g);

/* The guest's IOVA of its doorbell mapping in every domain it makes */
#define VSMMU_VM_GUEST_MSI_IOVA 0x08000000ULL

/**
 * vsmmu_vm_guest_attach() - device @dev (behind the guest's SMMU): a
 * master for its vSID, a new stage-1 domain attached to it, the doorbell
 * page mapped write-only at VSMMU_VM_GUEST_MSI_IOVA, and the device's MSI
 * programmed to that IOVA + GITS_TRANSLATER with EventID @eventid.  The
 * master has the device's PASID width (at most the SMMU's SSIDSIZE); in
 * an SVA guest a PRI device also gets ATS.  When the virtual SMMU serves
 * PASIDs from the host's table (VSMMU_VM_VCMD_CAP_PASID), the RID's
 * domain is an identity (bypass) one instead -- the VM's stage 2 -- and
 * the MSI goes to the doorbell's guest-physical address.
 * Return: 0 and *@dom, or -errno.
 */
VSMMU_API int vsmmu_vm_guest_attach(struct vsmmu_vm_guest *g, unsigned int dev,
				    uint32_t eventid,
				    struct vsmmu_drv_domain **dom);

/**
 * vsmmu_vm_guest_sva_bind() - in a guest made with @sva, let PASID @pasid
 * of device @dev (attached with vsmmu_vm_guest_attach(), which gave its
 * master the device's PASID width and, with PRI, ATS) use the address
 * space of the guest process @mm: vsmmu_drv_sva_bind() in the guest.
 * The guest's CD for @pasid lives in its own CD table (guest-owned: the
 * host walks it through the VM's stage 2), so the guest's PASIDs are the
 * hardware's.  vsmmu_vm_guest_sva_unbind() ends the bond.
 * Return: 0, -EINVAL (not attached, no PASIDs), or the driver's -errno.
 */
VSMMU_API int vsmmu_vm_guest_sva_bind(struct vsmmu_vm_guest *g,
				      unsigned int dev, uint32_t pasid,
				      struct vsmmu_mm *mm);
VSMMU_API int vsmmu_vm_guest_sva_unbind(struct vsmmu_vm_guest *g,
					unsigned int dev, uint32_t pasid);

/**
 * vsmmu_vm_guest_pasid_alloc() - in a VM with a host-owned PASID mode,
 * the guest asks its virtual SMMU for a PASID through the virtual
 * command interface (VSMMU_VM_VCMD): a write of ALLOC_PASID, a read of
 * VCMD_RSP.  vsmmu_vm_guest_pasid_free() gives one back (the VMM unbinds
 * it from every device first).  Return: 0 and *@pasid; -ENODEV (no
 * interface: VSMMU_VM_PASID_GUEST), -ENOSPC (none left), -EINVAL (free
 * of a PASID the guest does not hold), or the MMIO access's -errno.
 */
VSMMU_API int vsmmu_vm_guest_pasid_alloc(struct vsmmu_vm_guest *g,
					 uint32_t *pasid);
VSMMU_API int vsmmu_vm_guest_pasid_free(struct vsmmu_vm_guest *g,
					uint32_t pasid);

/* --- A hostile guest --------------------------------------------------------- */

/*
 * What a hostile guest aims at and where its randomness comes from.  It
 * acts only as a guest can: its virtual SMMU's and CMDQV's registers and
 * VCMDQ page, its own RAM (commands, STEs, CDs, page tables), its devices'
 * DMA and MSIs -- with values naming what is not its own.
 */
struct vsmmu_vm_hostile {
	uint64_t (*next)(void *arg); /* 64 random bits per call (required) */
	void *arg;
	unsigned int smmu; /* its virtual SMMU */
	/* Addresses to point queues, tables and MSIs at (host-physical
	 * addresses of other VMs' RAM and of host structures, say) */
	const uint64_t *aim_addrs;
	unsigned int naim_addrs;
	const uint32_t *aim_sids; /* StreamIDs of other VMs' devices */
	unsigned int naim_sids;
	const uint16_t *aim_vmids; /* other VMs' VMIDs */
	unsigned int naim_vmids;
	uint64_t marker; /* what its devices' DMA writes */
	/* Called with what a DMA read of its devices returned */
	void (*read_fn)(void *arg, const void *buf, size_t len);
};

struct vsmmu_vm_hostile_stats {
	uint64_t ops, reg_writes, cmds, stes, cds, ptes, vcmdq_ops;
	uint64_t dmas, dma_faults, mmio_errors;
};

/**
 * vsmmu_vm_hostile_step() - one hostile operation by @vm's guest, chosen
 * with @h->next: a register write (named registers with aimed values, or
 * any offset), commands put in its queue and published, an STE or CD
 * aimed elsewhere followed by commands, a page-table descriptor
 * scribbled in its RAM, a CMDQV register / VCMDQ page access or VCMDQ
 * commands, a DMA (writing @h->marker, or reading) or an MSI of one of its
 * devices, or a register read and vsmmu_vm_process().  Counts in @st.
 * Nothing it does may affect another VM or the host: that is what the
 * callers check (tests/test_vmm_isolation.c, `vsmmu vm --hostile`).
 * Return: 0, -EINVAL.
 */
VSMMU_API int vsmmu_vm_hostile_step(struct vsmmu_vm *vm,
				    const struct vsmmu_vm_hostile *h,
				    struct vsmmu_vm_hostile_stats *st);

#ifdef __cplusplus
}
#endif
#endif /* VSMMU_VMM_H */
