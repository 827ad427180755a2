// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the iommufd layer: random sequences of commands through
 * vsmmu_iommufd_ioctl() with random sizes and payloads, interleaved with
 * device attach / replace / detach / bind / unbind, endpoint DMA and
 * MSIs, MSI bindings, host events, the VINTF page and the service work --
 * objects created, used and destroyed in any order.
 *
 * Input layout:
 *   [0] header: bit 0 a CMDQV on the SMMU, bit 1 hold stalls
 *   then operations, each an op byte and its bytes:
 *     op < 0x80: a command, number 0x80 + op % 21; then
 *       size u8 (the structure size: 0..255 below 0x40 means
 *         sizeof + (size & 7) - 4, else size itself), 64 bytes of
 *       structure; its id fields are replaced by live ids where the
 *       id byte (the field's low byte) is even; its pointer fields by
 *       one of: the scratch buffer, NULL, a read-only page, an unmapped
 *       page, the user memory (user_va);
 *     0x80 attach / 0x81 replace: dev u8, id u8; 0x82 detach: dev u8;
 *     0x83 dma: dev u8, flags u8, iova u32, len u8;
 *     0x84 msi: dev u8, data u32; 0x85 set_msi_addr: dev u8, addr u32;
 *     0x86 msi_bind / 0x87 msi_unbind: id u8, gdb u32, gran u8;
 *     0x88 host event: 32 bytes of record;
 *     0x89 mmap write: off u16, val u32; 0x8a mmap read: off u16;
 *     0x8b process; 0x8c bind: sid u8; 0x8d unbind: dev u8;
 *     0x8e read the newest event fd into the scratch buffer; 0x8f
 *       write to it: cookie u32 (0: the cookie of the record read last),
 *       code u8 (a FAULT queue's page response);
 *     0x90 poke: where u8 (bit 0: user memory, else scratch), off u16
 *       (in 16-byte units), 16 bytes written there (guest STEs, CDs,
 *       commands, rings).
 *   Short inputs end the sequence; at most FZ_MAX_OPS operations.
 *
 * Pointers the layer writes through are always ours (the scratch buffer)
 * or invalid (NULL, read-only, unmapped): a random address could be
 * writable memory of this very process.  The scratch buffer is a mapping
 * of its own followed by an inaccessible page, because the lengths are
 * the input's (IOVA_RANGES' num_iovas, GET_HW_INFO's data_len...): the
 * layer writes through process_vm_writev(), which the sanitizers do not
 * see, so an overrun must end in EFAULT and not in our heap.
 *
 * Invariants (abort() on a violation): every call returns 0 or a negative
 * errno; closing the context leaves no page of the pin window present.
 * Built with -DFZ_TRACE it prints each operation and its result (to see
 * how far a seed or a reproducer gets).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vsmmu/arch.h>
#include <vsmmu/host.h>
#include <vsmmu/iommufd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap);

#define FZ_MAX_OPS 64
#define FZ_USER (1U << 20) /* user memory: pages of all kinds */
#define FZ_SCRATCH (16U << 10)
#define FZ_PIN_BASE (1ULL << 46) /* where pinned user pages are mapped */
#define FZ_PIN_SIZE (1ULL << 40)
#define FZ_FILE (64U << 10)
#define FZ_IDS 32
#define FZ_FDS 16

struct fz {
	const uint8_t *p;
	size_t left;
	struct vsmmu_host *host;
	struct vsmmu_iommufd_ctx *ictx;
	unsigned char *user; /* FZ_USER: RW, one read-only page, a hole */
	unsigned char *ro; /* a read-only page */
	unsigned char *hole; /* an unmapped page */
	unsigned char *scratch; /* FZ_SCRATCH bytes, then a PROT_NONE page */
	uint32_t ids[FZ_IDS];
	unsigned int nids;
	uint32_t devs[8];
	unsigned int ndevs;
	int memfd; /* FZ_FILE bytes, for IOAS_MAP_FILE */
	int fds[FZ_FDS];
	unsigned int nfds;
};

static uint64_t take(struct fz *f, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n && f->left; i++, f->left--)
		v |= (uint64_t)*f->p++ << (8 * i);
	return v;
}

static void check_rc(int rc)
{
#ifdef FZ_TRACE
	fprintf(stderr, "rc %d\n", rc);
#endif
	if (rc > 0 || rc < -4095)
		abort();
}

static void keep_id(struct fz *f, uint32_t id)
{
	if (id)
		f->ids[f->nids++ % FZ_IDS] = id;
}

static void keep_fd(struct fz *f, uint32_t fd)
{
	if (f->nfds == FZ_FDS) {
		close((int)fd);
		return;
	}
	f->fds[f->nfds++] = (int)fd;
}

static uint32_t some_id(struct fz *f, uint8_t sel)
{
	if (!f->nids)
		return sel;
	return f->ids[sel % (f->nids < FZ_IDS ? f->nids : FZ_IDS)];
}

static uint32_t some_dev(struct fz *f, uint8_t sel)
{
	return f->ndevs ? f->devs[sel % f->ndevs] : sel;
}

static uint64_t some_ptr(struct fz *f, uint8_t sel, bool user)
{
	switch (sel % 5) {
	case 0:
		return (uintptr_t)f->scratch + (sel & 0xc0);
	case 1:
		return 0;
	case 2:
		return (uintptr_t)f->ro;
	case 3:
		return (uintptr_t)f->hole;
	}
	return user ? (uintptr_t)f->user + (uint64_t)(sel >> 3) * 0x8000 :
		      (uintptr_t)f->scratch;
}

/* Offsets of a command's id fields (u32) and pointer fields (u64). */
struct fz_cmd {
	uint32_t size;
	uint8_t ids[3], nids;
	uint8_t ptrs[2], nptrs;
	uint8_t user_ptr; /* the pointer field that is user memory, or 0 */
	uint8_t out_id, out_fd; /* offsets of out_*_id / out_*_fd, or 0 */
};

static const struct fz_cmd fz_cmds[21] = {
	[0x00] = { 8, { 4 }, 1, { 0 }, 0, 0, 0, 0 },
	[0x01] = { 12, { 0 }, 0, { 0 }, 0, 0, 8, 0 },
	[0x02] = { 24, { 4 }, 1, { 16 }, 1, 0, 0, 0 },
	[0x03] = { 40, { 8, 12 }, 2, { 0 }, 0, 0, 0, 0 },
	[0x04] = { 32, { 4 }, 1, { 16 }, 1, 0, 0, 0 },
	[0x05] = { 40, { 8 }, 1, { 16 }, 1, 16, 0, 0 },
	[0x06] = { 24, { 4 }, 1, { 0 }, 0, 0, 0, 0 },
	[0x07] = { 24, { 12 }, 1, { 0 }, 0, 0, 0, 0 },
	[0x08] = { 12, { 4 }, 1, { 0 }, 0, 0, 0, 0 },
	[0x09] = { 48, { 8, 12, 40 }, 3, { 32 }, 1, 0, 16, 0 },
	[0x0a] = { 40, { 8 }, 1, { 16 }, 1, 0, 0, 0 },
	[0x0b] = { 16, { 8 }, 1, { 0 }, 0, 0, 0, 0 },
	[0x0c] = { 48, { 4 }, 1, { 40 }, 1, 0, 0, 0 },
	[0x0d] = { 32, { 4 }, 1, { 8 }, 1, 0, 0, 0 },
	[0x0e] = { 16, { 0 }, 0, { 0 }, 0, 0, 8, 12 },
	[0x0f] = { 40, { 8 }, 1, { 0 }, 0, 0, 0, 0 },
	[0x10] = { 40, { 12, 16 }, 2, { 32 }, 1, 0, 20, 0 },
	[0x11] = { 24, { 4, 8 }, 2, { 0 }, 0, 0, 12, 0 },
	[0x12] = { 8, { 0 }, 0, { 0 }, 0, 0, 0, 0 },
	[0x13] = { 32, { 8 }, 1, { 0 }, 0, 0, 20, 24 },
	[0x14] = { 40, { 8 }, 1, { 0 }, 0, 0, 20, 0 },
};

static void do_cmd(struct fz *f, uint8_t op)
{
	const struct fz_cmd *c = &fz_cmds[op % 21];
	unsigned char buf[320] __attribute__((aligned(8)));
	uint32_t size = (uint32_t)take(f, 1), v32;
	uint64_t v64;
	unsigned int i;
	int rc;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 64; i++)
		buf[i] = (unsigned char)take(f, 1);
	size = size < 0x40 ? c->size + (size & 7) - 4 : size;
	memcpy(buf, &size, 4);
	for (i = 0; i < c->nids; i++) {
		if (buf[c->ids[i]] & 1)
			continue;
		v32 = c->ids[i] == 8 && (op % 21 == 0x0a || op % 21 == 0x09 ||
					 op % 21 == 0x11) ?
			      some_dev(f, buf[c->ids[i]] >> 1) :
			      some_id(f, buf[c->ids[i]] >> 1);
		if (op % 21 == 0x10 && c->ids[i] == 12)
			v32 = some_dev(f, buf[c->ids[i]] >> 1);
		memcpy(buf + c->ids[i], &v32, 4);
	}
	for (i = 0; i < c->nptrs; i++) {
		v64 = some_ptr(f, buf[c->ptrs[i]],
			       c->ptrs[i] == c->user_ptr && c->user_ptr);
		memcpy(buf + c->ptrs[i], &v64, 8);
	}
	if (op % 21 == 0x0f) {
		/* a memfd of FZ_FILE bytes, none, or one that is not open */
		int32_t fd = (buf[12] & 1) ? -1 :
			     (buf[12] & 2) ? f->memfd :
					     0x7fffff00;

		memcpy(buf + 12, &fd, 4);
	}
	if (op % 21 == 0x0d && buf[24] & 1) {
		v32 = buf[24] >> 1; /* a modest entry_num */
		memcpy(buf + 24, &v32, 4);
	}
	rc = vsmmu_iommufd_ioctl(f->ictx, VSMMU_IOMMUFD_IO(0x80 + op % 21),
				 buf);
#ifdef FZ_TRACE
	fprintf(stderr, "cmd %#x ", 0x80 + op % 21);
#endif
	check_rc(rc);
	if (rc)
		return;
	if (c->out_id && size >= c->out_id + 4u) {
		memcpy(&v32, buf + c->out_id, 4);
		keep_id(f, v32);
	}
	if (c->out_fd && size >= c->out_fd + 4u) {
		memcpy(&v32, buf + c->out_fd, 4);
		keep_fd(f, v32);
	}
}

static void do_op(struct fz *f, uint8_t op)
{
	uint32_t dev, id, v32;
	uint64_t v64;
	int rc = 0;

	if (op < 0x80) {
		do_cmd(f, op);
		return;
	}
#ifdef FZ_TRACE
	fprintf(stderr, "op %#x ", op);
#endif
	switch (op) {
	case 0x80:
	case 0x81:
		dev = some_dev(f, (uint8_t)take(f, 1));
		id = some_id(f, (uint8_t)take(f, 1));
		rc = op == 0x80 ?
			     vsmmu_iommufd_device_attach(f->ictx, dev, &id) :
			     vsmmu_iommufd_device_replace(f->ictx, dev, &id);
		break;
	case 0x82:
		rc = vsmmu_iommufd_device_detach(
			f->ictx, some_dev(f, (uint8_t)take(f, 1)));
		break;
	case 0x83: {
		struct vsmmu_iommufd_dma d = { 0 };

		dev = some_dev(f, (uint8_t)take(f, 1));
		d.flags = (unsigned int)take(f, 1) & 7;
		d.iova = take(f, 4) << 8;
		d.len = (size_t)take(f, 1) * 16;
		d.buf = f->scratch;
		d.pasid = 1;
		rc = vsmmu_iommufd_dma(f->ictx, dev, &d);
		break;
	}
	case 0x84:
		dev = some_dev(f, (uint8_t)take(f, 1));
		rc = vsmmu_iommufd_msi(f->ictx, dev, (uint32_t)take(f, 4));
		break;
	case 0x85:
		dev = some_dev(f, (uint8_t)take(f, 1));
		rc = vsmmu_iommufd_set_msi_addr(f->ictx, dev, take(f, 4) << 4);
		break;
	case 0x86:
	case 0x87:
		id = some_id(f, (uint8_t)take(f, 1));
		v64 = take(f, 4) << 12;
		v32 = 4096U << (take(f, 1) % 6);
		rc = op == 0x86 ?
			     vsmmu_iommufd_msi_bind(f->ictx, id, v64, v32) :
			     vsmmu_iommufd_msi_unbind(f->ictx, id, v64);
		break;
	case 0x88: {
		struct vsmmu_drv_event e = { 0 };
		unsigned int i;

		for (i = 0; i < 4; i++)
			e.raw[i] = take(f, 8);
		e.id = (unsigned int)(e.raw[0] & 0xff);
		e.sid = (uint32_t)(e.raw[0] >> 32);
		vsmmu_iommufd_host_event(f->ictx, 0, &e);
		break;
	}
	case 0x89:
		v64 = take(f, 2) & ~3ULL;
		rc = vsmmu_iommufd_mmap_write(f->ictx, v64, 4, take(f, 4));
		break;
	case 0x8a:
		v64 = take(f, 2) & ~3ULL;
		rc = vsmmu_iommufd_mmap_read(f->ictx, v64, 4, &v64);
		break;
	case 0x8b:
		rc = vsmmu_iommufd_process(f->ictx);
		rc = rc > 0 ? 0 : rc;
		vsmmu_drv_process(vsmmu_host_drv(f->host));
		break;
	case 0x8c: {
		uint32_t sid = (uint32_t)take(f, 1);
		struct vsmmu_iommufd_dev_cfg c = { .sids = &sid, .nsids = 1 };

		rc = vsmmu_iommufd_device_bind(f->ictx, &c, &dev);
		if (!rc && f->ndevs < 8)
			f->devs[f->ndevs++] = dev;
		break;
	}
	case 0x8d:
		rc = vsmmu_iommufd_device_unbind(
			f->ictx, some_dev(f, (uint8_t)take(f, 1)));
		break;
	case 0x8e:
		if (f->nfds &&
		    read(f->fds[f->nfds - 1], f->scratch, FZ_SCRATCH) < 0)
			(void)0;
		break;
	case 0x8f: {
		struct iommu_hwpt_page_response r;

		r.cookie = (uint32_t)take(f, 4);
		if (!r.cookie) /* struct iommu_hwpt_pgfault's cookie */
			memcpy(&r.cookie, f->scratch + 36, 4);
		r.code = (uint32_t)take(f, 1) % 3;
		if (f->nfds && write(f->fds[f->nfds - 1], &r, sizeof(r)) < 0)
			(void)0;
		break;
	}
	case 0x90: {
		bool user = take(f, 1) & 1;
		uint64_t off = take(f, 2) * 16 % (user ? FZ_USER : FZ_SCRATCH);
		uint64_t w[2] = { take(f, 8), take(f, 8) };

		memcpy((user ? f->user : f->scratch) + off, w, 16);
		break;
	}
	default:
		break;
	}
	check_rc(rc);
}

static void fz_event(void *arg, const struct vsmmu_drv_event *e)
{
	struct fz *f = arg;

	if (f->ictx)
		vsmmu_iommufd_host_event(f->ictx, 0, e);
}

static bool fz_stall(void *arg, const struct vsmmu_drv_event *e)
{
	struct fz *f = arg;

	return f->ictx && vsmmu_iommufd_host_stall(f->ictx, 0, e);
}

static int fz_init(struct fz *f, uint8_t hdr)
{
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_iommufd_host h;
	struct vsmmu_host_config hc;
	uint32_t sids[2] = { 3, 4 }, sid;
	struct vsmmu_iommufd_dev_cfg dc = { .sids = &sid, .nsids = 1 };
	unsigned int i;

	f->user = mmap(NULL, FZ_USER + 2 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->user == MAP_FAILED)
		return -1;
	f->ro = f->user + FZ_USER;
	f->hole = f->ro + 4096;
	mprotect(f->ro, 4096, PROT_READ);
	munmap(f->hole, 4096);
	f->memfd = memfd_create("fz", MFD_CLOEXEC);
	if (f->memfd < 0 || ftruncate(f->memfd, FZ_FILE))
		return -1;
	f->scratch = mmap(NULL, FZ_SCRATCH + 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->scratch == MAP_FAILED)
		return -1;
	mprotect(f->scratch + FZ_SCRATCH, 4096, PROT_NONE);

	vsmmu_host_config_default(&hc);
	if (hdr & 1) {
		hc.smmu.cmdqv.present = true;
		hc.smmu.cmdqv.num_vintf_log2 = 2;
		hc.smmu.cmdqv.num_vcmdq_log2 = 3;
		hc.smmu.cmdqv.num_sid_per_vm_log2 = 2;
	}
	/* Stalls are held for an answer; the device waits 0 ns for it */
	hc.smmu.hold_stalls = hdr & 2;
	hc.drv.event_fn = fz_event;
	hc.drv.event_arg = f;
	hc.drv.stall_fn = fz_stall;
	hc.drv.stall_arg = f;
	hc.drv.timeout_ns = 100000000ULL;
	hc.pool_size = 16 << 20;
	if (vsmmu_host_create(&hc, NULL, &f->host))
		return -1;
	h.smmu = vsmmu_host_smmu(f->host);
	h.drv = vsmmu_host_drv(f->host);
	ic.hosts = &h;
	ic.nhosts = 1;
	ic.no_service_thread = true;
	ic.pin_base = FZ_PIN_BASE;
	ic.pin_size = FZ_PIN_SIZE;
	if (vsmmu_iommufd_ctx_create(&ic, &f->ictx))
		return -1;
	for (i = 0; i < 2; i++) {
		sid = 1 + i;
		if (!vsmmu_iommufd_device_bind(f->ictx, &dc,
					       &f->devs[f->ndevs]))
			f->ndevs++;
	}
	dc.sids = sids;
	dc.nsids = 2;
	if (!vsmmu_iommufd_device_bind(f->ictx, &dc, &f->devs[f->ndevs]))
		f->ndevs++;
	for (i = 0; i < f->ndevs; i++)
		keep_id(f, f->devs[i]);
	return 0;
}

static int in_pin(void *arg, uint64_t pa, uint64_t size)
{
	return pa < FZ_PIN_BASE + FZ_PIN_SIZE && pa + size > FZ_PIN_BASE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz *f;
	unsigned int n;

	if (!size)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return 0;
	f->memfd = -1;
	f->p = data + 1;
	f->left = size - 1;
	if (!fz_init(f, data[0])) {
		for (n = 0; n < FZ_MAX_OPS && f->left; n++)
			do_op(f, (uint8_t)take(f, 1));
		vsmmu_iommufd_ctx_destroy(f->ictx);
		f->ictx = NULL;
		/* Everything pinned was let go */
		if (vsmmu_mem_for_each_range(vsmmu_host_mem(f->host), in_pin,
					     NULL))
			abort();
	}
	vsmmu_iommufd_ctx_destroy(f->ictx);
	for (n = 0; n < f->nfds; n++)
		close(f->fds[n]);
	vsmmu_host_destroy(f->host);
	if (f->user && f->user != MAP_FAILED)
		munmap(f->user, FZ_USER + 4096);
	if (f->memfd >= 0)
		close(f->memfd);
	if (f->scratch && f->scratch != MAP_FAILED)
		munmap(f->scratch, FZ_SCRATCH + 4096);
	free(f);
	return 0;
}

/* --- Seeds: a paging device, a VM (nested, stalls), a CMDQV VM ---------- */

struct seed {
	uint8_t *b;
	size_t n, cap;
};

static void put(struct seed *s, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		if (s->n < s->cap)
			s->b[s->n++] = (uint8_t)(v >> (8 * i));
}

/* A command: op, size code 4 (= sizeof), 64 bytes of structure. */
static void put_cmd(struct seed *s, uint8_t op, const void *st, size_t len)
{
	uint8_t raw[64] = { 0 };

	memcpy(raw, st, len < 64 ? len : 64);
	put(s, op, 1);
	put(s, 4, 1);
	if (s->n + 64 <= s->cap) {
		memcpy(s->b + s->n, raw, 64);
		s->n += 64;
	}
}

static void put_poke(struct seed *s, bool user, uint64_t off, uint64_t w0,
		     uint64_t w1)
{
	put(s, 0x90, 1);
	put(s, user, 1);
	put(s, off / 16, 2);
	put(s, w0, 8);
	put(s, w1, 8);
}

static void put_dma(struct seed *s, uint8_t dev, uint8_t flags, uint64_t iova)
{
	put(s, 0x83, 1);
	put(s, dev, 1);
	put(s, flags, 1);
	put(s, iova >> 8, 4);
	put(s, 4, 1); /* 64 bytes */
}

/*
 * Id bytes of commands are (index << 1) into the live ids: devices 0..2
 * are ids[0..2], then every object in creation order; attach takes the
 * index itself.  Pointer selector 0 is the scratch buffer, 0x82 scratch +
 * 0x80, 4 the user memory.  The guest's RAM is the user memory, mapped
 * at IOVA (= IPA) 0: its CD at 0x1000, an empty stage-1 table at 0x2000
 * (every access faults), the CMDQV ring at 0x8000.
 */
#define SD_CD 0x1000ULL
#define SD_TTB 0x2000ULL
#define SD_RING 0x8000ULL

/* Two IOASes: allowed ranges, maps (fixed, not, of a file), ranges,
 * copy, options, unmap-all. */
static size_t seed_ioas(struct seed *s)
{
	struct iommu_ioas_alloc ia = { .size = 12 };
	struct iommu_ioas_allow_iovas al = { .size = 24,
					     .ioas_id = 3 << 1,
					     .num_iovas = 1,
					     .allowed_iovas = 0x82 };
	struct iommu_ioas_map m = { .size = 40,
				    .flags = 6,
				    .ioas_id = 3 << 1,
				    .user_va = 14, /* user + 0x8000 */
				    .length = 0x10000 };
	struct iommu_ioas_map_file mf = { .size = 40,
					  .flags = 7,
					  .ioas_id = 3 << 1,
					  .fd = 2,
					  .start = 0x1000,
					  .length = 0x4000,
					  .iova = 0x300000 };
	struct iommu_ioas_iova_ranges r = { .size = 32,
					    .ioas_id = 3 << 1,
					    .num_iovas = 4,
					    .allowed_iovas = 0 };
	struct iommu_ioas_copy c = { .size = 40,
				     .flags = 7,
				     .dst_ioas_id = 4 << 1,
				     .src_ioas_id = 3 << 1,
				     .length = 0x4000,
				     .dst_iova = 0x10000,
				     .src_iova = 0x300000 };
	struct iommu_option o = { .size = 24,
				  .option_id = IOMMU_OPTION_HUGE_PAGES,
				  .op = IOMMU_OPTION_OP_SET,
				  .object_id = 4 << 1,
				  .val64 = 0 };
	struct iommu_ioas_unmap u = {
		.size = 24, .ioas_id = 3 << 1, .iova = 0, .length = UINT64_MAX
	};
	struct iommu_vfio_ioas vf = { .size = 12, .ioas_id = 4 << 1, .op = 1 };
	struct iommu_ioas_change_process cp = { .size = 8 };

	put(s, 0, 1);
	put_cmd(s, 0x01, &ia, sizeof(ia)); /* ids[3] */
	put_cmd(s, 0x01, &ia, sizeof(ia)); /* ids[4] */
	put_poke(s, false, 0x80, 0x100000, 0x4ffffff);
	put_cmd(s, 0x02, &al, sizeof(al));
	put_cmd(s, 0x05, &m, sizeof(m));
	put_cmd(s, 0x0f, &mf, sizeof(mf));
	put_cmd(s, 0x04, &r, sizeof(r));
	put_cmd(s, 0x07, &o, sizeof(o));
	put_cmd(s, 0x03, &c, sizeof(c));
	put_cmd(s, 0x08, &vf, sizeof(vf));
	put(s, 0x80, 1); /* attach dev 1 to the second IOAS */
	put(s, 1, 1);
	put(s, 4, 1);
	put_dma(s, 1, VSMMU_IOMMUFD_DMA_WRITE, 0x10000);
	put_cmd(s, 0x06, &u, sizeof(u));
	put_cmd(s, 0x12, &cp, sizeof(cp));
	return s->n;
}

size_t vsmmu_fuzz_seed(unsigned int i, uint8_t *buf, size_t cap)
{
	struct seed s = { buf, 0, cap };
	bool nested = i > 0, cmdqv = i == 2, stall = i == 3;
	struct iommu_ioas_alloc ia = { .size = 12 };
	struct iommu_ioas_map m = { .size = 40,
				    .flags = 7,
				    .ioas_id = 3 << 1,
				    .user_va = 4,
				    .length = 0x20000,
				    .iova = 0 };
	struct iommu_hwpt_alloc h = {
		.size = 48, .flags = nested, .dev_id = 0, .pt_id = 3 << 1
	};
	struct iommu_viommu_alloc v = { .size = 40,
					.type = cmdqv ? 2 : 1,
					.dev_id = 0,
					.hwpt_id = 4 << 1,
					.data_len = cmdqv ? 16 : 0,
					.data_uptr = 0x82 };
	struct iommu_vdevice_alloc vd = {
		.size = 24, .viommu_id = 5 << 1, .dev_id = 0, .virt_id = 0x10
	};
	struct iommu_veventq_alloc vq = {
		.size = 32, .viommu_id = 5 << 1, .type = 1, .veventq_depth = 8
	};
	struct iommu_fault_alloc fa = { .size = 16 };
	struct iommu_hwpt_alloc n = {
		.size = 48,
		.flags = stall ? IOMMU_HWPT_FAULT_ID_VALID : 0,
		.dev_id = 0,
		.pt_id = 5 << 1,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.data_len = 16,
		.data_uptr = 0,
		.fault_id = 8 << 1
	};
	struct iommu_hwpt_invalidate inv = { .size = 32,
					     .hwpt_id = 5 << 1,
					     .data_uptr = 0x82,
					     .data_type = 1,
					     .entry_len = 16,
					     .entry_num = 2 << 1 | 1 };
	struct iommu_hw_queue_alloc q = { .size = 40,
					  .viommu_id = 5 << 1,
					  .type = 1,
					  .index = 0,
					  .nesting_parent_iova = SD_RING,
					  .length = 4096 };
	uint64_t cd0 = VS_FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, 16) |
		       VS_FIELD_PREP(CTXDESC_CD_0_TCR_IPS, 2) |
		       CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V |
		       CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R | CTXDESC_CD_0_A |
		       VS_FIELD_PREP(CTXDESC_CD_0_ASID, 5) |
		       (stall ? CTXDESC_CD_0_S : 0);

	if (i > 4)
		return 0;
	if (i == 4)
		return seed_ioas(&s);
	put(&s, (cmdqv ? 1 : 0) | (stall ? 2 : 0), 1);
	put_cmd(&s, 0x01, &ia, sizeof(ia)); /* ids[3] */
	put_cmd(&s, 0x05, &m, sizeof(m));
	put_cmd(&s, 0x09, &h, sizeof(h)); /* ids[4] */
	if (!nested) {
		put(&s, 0x80, 1); /* attach dev 0 to the HWPT */
		put(&s, 0, 1);
		put(&s, 4, 1);
		put_dma(&s, 0, VSMMU_IOMMUFD_DMA_WRITE, 0);
		put_dma(&s, 0, 0, 0x40000); /* unmapped: an event */
		put(&s, 0x84, 1); /* an MSI */
		put(&s, 0, 1);
		put(&s, 0x1234, 4);
		put(&s, 0x8b, 1);
		return s.n;
	}
	/* The guest's STE (scratch), CD and stage 1 (its RAM) */
	put_poke(&s, false, 0, 0x1 | 0xa | SD_CD, 0xd4);
	put_poke(&s, true, SD_CD, cd0, SD_TTB & CTXDESC_CD_1_TTB0_MASK);
	put_poke(&s, true, SD_CD + 16, 0, 0x0404ff44);
	put_cmd(&s, 0x10, &v, sizeof(v)); /* ids[5] */
	put_cmd(&s, 0x11, &vd, sizeof(vd)); /* ids[6] */
	put_cmd(&s, 0x13, &vq, sizeof(vq)); /* ids[7] */
	if (stall)
		put_cmd(&s, 0x0e, &fa, sizeof(fa)); /* ids[8] */
	put_cmd(&s, 0x09, &n, sizeof(n)); /* ids[8] or [9] */
	put(&s, 0x80, 1);
	put(&s, 0, 1);
	put(&s, stall ? 9 : 8, 1);
	put_dma(&s, 0, 0, 0x4000);
	put(&s, 0x8b, 1);
	put(&s, 0x8e, 1);
	if (stall) {
		put(&s, 0x8f, 1); /* answer it: RETRY */
		put(&s, 0, 4);
		put(&s, IOMMUFD_PAGE_RESP_SUCCESS, 1);
	}
	/* The guest's invalidation: CFGI_CD of vSID 0x10, TLBI_NH_ASID 5 */
	put_poke(&s, false, 0x80, CMDQ_OP_CFGI_CD | (0x10ULL << 32), 1);
	put_poke(&s, false, 0x90, CMDQ_OP_TLBI_NH_ASID | (5ULL << 48), 0);
	put_cmd(&s, 0x0d, &inv, sizeof(inv));
	/* MSI: the guest's doorbell at IPA 0x80000 */
	put(&s, 0x86, 1);
	put(&s, 4, 1);
	put(&s, 0x80000 >> 12, 4);
	put(&s, 0, 1);
	put(&s, 0x85, 1); /* the guest's MSI address: a gIOVA */
	put(&s, 0, 1);
	put(&s, 0x80040 >> 4, 4);
	put(&s, 0x84, 1);
	put(&s, 0, 1);
	put(&s, 0x77, 4);
	if (cmdqv) {
		/* Queue 0 on the guest's ring; enable, two commands, ring */
		put_cmd(&s, 0x14, &q, sizeof(q));
		put_poke(&s, true, SD_RING, CMDQ_OP_TLBI_NH_ASID | (5ULL << 48),
			 0);
		put_poke(&s, true, SD_RING + 16, CMDQ_OP_CMD_SYNC, 0);
		put(&s, 0x89, 1);
		put(&s, TEGRA241_VCMDQ_CONFIG, 2);
		put(&s, 1, 4);
		put(&s, 0x89, 1);
		put(&s, TEGRA241_VCMDQ_PROD, 2);
		put(&s, 2, 4);
		put(&s, 0x8a, 1);
		put(&s, TEGRA241_VCMDQ_CONFIG, 2);
	}
	put(&s, 0x8b, 1);
	return s.n;
}
