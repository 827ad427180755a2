/* SPDX-License-Identifier: MIT */
/*
 * Private header of the iommufd layer (lib/iommufd): the context, the
 * object model and what the per-object files share.  Nothing here is
 * public; the layer reaches the lower layers only through their public
 * headers.
 *
 * Objects.  Every object embeds struct ifd_obj first and lives in the
 * context's one id table.  Creation is allocate (an id is reserved, the
 * object is not yet visible) -> initialise -> publish (ifd_obj_finalize)
 * or abort (ifd_obj_abort, after undoing exactly what was initialised).
 * @users counts references: 1 for the table, one per dependent object
 * (a HWPT holds its IOAS, a vDEVICE its vIOMMU...), one per command in
 * flight that looked the object up.  IOMMU_DESTROY removes an object only
 * when the table's is the only reference (else -EBUSY), so a destroy
 * never frees an object another holds.
 *
 * Locks, in the order they nest (an earlier one may be held while taking
 * a later one, never the reverse):
 *   dev->lock          attachment state of one device
 *   ioas->lock         the IOAS's mappings, reservations, HWPT list
 *   ctx->msi_lock      the MSI doorbell bindings (every walk and change)
 *   ctx->route_lock    (rw) StreamID -> device routing, read by events
 *   evq->lock          one event queue's records
 *   ctx->table_lock    the id table (held only briefly, never across a
 *                      call out of this layer)
 * Driver calls are made with dev->lock / ioas->lock held, never with the
 * route, queue or table locks: the driver's event callback takes them.
 */
#ifndef VSMMU_LIB_IOMMUFD_IFD_H
#define VSMMU_LIB_IOMMUFD_IFD_H

#include <pthread.h>
#include <sys/types.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <vsmmu/bits.h>
#include <vsmmu/driver.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/mem.h>

#include "util/ida.h"
#include <vsmmu/smmu.h>

enum ifd_type {
	IFD_ANY = 0,
	IFD_DEVICE,
	IFD_IOAS,
	IFD_HWPT_PAGING,
	IFD_HWPT_NESTED,
	IFD_FAULT,
	IFD_VIOMMU,
	IFD_VDEVICE,
	IFD_VEVENTQ,
	IFD_HW_QUEUE,
	IFD_NTYPES,
};

struct ifd_ctx;
struct ifd_obj;

/* What each object type does (main.c's table, by enum ifd_type). */
struct ifd_obj_ops {
	void (*destroy)(struct ifd_obj *obj); /* undo an initialised one */
	bool (*busy)(struct ifd_obj *obj); /* may not go now; NULL: never */
};

struct ifd_obj {
	enum ifd_type type;
	uint32_t id;
	atomic_int users;
	struct ifd_ctx *ctx;
};

struct ifd_host {
	struct vsmmu_smmu *smmu;
	struct vsmmu_drv *drv;
	const struct vsmmu_drv_features *feat;
	unsigned int index;
	struct ifd_ctx *ctx;
};

/* An endpoint waiting for a PRG response (dma.c, ctx->pri_lock) */
struct ifd_pri_wait {
	struct ifd_pri_wait *next;
	struct ifd_host *host;
	uint32_t sid, ssid;
	unsigned int prgi;
	bool ssv, done;
	unsigned int code;
};

/* A range of IOVAs [start, last] reserved by @owner. */
struct ifd_range {
	uint64_t start, last;
	const void *owner;
};

/* Recorded interrupts of the doorbell model. */
#define IFD_DOORBELL_RING 256

struct ifd_ctx {
	const struct ifd_obj_ops *obj_ops;
	struct ifd_host hosts[VSMMU_IOMMUFD_MAX_HOSTS];
	unsigned int nhosts;
	struct vsmmu_mem *mem; /* the hosts' physical memory */
	uint64_t doorbell_pa;

	/* The id table: slot[id] (id 0 unused); IFD_RESERVED while
	 * allocated but not published. */
	pthread_mutex_t table_lock;
	struct ifd_obj **slots;
	uint32_t nslots;
	uint32_t nobjs;
	uint32_t vfio_ioas_id; /* IOMMU_VFIO_IOAS; 0: none */
	uint64_t rlimit_mode;

	/* Pinned pages: the host-physical window and what is in use. */
	pthread_mutex_t pa_lock;
	uint64_t pin_base, pin_size;
	struct ifd_range *pa_used; /* sorted */
	size_t npa_used, pa_cap;

	/* Routing of events: bound devices by (host, StreamID). */
	pthread_rwlock_t route_lock;
	struct ifd_route *routes; /* sorted by (host, sid) */
	size_t nroutes, route_cap;

	/* MSI: doorbell bindings under nesting, and the doorbell's log. */
	pthread_mutex_t msi_lock;
	struct ifd_msi_bind *binds;
	pthread_mutex_t irq_lock;
	struct vsmmu_iommufd_irq irqs[IFD_DOORBELL_RING];
	unsigned int irq_head, irq_count;
	uint64_t irq_lost;

	/* What mmap(2) of the iommufd maps: VINTF pages (viommu.c). */
	pthread_rwlock_t mmap_lock;
	struct ifd_mmap *mmaps;

	/* Endpoints waiting for page responses (dma.c). */
	pthread_mutex_t pri_lock;
	pthread_cond_t pri_cond;
	struct ifd_pri_wait *pri_waiters;

	/* The host-wide PASID space (pasid.c). */
	struct ida pasids;
	bool pasids_ready;

	/* Event queues and the service thread (eventq.c). */
	pthread_mutex_t evq_lock;
	struct ifd_evq *evqs; /* every live queue core */
	int wake_fd; /* eventfd that wakes the service thread */
	bool have_thread;
	atomic_bool stop;
	pthread_t thread;

	/* Fault injection (vsmmu_iommufd_set_fail_nth). */
	atomic_uint fail_nth, fail_seen;
	/* Copies to and from the caller: process_vm_readv/writev or not. */
	atomic_int uaccess_mode;
	pid_t pid; /* the process that created the context */
};

#define IFD_RESERVED ((struct ifd_obj *)1)

/* --- object.c: objects, fault injection, caller memory --------------- */

/* Should this allocation (or allocating lower-layer call) fail? */
bool ifd_should_fail(struct ifd_ctx *ctx);
void *ifd_zalloc(struct ifd_ctx *ctx, size_t size);
void *ifd_realloc(struct ifd_ctx *ctx, void *p, size_t nmemb, size_t size);

struct ifd_obj *ifd_obj_alloc(struct ifd_ctx *ctx, size_t size,
			      enum ifd_type type);
void ifd_obj_finalize(struct ifd_obj *obj);
void ifd_obj_abort(struct ifd_obj *obj);
/* Undo an object that was fully initialised but not published. */
void ifd_obj_abort_destroy(struct ifd_obj *obj);
/* Look up @id of @type (IFD_ANY: any) and take a reference. */
struct ifd_obj *ifd_obj_get(struct ifd_ctx *ctx, uint32_t id,
			    enum ifd_type type);
void ifd_obj_put(struct ifd_obj *obj);
static inline void ifd_obj_hold(struct ifd_obj *obj)
{
	atomic_fetch_add(&obj->users, 1);
}
/*
 * Remove @obj from the table if only the table (and, if @held, the
 * caller's lookup) reference it, and destroy it.  Return: 0, -EBUSY.
 */
int ifd_obj_remove(struct ifd_obj *obj, bool held);

/* Copies from/to the caller's memory; -EFAULT when it cannot be done. */
int ifd_copy_from_user(struct ifd_ctx *ctx, void *dst, uint64_t uptr,
		       size_t len);
int ifd_copy_to_user(struct ifd_ctx *ctx, uint64_t uptr, const void *src,
		     size_t len);
int ifd_clear_user(struct ifd_ctx *ctx, uint64_t uptr, size_t len);
/*
 * Linux's copy_struct_from_user(): copy a @usize-byte caller structure
 * into a @ksize-byte one, zero-filling a shorter one and requiring the
 * tail of a longer one to be zero (-E2BIG).
 */
/*
 * Read @len bytes if all of them are readable (one system call); return
 * false (nothing known) otherwise or where copies are plain memcpy.
 */
bool ifd_try_copy_from_user(struct ifd_ctx *ctx, void *dst, uint64_t uptr,
			    size_t len);
int ifd_copy_struct_from_user(struct ifd_ctx *ctx, void *dst, size_t ksize,
			      uint64_t uptr, size_t usize);
/*
 * Linux's iommu_copy_struct_from_user() for driver data: @type must be
 * @want and @len within [@min_len, @ksize] (else -EINVAL).
 */
int ifd_copy_user_data(struct ifd_ctx *ctx, void *dst, size_t ksize,
		       size_t min_len, uint32_t type, uint32_t want,
		       uint64_t uptr, uint32_t len);

/* A command being executed: its structure and where to answer. */
struct ifd_ucmd {
	struct ifd_ctx *ctx;
	void *cmd; /* the kernel-side copy, zero-extended */
	uint64_t ubuf; /* the caller's structure */
	uint32_t user_size;
};
/* Copy @len bytes of the command back (at most the caller's size). */
int ifd_ucmd_respond(struct ifd_ucmd *ucmd, size_t len);

/* --- Command handlers, one per command (the dispatch table) -------- */

int ifd_cmd_destroy(struct ifd_ucmd *ucmd);
int ifd_cmd_option(struct ifd_ucmd *ucmd);
int ifd_cmd_vfio_ioas(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_allow_iovas(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_copy(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_iova_ranges(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_map(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_map_file(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_unmap(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_change_process(struct ifd_ucmd *ucmd);
int ifd_cmd_hwpt_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_get_hw_info(struct ifd_ucmd *ucmd);
int ifd_cmd_hwpt_set_dirty_tracking(struct ifd_ucmd *ucmd);
int ifd_cmd_hwpt_get_dirty_bitmap(struct ifd_ucmd *ucmd);
int ifd_cmd_hwpt_invalidate(struct ifd_ucmd *ucmd);
int ifd_cmd_fault_queue_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_viommu_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_vdevice_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_veventq_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_hw_queue_alloc(struct ifd_ucmd *ucmd);

/* Per-type destructors (undo a fully initialised object). */
void ifd_device_destroy(struct ifd_obj *obj);
void ifd_ioas_destroy(struct ifd_obj *obj);
void ifd_hwpt_paging_destroy(struct ifd_obj *obj);
void ifd_hwpt_nested_destroy(struct ifd_obj *obj);
void ifd_fault_destroy(struct ifd_obj *obj);
void ifd_viommu_destroy(struct ifd_obj *obj);
void ifd_vdevice_destroy(struct ifd_obj *obj);
void ifd_veventq_destroy(struct ifd_obj *obj);
void ifd_hw_queue_destroy(struct ifd_obj *obj);
/* May the object go now (an eventq whose fd the caller still holds may
 * not)?  NULL: yes. */
bool ifd_fault_busy(struct ifd_obj *obj);
bool ifd_veventq_busy(struct ifd_obj *obj);

/* --- pages.c: the caller's memory, pinned and given a physical address */

struct ifd_pages {
	atomic_int refs;
	uint64_t uva; /* page-aligned start in the caller's address space */
	uint64_t npages;
	uint64_t pa; /* where it is host-physical memory of the model */
	bool writable;
	void *file_map; /* IOAS_MAP_FILE: our mapping of the file */
};

/*
 * Pin [@uva, @uva + @len) (EFAULT if any page is not mapped, or not
 * writable for @writable) and make it host-physical memory at a PA whose
 * offset modulo the mapping's natural alignment equals @iova's, so that
 * blocks can be used.  @file_map: a mapping the pages own (munmapped on
 * release), or NULL.
 */
int ifd_pages_pin(struct ifd_ctx *ctx, uint64_t uva, uint64_t len,
		  bool writable, uint64_t iova, void *file_map,
		  struct ifd_pages **out);
void ifd_pages_get(struct ifd_pages *p);
void ifd_pages_put(struct ifd_ctx *ctx, struct ifd_pages *p);

/* --- ioas.c: I/O address spaces ------------------------------------ */

struct ifd_hwpt_paging;

struct ifd_area {
	uint64_t iova, last;
	struct ifd_pages *pages;
	uint64_t start_byte; /* offset of @iova's byte from pages->uva */
	unsigned int flags; /* IOMMU_IOAS_MAP_READABLE / WRITEABLE */
	unsigned int pins; /* HW queues holding it (no unmap) */
};

struct ifd_ioas {
	struct ifd_obj obj;
	pthread_mutex_t lock;
	struct ifd_area **areas; /* sorted by iova, not overlapping */
	size_t nareas, area_cap;
	struct ifd_range *resv; /* reserved ranges, unsorted */
	size_t nresv, resv_cap;
	struct ifd_range *allowed; /* sorted, not overlapping */
	size_t nallowed;
	uint64_t iova_alignment;
	bool disable_large_pages;
	struct ifd_hwpt_paging **hwpts; /* page tables filled from it */
	size_t nhwpts, hwpt_cap;
};

static inline struct ifd_ioas *ifd_ioas_get(struct ifd_ctx *ctx, uint32_t id)
{
	return (struct ifd_ioas *)ifd_obj_get(ctx, id, IFD_IOAS);
}
/* With ioas->lock held: */
int ifd_ioas_reserve(struct ifd_ioas *ioas, uint64_t start, uint64_t last,
		     const void *owner);
void ifd_ioas_unreserve(struct ifd_ioas *ioas, const void *owner);
int ifd_ioas_add_hwpt(struct ifd_ioas *ioas, struct ifd_hwpt_paging *hwpt);
void ifd_ioas_remove_hwpt(struct ifd_ioas *ioas, struct ifd_hwpt_paging *hwpt);
/* The area holding [@iova, @iova + @len) entirely, or NULL. */
struct ifd_area *ifd_ioas_find(struct ifd_ioas *ioas, uint64_t iova,
			       uint64_t len);
/* The host-physical address of @iova in an area. */
static inline uint64_t ifd_area_pa(const struct ifd_area *a, uint64_t iova)
{
	return a->pages->pa + a->start_byte + (iova - a->iova);
}

/* --- hwpt.c: hardware page tables ---------------------------------- */

struct ifd_fault;
struct ifd_veventq;

struct ifd_hwpt {
	struct ifd_obj obj;
	struct ifd_fault *fault; /* FAULT_ID_VALID, else NULL */
	struct ifd_host *host;
};

struct ifd_hwpt_paging {
	struct ifd_hwpt common;
	struct ifd_ioas *ioas;
	struct vsmmu_drv_domain *dom;
	unsigned int stage; /* 1 or 2 */
	unsigned int ias; /* input address bits: the aperture */
	bool nest_parent;
	bool auto_domain;
	bool dirty_tracking;
	bool pasid_compat; /* IOMMU_HWPT_ALLOC_PASID */
	uint8_t cd_slots; /* CD-window slots in use (pasid.c, ioas->lock) */
	unsigned int attached; /* devices attached (auto: destroyed at 0) */
	/* Doorbell pages mapped in the SMMU's MSI window (bitmap of slots). */
	uint64_t sw_msi_mapped;
};

struct ifd_hwpt_nested {
	struct ifd_hwpt common;
	struct ifd_hwpt_paging *parent;
	struct ifd_viommu *viommu;
	struct vsmmu_drv_domain *dom; /* the driver's nested domain */
	uint64_t ste[2]; /* validated guest STE words (EATS taken out) */
	bool enable_ats;
	bool is_cd; /* IOMMU_HWPT_DATA_VSMMU_ARM_SMMUV3_CD: PASIDs only */
};

struct ifd_device;
int ifd_hwpt_paging_create(struct ifd_ctx *ctx, struct ifd_ioas *ioas,
			   struct ifd_device *dev, uint32_t flags,
			   bool auto_domain, struct ifd_hwpt_paging **out);
/* pgtbl.c: map / unmap one area in a paging HWPT's page table (an unmap
 * is invalidated before it returns). */
int ifd_hwpt_map_area(struct ifd_hwpt_paging *hwpt, struct ifd_ioas *ioas,
		      const struct ifd_area *a);
void ifd_hwpt_unmap_range(struct ifd_hwpt_paging *hwpt, uint64_t iova,
			  uint64_t len);

/* --- device.c: bound devices ----------------------------------------- */

struct ifd_vdevice;

struct ifd_device {
	struct ifd_obj obj;
	struct ifd_host *host;
	struct vsmmu_drv_master *master;
	uint32_t *sids;
	unsigned int nsids;
	unsigned int pasid_bits;
	bool ats, pri;
	atomic_uint next_prgi; /* the endpoint's page request groups */
	struct vsmmu_iommufd_resv *resv;
	unsigned int nresv;
	pthread_mutex_t lock;
	struct ifd_hwpt *hwpt; /* attached page table, or NULL (blocked) */
	struct ifd_pasid_att *patt; /* PASID attachments (pasid.c) */
	unsigned int npatt;
	struct ifd_hwpt_paging *cd_parent; /* its CD table shown in it */
	unsigned int cd_slot;
	struct ifd_vdevice *vdev;
	uint64_t msi_addr;
	bool msi_valid;
	bool unbinding;
};

/* A HWPT attached at a PASID of a device (dev->lock) */
struct ifd_pasid_att {
	uint32_t pasid;
	struct ifd_hwpt *hwpt;
};

/* The FAULT queue of one attached PASID, in its routes */
struct ifd_pasid_fault {
	uint32_t pasid;
	struct ifd_fault *fault;
};

/* Routing of one StreamID's events (ctx->route_lock). */
struct ifd_route {
	unsigned int host;
	uint32_t sid;
	struct ifd_device *dev;
	struct ifd_fault *fault; /* faults of the attached HWPT */
	/* Faults of attached PASIDs (a copy of the device's, route_lock) */
	struct ifd_pasid_fault *pfaults;
	unsigned int npfaults, pfcap;
	struct ifd_viommu *viommu; /* a nested attachment with a vDEVICE */
	uint32_t vsid;
};

static inline struct ifd_device *ifd_device_get(struct ifd_ctx *ctx,
						uint32_t id)
{
	return (struct ifd_device *)ifd_obj_get(ctx, id, IFD_DEVICE);
}
/* route.c: add @dev's StreamIDs (-EBUSY: one is routed already), remove
 * them; refresh them from its attachments (dev->lock held). */
int ifd_routes_add(struct ifd_device *dev);
void ifd_routes_del(struct ifd_device *dev);
void ifd_device_update_routes(struct ifd_device *dev);
/*
 * The FAULT queue for a fault of @rt with (@ssv, @ssid); route_lock held.
 * A PASID with a HWPT of its own reports there; any other fault (no
 * PASID, or a PASID inside the device's own HWPT: a guest's CD table) to
 * the device's HWPT.  *@via says which attachment it came through
 * (Linux's attach handle): that PASID, or IFD_VIA_RID.
 */
#define IFD_VIA_RID (-1)
static inline struct ifd_fault *ifd_route_fault(const struct ifd_route *rt,
						bool ssv, uint32_t ssid,
						int32_t *via)
{
	unsigned int i;

	for (i = 0; ssv && i < rt->npfaults; i++)
		if (rt->pfaults[i].pasid == ssid) {
			*via = (int32_t)ssid;
			return rt->pfaults[i].fault;
		}
	*via = IFD_VIA_RID;
	return rt->fault;
}
/* pasid.c: detach every PASID of @dev (dev->lock held) */
void ifd_pasid_detach_all(struct ifd_device *dev);
int ifd_pasid_init_ctx(struct ifd_ctx *ctx);
void ifd_pasid_fini_ctx(struct ifd_ctx *ctx);
/* dma.c: the PRG responses of the hosts' SMMUs reach waiting endpoints */
void ifd_pri_init_ctx(struct ifd_ctx *ctx);
void ifd_pri_fini_ctx(struct ifd_ctx *ctx);
/* Map the doorbell in @hwpt's MSI window for @dev (ioas->lock held). */
int ifd_sw_msi_map(struct ifd_hwpt_paging *hwpt, uint64_t *iova);

/* --- eventq.c: FAULT and VEVENTQ queues, the service thread ---------- */

int ifd_evq_init_ctx(struct ifd_ctx *ctx, bool thread);
void ifd_evq_fini_ctx(struct ifd_ctx *ctx);
void ifd_evq_wake(struct ifd_ctx *ctx);
/* A stall fault of @dev for its FAULT queue (route_lock held). */
int ifd_fault_report_ppr(struct ifd_fault *fault, struct ifd_device *dev,
			 unsigned int host, const struct vsmmu_drv_ppr *req,
			 int32_t via);
int ifd_fault_report_stall(struct ifd_fault *fault, struct ifd_device *dev,
			   const uint64_t evt[4], int32_t via);
/*
 * The attachment @via (a PASID, or IFD_VIA_RID) of @dev goes: answer its
 * pending faults on @fault with INVALID -- and only its own, as Linux's
 * iommufd_auto_response_faults() answers those of one attach handle (the
 * device's other PASIDs may share the queue).
 */
void ifd_fault_auto_respond(struct ifd_fault *fault, struct ifd_device *dev,
			    int32_t via);
int ifd_veventq_report(struct ifd_viommu *viommu, unsigned int type,
		       const void *data, size_t len);
/* A FAULT object embeds struct ifd_obj first. */
static inline struct ifd_fault *ifd_fault_get(struct ifd_ctx *ctx, uint32_t id)
{
	return (struct ifd_fault *)ifd_obj_get(ctx, id, IFD_FAULT);
}
static inline void ifd_fault_put(struct ifd_fault *f)
{
	ifd_obj_put((struct ifd_obj *)f);
}

/* --- dma.c: the simulated endpoint and the doorbell ---------------- */

void ifd_doorbell_record(struct ifd_ctx *ctx, uint32_t devid, uint32_t eventid);

/* --- viommu.c / vdevice.c (nesting) ----------------------------------- */

struct ifd_viommu {
	struct ifd_obj obj;
	uint32_t type; /* IOMMU_VIOMMU_TYPE_* */
	struct ifd_host *host;
	struct ifd_hwpt_paging *parent;
	struct vsmmu_drv_vm *vm; /* the VM's slice of the SMMU: its VMID */
	struct vsmmu_drv_vintf *vintf; /* TEGRA241_CMDQV: the VM's VINTF */
	struct ifd_hw_queue *queues[128]; /* TEGRA241_CMDQV: by index */
	uint16_t vmid;
	pthread_mutex_t lock; /* its vDEVICEs and VEVENTQs */
	struct ifd_veventq *veventqs; /* one per type at most */
	struct ifd_vdevice **vdevs; /* by vSID: the vSID -> SID lookup */
	size_t nvdevs, vdev_cap;
};

struct ifd_vdevice {
	struct ifd_obj obj;
	struct ifd_viommu *viommu;
	struct ifd_device *dev;
	uint64_t virt_id;
	int sid_slot; /* TEGRA241_CMDQV: the VINTF's SID pair, or -1 */
};

/* A region of the iommufd's mmap space (viommu.c). */
struct ifd_mmap {
	struct ifd_mmap *next;
	uint64_t offset, length;
	struct ifd_host *host;
	uint64_t cmdqv_off; /* where it lies in the CMDQV register block */
	const void *owner;
};

/* A hardware queue (hw_queue.c). */
struct ifd_hw_queue {
	struct ifd_obj obj;
	struct ifd_viommu *viommu;
	struct ifd_hw_queue *prev; /* index - 1: held, so it goes later */
	struct ifd_ioas *ioas;
	struct ifd_area *area; /* pinned: not unmapped while the queue is */
	unsigned int index;
};

/* MSI doorbell binding under nesting (msi.c). */
struct ifd_msi_bind {
	struct ifd_msi_bind *next;
	struct ifd_hwpt_paging *hwpt;
	uint64_t gdb, size;
};
void ifd_msi_unbind_hwpt(struct ifd_ctx *ctx, struct ifd_hwpt_paging *hwpt);

#endif /* VSMMU_LIB_IOMMUFD_IFD_H */
