// SPDX-License-Identifier: MIT
/*
 * vsmmu vm dump / vsmmu vm replay: a guest's memory and virtual SMMU
 * registers, loaded as a VM and queried through the whole stack.
 *
 * replay: the memory files (ELF cores, raw images: what `translate`
 * reads) become the RAM of a VM whose guest-physical layout is given
 * (--ram GPA:SIZE[@HPA]: where the VMM put it, and where the host pinned
 * it), with its devices (--dev VSID=SID) behind one virtual SMMU whose
 * registers are the guest's (--reg, as `translate` takes them; CR0 last,
 * default SMMUEN = 1).  Loading them installs every device's STE exactly
 * as a guest's CFGI would -- read from the guest's stream table in its
 * RAM, turned into a nested HWPT (or abort, or bypass) by the virtual
 * SMMU, written into the host's STE by the host driver.  A query "VSID
 * SSID IOVA ACCESS" is then a transaction of that device on the host
 * SMMU model: the answer is the host-physical address, or the event and
 * who receives it -- the guest (its event queue, with its StreamID) or the
 * host (a stage-2 fault) -- or a silent abort, with what the virtual SMMU
 * made of the guest's STE.  It answers "why does my guest's DMA fault
 * under nesting?" of a dump.
 *
 * dump: a guest-built configuration for replay to read, made the way a
 * guest makes it: vsmmu's driver running in a VM maps buffers for two
 * devices; the guest's RAM is written as an ELF core (one PT_LOAD per
 * run of non-zero pages, at their guest-physical addresses), and the
 * flags that replay it are printed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <vsmmu/arch.h>
#include <vsmmu/decode.h>
#include <vsmmu/host.h>
#include <vsmmu/iommufd.h>
#include <vsmmu/vmm.h>
#include <vsmmu/vsmmu.h>

#include "builtin.h"
#include "memfile.h"
#include "out.h"
#include "query.h"

#define PROG "vsmmu vm replay"
#define MAX_DEVS 16
#define MAX_REGS 64
#define MAX_MEMS 16
#define RAM_ALIGN (2ULL << 20)
#define HOST_POOL 0x10000000ULL

/* --- A host with one VM ------------------------------------------------------ */

struct rp {
	struct vsmmu_host *host;
	struct vsmmu_iommufd_ctx *ictx;
	struct vsmmu_vm *vm;
	/* The last host event: was it forwarded (to a VEVENTQ)? */
	int fwd; /* -1: no event, 0: the host's, 1: forwarded */
	uint32_t sid[MAX_DEVS], vsid[MAX_DEVS];
	unsigned int ndevs;
};

static void rp_event(void *arg, const struct vsmmu_drv_event *evt)
{
	struct rp *r = arg;

	r->fwd = r->ictx && vsmmu_iommufd_host_event(r->ictx, 0, evt) ? 1 : 0;
}

static void quiet(void *arg, const char *msg)
{
}

static int rp_up(struct rp *r, uint64_t ram_base, uint64_t ram_size,
		 uint64_t hpa, void *ram)
{
	struct vsmmu_host_config hc;
	struct vsmmu_iommufd_config ic = { 0 };
	struct vsmmu_iommufd_host h;
	struct vsmmu_vm_dev_cfg d[MAX_DEVS];
	struct vsmmu_vm_config c = { 0 };
	unsigned int i;
	int rc;

	vsmmu_host_config_default(&hc);
	hc.smmu.exec = VSMMU_EXEC_SYNC;
	hc.drv.event_fn = rp_event;
	hc.drv.event_arg = r;
	hc.drv.log_fn = quiet;
	hc.pool_base = HOST_POOL;
	hc.pool_size = 64ULL << 20;
	rc = vsmmu_host_create(&hc, NULL, &r->host);
	if (rc)
		return rc;
	h.smmu = vsmmu_host_smmu(r->host);
	h.drv = vsmmu_host_drv(r->host);
	ic.hosts = &h;
	ic.nhosts = 1;
	ic.no_service_thread = true;
	if (hpa) {
		ic.pin_base = hpa;
		ic.pin_size = ram_size;
	}
	rc = vsmmu_iommufd_ctx_create(&ic, &r->ictx);
	if (rc)
		return rc;
	memset(d, 0, sizeof(d));
	for (i = 0; i < r->ndevs; i++) {
		d[i].sid = r->sid[i];
		d[i].vsid = r->vsid[i];
	}
	c.ictx = r->ictx;
	c.ram_base = ram_base;
	c.ram_size = ram_size;
	c.ram = ram;
	c.devs = d;
	c.ndevs = r->ndevs;
	return vsmmu_vm_create(&c, &r->vm);
}

static void rp_down(struct rp *r)
{
	vsmmu_vm_destroy(r->vm);
	vsmmu_iommufd_ctx_destroy(r->ictx);
	vsmmu_host_destroy(r->host);
}

/* --- replay ---------------------------------------------------------------- */

static const char replay_usage[] =
	"usage: vsmmu vm replay --mem FILE[@ADDR]... --dev VSID=SID...\n"
	"                       [--ram GPA:SIZE[@HPA]] [--reg NAME=VALUE]...\n"
	"                       [QUERY...]\n"
	"\n"
	"Load a guest's memory (ELF cores or raw files at guest-physical\n"
	"addresses) as the RAM of a VM whose devices sit behind a virtual SMMU\n"
	"with the guest's register values, and answer queries through the\n"
	"whole stack: the virtual SMMU reads the guest's stream table and\n"
	"installs nested HWPTs, the host SMMU walks the guest's stage 1 and the\n"
	"VM's stage 2.\n"
	"\n"
	"options:\n"
	"  --mem FILE[@ADDR]   guest memory (repeatable)\n"
	"  --dev VSID=SID      a device: the guest's StreamID and the physical\n"
	"                      one (repeatable, at least one)\n"
	"  --ram GPA:SIZE[@HPA] the VM's RAM (2 MiB multiples) and, with\n"
	"                      @HPA, where the host pins it; default: the span\n"
	"                      of the memory files\n"
	"  --reg NAME=VALUE    a virtual SMMU register (NAME.FIELD=VALUE too),\n"
	"                      STRTAB_BASE, STRTAB_BASE_CFG, CR0 (default\n"
	"                      SMMUEN=1), GBPA...\n"
	"  -h, --help          this text\n"
	"\n"
	"A query is VSID SSID IOVA ACCESS (SSID '-' for none; ACCESS r, w or\n"
	"x, p for privileged), one per argument or per line of standard input.\n"
	"Each answer is one JSON line: the host-physical address, or the event\n"
	"and who receives it (the guest, with its StreamID, or the host), or a\n"
	"silent abort; and what the virtual SMMU made of the guest's STE.\n"
	"\n"
	"Exit status:\n"
	"  0 every query answered; 1 a query was malformed; 2 a bad option or\n"
	"  file.\n";

static int parse_pair(const char *s, char sep, uint64_t max1, uint64_t max2,
		      uint64_t *a, uint64_t *b)
{
	const char *p = strchr(s, sep);

	if (!p || vsmmu_parse_u64(s, (size_t)(p - s), max1, a) ||
	    vsmmu_parse_u64(p + 1, strlen(p + 1), max2, b))
		return -EINVAL;
	return 0;
}

static const char *ste_name(enum vsmmu_vm_ste k)
{
	switch (k) {
	case VSMMU_VM_STE_ABORT:
		return "abort";
	case VSMMU_VM_STE_BYPASS:
		return "bypass";
	case VSMMU_VM_STE_S1:
		return "stage1";
	default:
		return "none";
	}
}

static int answer(struct rp *r, const char *line, unsigned int lineno)
{
	char err[128], q[VSMMU_QUERY_FMT_MAX];
	struct vsmmu_txn t;
	struct vsmmu_txn_result res;
	enum vsmmu_vm_ste kind;
	unsigned int d;
	int rc;

	rc = vsmmu_query_parse(line, &t, err, sizeof(err));
	if (rc) {
		fprintf(stderr, PROG ": query %u: %s\n", lineno, err);
		printf("{\"line\":%u,\"error\":", lineno);
		out_json_str(stdout, err);
		printf("}\n");
		return 1;
	}
	for (d = 0; d < r->ndevs; d++)
		if (r->vsid[d] == t.sid)
			break;
	vsmmu_query_format(&t, q, sizeof(q));
	printf("{\"query\":\"%s\",\"vsid\":\"0x%" PRIx32 "\"", q, t.sid);
	if (d == r->ndevs) {
		printf(",\"error\":\"no device has this vSID\"}\n");
		return 1;
	}
	vsmmu_vm_dev_ste(r->vm, d, &kind, NULL);
	printf(",\"sid\":\"0x%" PRIx32 "\",\"ste\":\"%s\"", r->sid[d],
	       ste_name(kind));
	t.sid = r->sid[d];
	r->fwd = -1;
	rc = vsmmu_translate(vsmmu_host_smmu(r->host), &t, &res);
	if (rc) {
		printf(",\"error\":\"%s\"}\n", vsmmu_strerror(rc));
		return 1;
	}
	switch (res.outcome) {
	case VSMMU_TXN_OK:
		printf(",\"result\":\"ok\",\"hpa\":\"0x%" PRIx64 "\"", res.oa);
		if (!res.bypass || kind == VSMMU_VM_STE_BYPASS)
			printf(",\"gpa\":\"0x%" PRIx64 "\"",
			       kind == VSMMU_VM_STE_BYPASS ? t.addr : res.ipa);
		printf(",\"perm\":\"%c%c%c\",\"page_size\":\"0x%llx\"}\n",
		       res.perm & VSMMU_TXN_READ ? 'r' : '-',
		       res.perm & VSMMU_TXN_WRITE ? 'w' : '-',
		       res.perm & VSMMU_TXN_EXEC ? 'x' : '-',
		       1ULL << res.page_shift);
		return 0;
	case VSMMU_TXN_TERMINATED:
		printf(",\"result\":\"aborted\",\"event\":null,\"why\":\"%s\"}\n",
		       kind == VSMMU_VM_STE_ABORT ?
			       "the guest's STE aborts: invalid, abort, "
			       "unreadable or illegal for the virtual SMMU, or "
			       "SMMUEN = 0 with GBPA.ABORT" :
			       "terminated without an event");
		return 0;
	case VSMMU_TXN_FAULT:
		break;
	}
	/* Who hears of it: the host drains its queue and offers the record
	 * to the iommufd layer, which forwards the guest's own faults */
	if (res.recorded)
		vsmmu_drv_process(vsmmu_host_drv(r->host));
	vsmmu_vm_process(r->vm);
	{
		uint64_t e[4];
		unsigned int i;
		const char *name =
			vsmmu_evt_name(VS_FIELD_GET(EVTQ_0_ID, res.evt[0]));

		memcpy(e, res.evt, sizeof(e));
		if (r->fwd == 1)
			e[0] = (e[0] & ~EVTQ_0_SID) |
			       VS_FIELD_PREP(EVTQ_0_SID, r->vsid[d]);
		printf(",\"result\":\"fault\",\"event\":\"%s\",\"to\":\"%s\"",
		       name ? name : "UNKNOWN",
		       !res.recorded ? "nobody (not recorded)" :
		       r->fwd == 1   ? "guest" :
				       "host");
		printf(",\"evt\":[");
		for (i = 0; i < 4; i++)
			printf("%s\"0x%" PRIx64 "\"", i ? "," : "", e[i]);
		printf("],\"stage2\":%s}\n",
		       res.evt[1] & EVTQ_1_S2 ? "true" : "false");
	}
	return 0;
}

struct copy {
	struct vsmmu_mem *src;
	unsigned char *ram;
	uint64_t base, size, outside;
	int rc;
};

static int copy_range(void *arg, uint64_t pa, uint64_t size)
{
	struct copy *c = arg;
	uint64_t lo = pa > c->base ? pa : c->base;
	uint64_t hi = pa + size < c->base + c->size ? pa + size :
						      c->base + c->size;

	if (hi <= lo) {
		c->outside += size;
		return 0;
	}
	c->outside += size - (hi - lo);
	if (vsmmu_mem_read(c->src, lo, c->ram + (lo - c->base), hi - lo))
		c->rc = -EIO;
	return 0;
}

struct span {
	uint64_t lo, hi;
};

static int span_range(void *arg, uint64_t pa, uint64_t size)
{
	struct span *s = arg;

	if (pa < s->lo)
		s->lo = pa;
	if (pa + size > s->hi)
		s->hi = pa + size;
	return 0;
}

int cmd_vm_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "dev", required_argument, NULL, 'd' },
		{ "ram", required_argument, NULL, 'r' },
		{ "reg", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mems[MAX_MEMS];
	struct vsmmu_reg_arg regs[MAX_REGS];
	uint64_t offs[MAX_REGS], vals[MAX_REGS];
	unsigned int nmems = 0, nregs = 0, nvals = 0, i, j, lineno = 0;
	uint64_t ram_base = 0, ram_size = 0, hpa = 0, loaded, a, b;
	struct vsmmu_mem *tmp = NULL;
	struct rp r = { 0 };
	struct copy cp = { 0 };
	unsigned char *ram = MAP_FAILED;
	bool have_cr0 = false;
	char err[128], line[512];
	int c, rc, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (nmems == MAX_MEMS)
				goto usage;
			mems[nmems++] = optarg;
			break;
		case 'd':
			if (r.ndevs == MAX_DEVS ||
			    parse_pair(optarg, '=', 0xffff, 0xffffffff, &a,
				       &b)) {
				fprintf(stderr,
					PROG ": --dev takes VSID=SID (VSID "
					     "below 2^16), not '%s'\n",
					optarg);
				return 2;
			}
			r.vsid[r.ndevs] = (uint32_t)a;
			r.sid[r.ndevs++] = (uint32_t)b;
			break;
		case 'r': {
			char *at = strchr(optarg, '@');
			bool bad = false;

			if (at) {
				bad = vsmmu_parse_u64(at + 1, strlen(at + 1),
						      (1ULL << 52) - 1, &hpa);
				*at = 0;
			}
			if (bad ||
			    parse_pair(optarg, ':', (1ULL << 52) - 1,
				       1ULL << 40, &ram_base, &ram_size)) {
				fprintf(stderr,
					PROG ": --ram takes GPA:SIZE[@HPA], "
					     "not '%s'\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'g':
			if (nregs == MAX_REGS)
				goto usage;
			if (vsmmu_reg_arg_parse(optarg, &regs[nregs], err,
						sizeof(err))) {
				fprintf(stderr, PROG ": --reg %s: %s\n", optarg,
					err);
				return 2;
			}
			nregs++;
			break;
		case 'h':
			fputs(replay_usage, stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (!nmems || !r.ndevs) {
		fprintf(stderr, PROG ": --mem and --dev are required\n");
		goto usage;
	}
	/* The guest's memory, at its guest-physical addresses */
	rc = vsmmu_mem_create(52, &tmp);
	for (i = 0; !rc && i < nmems; i++)
		rc = memfile_load(tmp, mems[i], PROG, &loaded);
	if (rc) {
		vsmmu_mem_destroy(tmp);
		return 2;
	}
	if (!ram_size) {
		struct span s = { ~0ULL, 0 };

		vsmmu_mem_for_each_range(tmp, span_range, &s);
		if (s.hi <= s.lo) {
			fprintf(stderr, PROG ": the memory files are empty\n");
			vsmmu_mem_destroy(tmp);
			return 2;
		}
		ram_base = s.lo & ~(RAM_ALIGN - 1);
		ram_size =
			((s.hi + RAM_ALIGN - 1) & ~(RAM_ALIGN - 1)) - ram_base;
	}
	ram = mmap(NULL, ram_size ? ram_size : 1, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rc = ram == MAP_FAILED ? -ENOMEM :
				 rp_up(&r, ram_base, ram_size, hpa, ram);
	if (rc) {
		fprintf(stderr,
			PROG ": building the VM (RAM 0x%" PRIx64 " + 0x%" PRIx64
			     "): %s\n",
			ram_base, ram_size, vsmmu_strerror(rc));
		status = 2;
		goto out;
	}
	cp = (struct copy){
		.src = tmp, .ram = ram, .base = ram_base, .size = ram_size
	};
	vsmmu_mem_for_each_range(tmp, copy_range, &cp);
	if (cp.outside)
		fprintf(stderr,
			PROG ": %" PRIu64 " bytes of memory outside the RAM "
			     "are not the VM's\n",
			cp.outside);
	/* The registers, merged by register, CR0 last (default SMMUEN) */
	for (i = 0; i < nregs; i++) {
		for (j = 0; j < nvals && offs[j] != regs[i].offset; j++)
			;
		if (j == nvals) {
			offs[nvals] = regs[i].offset;
			vals[nvals++] = 0;
		}
		vals[j] = (vals[j] & ~regs[i].mask) | regs[i].value;
		have_cr0 |= regs[i].offset == ARM_SMMU_CR0;
	}
	if (!have_cr0) {
		offs[nvals] = ARM_SMMU_CR0;
		vals[nvals++] = CR0_SMMUEN;
	}
	rc = vsmmu_vm_smmu_set_state(r.vm, 0, offs, vals, nvals);
	if (rc) {
		fprintf(stderr, PROG ": loading the registers: %s\n",
			vsmmu_strerror(rc));
		status = 2;
		goto out;
	}
	if (optind < argc) {
		for (i = (unsigned int)optind; i < (unsigned int)argc; i++)
			status |= answer(&r, argv[i], ++lineno);
	} else {
		while (fgets(line, sizeof(line), stdin)) {
			lineno++;
			if (!vsmmu_query_is_blank(line))
				status |= answer(&r, line, lineno);
		}
	}
out:
	rp_down(&r);
	if (ram != MAP_FAILED)
		munmap(ram, ram_size ? ram_size : 1);
	vsmmu_mem_destroy(tmp);
	return status;
usage:
	fputs(replay_usage, stderr);
	return 2;
}

/* --- dump ------------------------------------------------------------------- */

#define DUMP_RAM (16ULL << 20)
#define DUMP_IOVA_RW 0x100000ULL
#define DUMP_IOVA_RO 0x200000ULL
#define DUMP_GPA_RW (VSMMU_VM_RAM_BASE + 0x100000)
#define DUMP_GPA_RO (VSMMU_VM_RAM_BASE + 0x200000)

struct seg {
	uint64_t pa, len;
};

/* Runs of non-zero pages of the guest's RAM */
static unsigned int segments(const unsigned char *ram, uint64_t base,
			     uint64_t size, struct seg *seg, unsigned int max)
{
	static const unsigned char zero[4096];
	unsigned int n = 0;
	uint64_t off;
	bool in = false;

	for (off = 0; off < size; off += 4096) {
		bool nz = memcmp(ram + off, zero, 4096) != 0;

		if (nz && !in) {
			if (n == max)
				break;
			seg[n].pa = base + off;
			seg[n].len = 0;
			n++;
		}
		if (nz)
			seg[n - 1].len += 4096;
		in = nz;
	}
	return n;
}

/* An ELF64 little-endian core: one PT_LOAD per segment, at p_paddr */
static int write_core(const char *path, const unsigned char *ram, uint64_t base,
		      const struct seg *seg, unsigned int n)
{
	unsigned char eh[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	uint64_t off = 64 + 56ULL * n;
	unsigned int i;
	FILE *f = fopen(path, "wb");

	if (!f)
		return -errno;
	eh[16] = 4; /* ET_CORE */
	eh[18] = 183; /* EM_AARCH64 */
	eh[20] = 1; /* EV_CURRENT */
	eh[32] = 64; /* e_phoff */
	eh[52] = 64; /* e_ehsize */
	eh[54] = 56; /* e_phentsize */
	eh[56] = (unsigned char)n;
	eh[57] = (unsigned char)(n >> 8);
	fwrite(eh, 1, sizeof(eh), f);
	for (i = 0; i < n; i++) {
		uint64_t ph[7];
		uint32_t type_flags[2] = { 1 /* PT_LOAD */, 6 /* RW */ };

		ph[0] = 0; /* (the two 32-bit fields, written below) */
		ph[1] = off; /* p_offset */
		ph[2] = seg[i].pa; /* p_vaddr */
		ph[3] = seg[i].pa; /* p_paddr */
		ph[4] = seg[i].len; /* p_filesz */
		ph[5] = seg[i].len; /* p_memsz */
		ph[6] = 4096; /* p_align */
		fwrite(type_flags, 4, 2, f);
		fwrite(&ph[1], 8, 6, f);
		off += seg[i].len;
	}
	for (i = 0; i < n; i++)
		fwrite(ram + (seg[i].pa - base), 1, seg[i].len, f);
	if (fclose(f))
		return -EIO;
	return 0;
}

static const char dump_usage[] =
	"usage: vsmmu vm dump OUT.elf\n"
	"\n"
	"Run vsmmu's driver as the guest of a VM with two devices (vSID 0x10\n"
	"= SID 0x40, vSID 0x11 = SID 0x41) behind a virtual SMMU; device\n"
	"0x10's domain maps IOVA 0x100000 read-write to GPA 0x40100000 and\n"
	"IOVA 0x200000 read-only to GPA 0x40200000, both map the doorbell at\n"
	"IOVA 0x8000000.  Write the guest's RAM as an ELF core to OUT.elf and\n"
	"print the flags that make `vsmmu vm replay` load it.\n";

int cmd_vm_dump(int argc, char **argv)
{
	struct rp r = { .ndevs = 2,
			.sid = { 0x40, 0x41 },
			.vsid = { 0x10, 0x11 } };
	struct vsmmu_vm_guest_config gc = { 0 };
	struct vsmmu_drv_domain *dom[2];
	struct vsmmu_vm_guest *g = NULL;
	static const uint64_t regs[] = { ARM_SMMU_STRTAB_BASE,
					 ARM_SMMU_STRTAB_BASE_CFG,
					 ARM_SMMU_CR0 };
	static const char *const names[] = { "STRTAB_BASE", "STRTAB_BASE_CFG",
					     "CR0" };
	struct seg seg[256];
	unsigned char *ram;
	uint64_t v;
	unsigned int i, n;
	int rc;

	if (argc != 2 || argv[1][0] == '-') {
		bool help = argc == 2 && (!strcmp(argv[1], "--help") ||
					  !strcmp(argv[1], "-h"));

		fputs(dump_usage, help ? stdout : stderr);
		return help ? 0 : 2;
	}
	ram = mmap(NULL, DUMP_RAM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return 1;
	rc = rp_up(&r, VSMMU_VM_RAM_BASE, DUMP_RAM, 0, ram);
	gc.pool_size = 4ULL << 20;
	if (!rc)
		rc = vsmmu_vm_guest_create(r.vm, &gc, &g);
	for (i = 0; !rc && i < 2; i++)
		rc = vsmmu_vm_guest_attach(g, i, i, &dom[i]);
	if (!rc)
		rc = vsmmu_drv_map(dom[0], DUMP_IOVA_RW, DUMP_GPA_RW, 4096,
				   VSMMU_PROT_READ | VSMMU_PROT_WRITE);
	if (!rc)
		rc = vsmmu_drv_map(dom[0], DUMP_IOVA_RO, DUMP_GPA_RO, 4096,
				   VSMMU_PROT_READ);
	if (!rc) {
		/* Data the guest's buffers hold */
		memset(ram + (DUMP_GPA_RW - VSMMU_VM_RAM_BASE), 0xa5, 4096);
		memset(ram + (DUMP_GPA_RO - VSMMU_VM_RAM_BASE), 0x5a, 4096);
		n = segments(ram, VSMMU_VM_RAM_BASE, DUMP_RAM, seg, 256);
		rc = write_core(argv[1], ram, VSMMU_VM_RAM_BASE, seg, n);
	}
	if (!rc) {
		printf("--mem %s --ram 0x%llx:0x%llx --dev 0x10=0x40 "
		       "--dev 0x11=0x41",
		       argv[1], VSMMU_VM_RAM_BASE, DUMP_RAM);
		for (i = 0; i < 3; i++) {
			vsmmu_vm_mmio_read(r.vm,
					   VSMMU_VM_SMMU_BASE(0) + regs[i],
					   i ? 4 : 8, &v);
			printf(" --reg %s=0x%" PRIx64, names[i], v);
		}
		printf("\n");
	} else {
		fprintf(stderr, "vsmmu vm dump: %s\n", vsmmu_strerror(rc));
	}
	vsmmu_vm_guest_destroy(g);
	rp_down(&r);
	munmap(ram, DUMP_RAM);
	return rc ? 1 : 0;
}
