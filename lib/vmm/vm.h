/* SPDX-License-Identifier: MIT */
/*
 * The VMM layer's private header: the VM, its MMIO bus, its devices and
 * its virtual SMMUs (<vsmmu/vmm.h> is the contract, docs/vm.md the
 * design).
 *
 * Files and who calls whom (calls run one way):
 *   vm.c      the VM: RAM, IOAS, devices, vCPUs, the I/O thread; builds
 *             the virtual SMMUs (viommu.c) and registers their regions
 *   bus.c     the MMIO bus and the trap path (vCPU or VMM thread)
 *   viommu.c  a virtual SMMU's host objects (vIOMMU, HWPTs, VEVENTQs),
 *             its IDRs; calls regs.c, ste.c, cmdqv.c
 *   regs.c    the virtual SMMU's register file; calls cmdq.c and ste.c
 *   cmdq.c    the emulated command queue; calls ste.c for CFGI_STE
 *   ste.c     reading guest STEs and installing them as nested HWPTs
 *   evtq.c    events from the VEVENTQ into the guest's event queue
 *   cmdqv.c   the virtual CMDQV (trapped global/VINTF registers, BASE ->
 *             HW_QUEUE_ALLOC, the passed-through VCMDQ page)
 *   guest.c   the guest kernel: vsmmu's driver over the trap ops
 *   hostile.c a hostile guest
 *   core.c    the bottom: context, memory, destroy, interrupts, GERROR
 *
 * Nothing here includes lib/iommufd or lib/driver: the host is reached
 * through <vsmmu/iommufd.h> alone (guest.c uses <vsmmu/driver.h> as the
 * guest's own driver).
 */
#ifndef VSMMU_LIB_VMM_VM_H
#define VSMMU_LIB_VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>
#include <vsmmu/command.h>
#include <vsmmu/vmm.h>

struct vsmmu_vs;

/* --- The MMIO bus (bus.c) --------------------------------------------- */

enum vm_region_kind {
	VM_REGION_SMMU,
	VM_REGION_CMDQV,
	VM_REGION_VCMDQ, /* the guest's logical VCMDQ page */
};

typedef int vm_mmio_read_fn(void *ctx, uint64_t off, unsigned int size,
			    uint64_t *val);
typedef int vm_mmio_write_fn(void *ctx, uint64_t off, unsigned int size,
			     uint64_t val);

struct vm_region {
	uint64_t base, size;
	uint64_t off_base; /* added to the offset the handlers get */
	vm_mmio_read_fn *read;
	vm_mmio_write_fn *write;
	void *ctx;
	bool direct; /* mapped into the guest: no exit */
	enum vm_region_kind kind;
};

#define VM_MAX_REGIONS (3 * VSMMU_VM_MAX_SMMUS)

/* A trapped access handed to the VMM thread (VSMMU_VM_TRAP_THREAD) */
struct vm_exit {
	const struct vm_region *r;
	uint64_t off, val;
	unsigned int size;
	bool write;
	int rc;
	_Atomic bool done;
	struct vm_exit *next;
};

struct vm_bus {
	struct vm_region regions[VM_MAX_REGIONS];
	unsigned int nregions; /* fixed once the VM is built */
	enum vsmmu_vm_trap trap;
	/* The VMM thread's mailbox */
	pthread_t thread;
	bool thread_on;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* work for the VMM thread */
	pthread_cond_t done_cond; /* an exit was handled */
	struct vm_exit *head, **tail;
	bool stop;
	/* Counters */
	_Atomic uint64_t exits, direct, faults;
	_Atomic uint64_t kind_exits[3];
};

int vm_bus_init(struct vm_bus *b, enum vsmmu_vm_trap trap);
void vm_bus_fini(struct vm_bus *b);
int vm_bus_add(struct vm_bus *b, const struct vm_region *r);

/* --- Devices ------------------------------------------------------------ */

/* A gPASID bound on a device in a host-owned PASID mode (pasid.c) */
struct vm_pbind {
	uint32_t g, h; /* the guest's PASID and the host's */
	uint32_t hwpt; /* the CD HWPT attached at h */
	uint64_t cd[8]; /* the guest CD it was made of */
	bool used;
};

#define VM_DEV_PASIDS 32 /* PASIDs bound on one device at once */

/* A PASID the guest holds (host-owned modes) */
struct vm_pasid {
	uint32_t g, h;
	bool used;
};

#define VM_PASID_MAX 256 /* PASIDs one VM holds at once */

enum vm_ste_kind {
	VM_STE_NONE, /* not attached yet */
	VM_STE_ABORT,
	VM_STE_BYPASS,
	VM_STE_S1, /* a nested HWPT of its own */
};

struct vm_dev {
	struct vsmmu_vm_dev_cfg cfg;
	unsigned int index;
	struct vsmmu_vs *vs;
	uint32_t dev_id, vdev_id;
	/* The installed configuration, under vs->cfg_lock */
	enum vm_ste_kind kind;
	uint32_t hwpt; /* attached HWPT (own nested, or a shared one) */
	uint64_t ste[2]; /* the words of the own nested HWPT */
	struct vm_pbind pb[VM_DEV_PASIDS]; /* host-owned modes */
	/* MSI as the guest programmed it */
	pthread_mutex_t msi_lock;
	uint64_t msi_addr;
	uint32_t msi_data;
	bool msi_valid;
};

/* --- The virtual SMMU --------------------------------------------------- */

/* Commands batched for one HWPT_INVALIDATE (cmdq.c) */
#define VS_BATCH_MAX 64

struct vs_batch {
	unsigned int n;
	uint64_t cmd[VS_BATCH_MAX][2];
	uint32_t idx[VS_BATCH_MAX]; /* their CONS values (index + wrap) */
};

struct vs_stats {
	_Atomic uint64_t cmds, syncs, cerror_ill, cerror_abt, inv_calls,
		inv_cmds, inv_dropped, ste_installs, ste_aborts, events,
		events_lost, vcmdq_errors, hw_queues, pprs, pprs_lost,
		pri_resps, pri_resps_dropped, pri_auto, pasid_allocs,
		pasid_binds, pasid_unbinds, pasid_refused;
};

/*
 * A page request group the guest was given and has not answered (priq.c):
 * what its CMD_PRI_RESP names (vSID, the PASID the guest saw, PRGI) and
 * the cookie the host's FAULT queue gave it.
 */
struct vs_prg {
	uint32_t vsid, pasid, cookie;
	uint16_t prgi;
	bool ssv, used;
};

/* Groups outstanding with one guest; a group beyond is answered INVALID */
#define VS_PRG_MAX 256

struct vs_cmdqv; /* cmdqv.c */

struct vsmmu_vs {
	struct vsmmu_vm *vm;
	unsigned int index; /* the guest's SMMU number */
	unsigned int host; /* the iommufd host behind it */
	/* Host objects */
	uint32_t parent; /* nest-parent HWPT of the VM's IOAS */
	uint32_t viommu;
	uint32_t abort_hwpt, bypass_hwpt;
	uint32_t veventq;
	int evfd;
	uint32_t ev_seq; /* the next sequence number expected */
	bool ev_seq_valid;
	/* What the host has, and what the guest is told */
	uint32_t host_idr[6];
	uint32_t idr[6], iidr, aidr;
	struct vsmmu_cmd_caps caps;
	bool host_stall; /* host STALL_MODEL 0b00: S1STALLD forced */
	/* Devices behind it, by guest StreamID (a short array, searched) */
	struct vm_dev **devs;
	unsigned int ndevs;

	/* Registers (regs.c); written under reg_lock, read lock-free */
	pthread_mutex_t reg_lock;
	_Atomic uint32_t cr0, cr0ack, cr1, cr2, gbpa, irq_ctrl, irq_ctrlack;
	_Atomic uint32_t gerror, gerrorn;
	_Atomic uint64_t gerror_irq_cfg0, evtq_irq_cfg0;
	_Atomic uint32_t gerror_irq_cfg1, gerror_irq_cfg2;
	_Atomic uint32_t evtq_irq_cfg1, evtq_irq_cfg2;
	_Atomic uint64_t strtab_base;
	_Atomic uint32_t strtab_base_cfg;
	_Atomic uint64_t cmdq_base, evtq_base;
	_Atomic uint32_t cmdq_prod, cmdq_cons, evtq_prod, evtq_cons;
	/* The PRI queue's (with IDR0.PRI only) */
	_Atomic uint64_t priq_base, priq_irq_cfg0;
	_Atomic uint32_t priq_prod, priq_cons, priq_irq_cfg1, priq_irq_cfg2;

	/* The command queue's consumer (cmdq.c) */
	pthread_mutex_t cmdq_lock;
	struct vs_batch batch;
	/* STE installs (viommu.c) */
	pthread_mutex_t cfg_lock;
	bool live; /* SMMUEN as the STEs were last installed for */
	bool live_abort; /* GBPA.ABORT likewise */
	/* The guest's event queue (evtq.c) */
	pthread_mutex_t evtq_lock;
	/*
	 * Page requests (priq.c): the FAULT queue every PRI-capable device's
	 * nested HWPT reports to (0: the guest has no PRI), and the groups
	 * given to the guest; the PRI queue and the groups under priq_lock.
	 */
	uint32_t fault;
	int fault_fd;
	pthread_mutex_t priq_lock;
	struct vs_prg prgs[VS_PRG_MAX];
	/* The guest's interrupt lines */
	pthread_rwlock_t irq_lock;
	vsmmu_irq_fn *irq_fn;
	void *irq_arg;

	/* The virtual command interface (pasid.c) */
	pthread_mutex_t vcmd_lock;
	_Atomic uint64_t vcmd, vcmd_rsp;

	struct vs_cmdqv *cv; /* NULL: no CMDQV for the guest */
	struct vs_stats st;
};

/* viommu.c (find_dev, install_range: ste.c) */
int vs_create(struct vsmmu_vm *vm, unsigned int index, unsigned int host,
	      struct vm_dev *first, struct vsmmu_vs **out);
int vs_add_dev(struct vsmmu_vs *vs, struct vm_dev *d);
void vs_destroy(struct vsmmu_vs *vs);
struct vm_dev *vs_find_dev(struct vsmmu_vs *vs, uint32_t vsid);
/*
 * Re-read the guest STEs of the devices whose vSID is in [first, last] and
 * install them; cfg_lock taken inside.  *@same (may be NULL) gets bit i
 * for each vs->devs[i] that keeps its stage-1 STE words (its CDs may have
 * changed: the caller invalidates them).  Return: 0 or the first -errno.
 */
int vs_install_range(struct vsmmu_vs *vs, uint32_t first, uint32_t last,
		     uint64_t *same);
/* ste.c: a nested HWPT of @ste[0..1] on the vIOMMU, for @dev_id (@pri:
 * reporting to the FAULT queue) */
int vs_nested_hwpt(struct vsmmu_vs *vs, uint32_t dev_id, bool pri,
		   const uint64_t ste[2], uint32_t *id);

/* core.c */
struct vsmmu_iommufd_ctx *vs_ictx(const struct vsmmu_vs *vs);
struct vsmmu_mem *vs_gmem(const struct vsmmu_vs *vs);
/* IOMMU_DESTROY of @id (0: nothing) */
int vs_destroy_id(struct vsmmu_vs *vs, uint32_t id);
void vs_raise_irq(struct vsmmu_vs *vs, enum vsmmu_irq irq);
/* Make GERROR bits @bits active (those not already) and interrupt */
void vs_gerror_raise(struct vsmmu_vs *vs, uint32_t bits);
/* The EVTQ interrupt after a record (MSI or line) */
void vs_evtq_signal(struct vsmmu_vs *vs);
/* The PRIQ interrupt after a Last request */
void vs_priq_signal(struct vsmmu_vs *vs);

/* regs.c */
void vs_regs_reset(struct vsmmu_vs *vs);
vm_mmio_read_fn vs_mmio_read;
vm_mmio_write_fn vs_mmio_write;

/* cmdq.c */
void vs_cmdq_consume(struct vsmmu_vs *vs);

/* evtq.c */
int vs_evtq_pump(struct vsmmu_vs *vs);
/* Write one 32-byte record to the guest's event queue */
void vs_evtq_write(struct vsmmu_vs *vs, const uint64_t evt[4]);

/* priq.c */
/* Move the page requests read from the FAULT fd into the guest's queue */
int vs_priq_pump(struct vsmmu_vs *vs);
/* The guest's CMD_PRI_RESP: the page response of its group */
void vs_priq_respond(struct vsmmu_vs *vs, const uint64_t cmd[2]);
/* Answer every group of device @d (NULL: all) INVALID (it left) */
void vs_priq_flush(struct vsmmu_vs *vs, const struct vm_dev *d);

/* pasid.c (host-owned PASID modes) */
bool vm_pasid_host_owned(const struct vsmmu_vm *vm);
/* G->H and H->G; identity in VSMMU_VM_PASID_GUEST.  0 or -ENOENT */
int vm_pasid_g2h(struct vsmmu_vm *vm, uint32_t g, uint32_t *h);
int vm_pasid_h2g(struct vsmmu_vm *vm, uint32_t h, uint32_t *g);
/* The guest invalidated @d's CD for gPASID @g (@all: every CD) */
void vs_pasid_cfgi(struct vsmmu_vs *vs, struct vm_dev *d, bool all, uint32_t g);
/* Re-read every CD of the devices with a vSID in [first, last] */
void vs_pasid_resync(struct vsmmu_vs *vs, uint32_t first, uint32_t last);
/* Unbind every PASID of @d (cfg_lock held) */
void vs_pasid_unbind_dev(struct vsmmu_vs *vs, struct vm_dev *d);
/* Unbind every PASID of the virtual SMMU's devices */
void vs_pasid_release(struct vsmmu_vs *vs);
/* Give the host back every PASID the VM holds */
void vm_pasid_fini(struct vsmmu_vm *vm);
/* The virtual command registers (page-0 offsets 0xE00-0xEFF) */
int vs_vcmd_read(struct vsmmu_vs *vs, uint64_t off, unsigned int size,
		 uint64_t *val);
int vs_vcmd_write(struct vsmmu_vs *vs, uint64_t off, unsigned int size,
		  uint64_t val);

/* cmdqv.c */
int vs_cmdqv_create(struct vsmmu_vs *vs, unsigned int share_log2,
		    unsigned int sids_log2, unsigned int version,
		    uint64_t mmap_off, struct vs_cmdqv **out);
void vs_cmdqv_destroy(struct vsmmu_vs *vs);
int vs_cmdqv_veventq(struct vsmmu_vs *vs);
int vs_cmdqv_pump(struct vsmmu_vs *vs);
int vs_cmdqv_evfd(const struct vsmmu_vs *vs);
vm_mmio_read_fn vs_cmdqv_read;
vm_mmio_write_fn vs_cmdqv_write;
vm_mmio_read_fn vs_vcmdq_read;
vm_mmio_write_fn vs_vcmdq_write;

/* --- The VM ------------------------------------------------------------- */

struct vsmmu_vcpu {
	struct vsmmu_vm *vm;
	unsigned int index;
	pthread_t thread;
	vsmmu_vcpu_fn *fn;
	void *arg;
	void *ret;
	struct vsmmu_vcpu *next;
	bool joined;
};

struct vsmmu_vm {
	struct vsmmu_vm_config cfg;
	struct vsmmu_iommufd_ctx *ictx;
	void *ram;
	bool ram_owned;
	uint64_t ram_base, ram_size;
	uint32_t ioas;
	struct vsmmu_mem *gmem;
	struct vm_dev *devs;
	unsigned int ndevs;
	struct vsmmu_vs *vs[VSMMU_VM_MAX_SMMUS];
	unsigned int nvs;
	struct vm_bus bus;
	/* vCPUs */
	pthread_mutex_t vcpu_lock;
	struct vsmmu_vcpu *vcpus;
	unsigned int nvcpus;
	/* Guest PASIDs in the host-owned modes (pasid.c) */
	pthread_mutex_t pasid_lock;
	struct vm_pasid pasids[VM_PASID_MAX];
	unsigned int pasid_bits; /* the guest's PASID space (mapped mode) */
	/* The I/O thread */
	pthread_t io_thread;
	bool io_on;
	int stop_fd; /* eventfd: stop */
	_Atomic bool io_stop;
};

#endif /* VSMMU_LIB_VMM_VM_H */
