// SPDX-License-Identifier: MIT
/*
 * The driver's CMDQV support against a fake CMDQV (no CMDQV model needed):
 * the fake decodes the register block as reference/cmdqv.md lays it out,
 * consumes each VCMDQ inside its PROD write, refuses on a guest-owned
 * VINTF what a guest VINTF does not accept (CERROR_ILL on that queue,
 * its LVCMDQ_ERR_MAP bit), and logs every command it consumes.  The main
 * queue is the real SMMU model, behind MMIO ops that log each command as
 * it is published.  The tests check bring-up and teardown order, queue
 * selection per thread, the per-command batch split (the first-command
 * bug of the seed review), and VCMDQ error recovery.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <vsmmu/arch.h>
#include <vsmmu/driver.h>
#include <vsmmu/smmu.h>

#include "harness.h"

#define POOL_BASE 0x10000000ULL
#define POOL_SIZE (16ULL << 20)
#define NQ_MAX 16
#define NVINTF_MAX 4
#define LOG_MAX 8192

struct fq {
	uint32_t cons, prod, config, gerror, gerrorn;
	uint64_t base, cons_indx_base;
	uint32_t alloc; /* CMDQ_ALLOC */
};

struct logent {
	int q; /* -1: main queue, else global VCMDQ index */
	uint8_t op;
};

struct fake {
	pthread_mutex_t lock;
	struct vsmmu_mem *mem;
	struct vsmmu_smmu *smmu;
	bool guest; /* VINTF_CONFIG.HYP_OWN wired to 0 */
	uint32_t param, config;
	uint32_t vintf_cfg[NVINTF_MAX];
	uint64_t lvcmdq_err[NVINTF_MAX][2];
	uint64_t vintf_err;
	uint32_t cmdq_err[4];
	struct fq q[NQ_MAX];
	unsigned int nq;
	unsigned int abort_next; /* fetch aborts to inject */
	unsigned int ill, abt;
	/* register writes, for the order checks */
	uint64_t wr_off[256];
	uint32_t wr_val[256];
	unsigned int nwr;
	/* consumed commands, main and VCMDQs */
	struct logent log[LOG_MAX];
	unsigned int nlog;
	/* the main queue as the recording ops see it */
	uint64_t mbase;
	unsigned int mshift;
	uint32_t mprod;
};

static void log_cmd(struct fake *f, int q, uint64_t w0)
{
	if (f->nlog < LOG_MAX)
		f->log[f->nlog++] = (struct logent){ q, (uint8_t)(w0 & 0xff) };
}

/* Opcodes a guest-owned VINTF executes (reference/cmdqv.md) */
static bool guest_ok(unsigned int op)
{
	return op == 0x11 || op == 0x12 || op == 0x28 || op == 0x2a ||
	       op == 0x40 || op == 0x46;
}

static bool known_op(unsigned int op)
{
	return op != 0 && op != 0x7f;
}

static int q_vintf(const struct fq *q)
{
	return (q->alloc & 1) ? (int)((q->alloc >> 15) & 0x3f) : -1;
}

static void fq_error(struct fake *f, unsigned int qi, unsigned int err)
{
	struct fq *q = &f->q[qi];
	int v = q_vintf(q);
	unsigned int lq = (q->alloc >> 1) & 0x7f;

	q->cons = (q->cons & 0xffffff) | err << 24;
	q->gerror ^= 1;
	if (v >= 0 && v < NVINTF_MAX) {
		f->lvcmdq_err[v][lq / 64] |= 1ULL << (lq % 64);
		f->vintf_err |= 1ULL << v;
	}
	f->cmdq_err[qi / 32] |= 1U << (qi % 32);
}

/* Consume VCMDQ @qi up to its PROD (the fake's "hardware") */
static void fq_consume(struct fake *f, unsigned int qi)
{
	struct fq *q = &f->q[qi];
	unsigned int shift = q->base & 0x1f;
	uint32_t mask = (2U << shift) - 1;
	int v = q_vintf(q);

	if (!(f->config & 1) || v < 0 || v >= NVINTF_MAX ||
	    !(f->vintf_cfg[v] & 1) || !(q->config & 1) ||
	    ((q->gerror ^ q->gerrorn) & 1))
		return;
	q->cons &= mask; /* ERR cleared when the queue resumes */
	while ((q->cons & mask) != (q->prod & mask)) {
		uint64_t pa = (q->base & 0xffffffffffe0ULL) +
			      (uint64_t)(q->cons & ((1U << shift) - 1)) * 16;
		uint64_t w0 = 0, w1 = 0;
		unsigned int op;

		if (f->abort_next) {
			f->abort_next--;
			f->abt++;
			fq_error(f, qi, CMDQ_ERR_CERROR_ABT_IDX);
			return;
		}
		vsmmu_mem_read64(f->mem, pa, &w0);
		vsmmu_mem_read64(f->mem, pa + 8, &w1);
		op = w0 & 0xff;
		if (!known_op(op) ||
		    (!(f->vintf_cfg[v] & VINTF_HYP_OWN) && !guest_ok(op))) {
			f->ill++;
			fq_error(f, qi, CMDQ_ERR_CERROR_ILL_IDX);
			return;
		}
		log_cmd(f, (int)qi, w0);
		if (op == CMDQ_OP_CMD_SYNC &&
		    ((w0 >> 12) & 3) == CMDQ_SYNC_0_CS_IRQ) {
			uint8_t z[4] = { 0 };

			vsmmu_mem_write(f->mem, w1 & CMDQ_SYNC_1_MSIADDR_MASK,
					z, 4);
		}
		q->cons = (q->cons + 1) & mask;
	}
}

/* Which VCMDQ a logical page offset names (VINTF i, LVCMDQ lq), or -1 */
static int logical_q(struct fake *f, unsigned int i, unsigned int lq)
{
	unsigned int qi;

	for (qi = 0; qi < f->nq; qi++)
		if (f->q[qi].alloc == ((i << 15) | (lq << 1) | 1))
			return (int)qi;
	return -1;
}

static int fq_reg(struct fake *f, uint64_t off, int *qi, unsigned int *reg,
		  bool *page1)
{
	if (off >= 0x10000 && off < 0x30000) {
		*page1 = off >= 0x20000;
		off &= 0xffff;
		*qi = (int)(off / 0x80);
		*reg = off % 0x80;
		return *qi < (int)f->nq ? 0 : -EINVAL;
	}
	if (off >= 0x30000) {
		uint64_t rel = off - 0x30000;
		unsigned int i = (unsigned int)(rel / 0x20000);

		*page1 = (rel % 0x20000) >= 0x10000;
		rel %= 0x10000;
		if (i >= NVINTF_MAX)
			return -EINVAL;
		*qi = logical_q(f, i, (unsigned int)(rel / 0x80));
		*reg = rel % 0x80;
		return *qi >= 0 ? 0 : -EINVAL;
	}
	return -ENOENT;
}

static int fake_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val)
{
	struct fake *f = ctx;
	unsigned int reg = 0;
	bool page1 = false;
	int qi = 0, rc = 0;

	pthread_mutex_lock(&f->lock);
	*val = 0;
	rc = fq_reg(f, off, &qi, &reg, &page1);
	if (!rc) {
		struct fq *q = &f->q[qi];

		if (page1)
			*val = reg == 0 ? q->base : q->cons_indx_base;
		else if (reg == 0x0)
			*val = q->cons;
		else if (reg == 0x4)
			*val = q->prod;
		else if (reg == 0x8)
			*val = q->config;
		else if (reg == 0xc)
			*val = q->config & 1;
		else if (reg == 0x10)
			*val = q->gerror;
		else if (reg == 0x14)
			*val = q->gerrorn;
		goto out;
	}
	rc = 0;
	if (off == 0x0)
		*val = f->config;
	else if (off == 0x4)
		*val = f->param;
	else if (off == 0x8)
		*val = f->config & 1;
	else if (off == 0x14)
		*val = (uint32_t)f->vintf_err;
	else if (off == 0x18)
		*val = (uint32_t)(f->vintf_err >> 32);
	else if (off >= 0x24 && off < 0x34)
		*val = f->cmdq_err[(off - 0x24) / 4];
	else if (off >= 0x200 && off < 0x200 + 4 * NQ_MAX)
		*val = f->q[(off - 0x200) / 4].alloc;
	else if (off >= 0x1000 && off < 0x1000 + 0x100 * NVINTF_MAX) {
		unsigned int v = (unsigned int)((off - 0x1000) / 0x100),
			     r = (unsigned int)((off - 0x1000) % 0x100);

		if (r == 0)
			*val = f->vintf_cfg[v];
		else if (r == 4)
			*val = f->vintf_cfg[v] & 1;
		else if (r == 0xc0 && size == 8)
			*val = f->lvcmdq_err[v][0];
		else if (r == 0xc8 && size == 8)
			*val = f->lvcmdq_err[v][1];
		else
			rc = -EINVAL;
	} else {
		rc = -EINVAL;
	}
out:
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static int fake_write(void *ctx, uint64_t off, unsigned int size, uint64_t val)
{
	struct fake *f = ctx;
	unsigned int reg = 0;
	bool page1 = false;
	int qi = 0, rc;

	pthread_mutex_lock(&f->lock);
	if (f->nwr < 256) {
		f->wr_off[f->nwr] = off;
		f->wr_val[f->nwr++] = (uint32_t)val;
	}
	rc = fq_reg(f, off, &qi, &reg, &page1);
	if (!rc) {
		struct fq *q = &f->q[qi];

		if (page1 && reg == 0)
			q->base = val;
		else if (page1 && reg == 8)
			q->cons_indx_base = val;
		else if (reg == 0x0)
			q->cons = (uint32_t)val;
		else if (reg == 0x4)
			q->prod = (uint32_t)val;
		else if (reg == 0x8)
			q->config = (uint32_t)val & 1;
		else if (reg == 0x14) {
			q->gerrorn = (uint32_t)val;
			if (!((q->gerror ^ q->gerrorn) & 1)) {
				int v = q_vintf(q);
				unsigned int lq = (q->alloc >> 1) & 0x7f;

				if (v >= 0 && v < NVINTF_MAX)
					f->lvcmdq_err[v][lq / 64] &=
						~(1ULL << (lq % 64));
				f->cmdq_err[qi / 32] &= ~(1U << (qi % 32));
			}
		} else
			rc = -EINVAL;
		if (!rc)
			fq_consume(f, (unsigned int)qi);
		goto out;
	}
	rc = 0;
	if (off == 0x0) {
		f->config = (uint32_t)val & 1;
	} else if (off >= 0x200 && off < 0x200 + 4 * NQ_MAX) {
		f->q[(off - 0x200) / 4].alloc = (uint32_t)val;
	} else if (off >= 0x1000 && off < 0x1000 + 0x100 * NVINTF_MAX &&
		   (off & 0xff) == 0) {
		uint32_t v32 = (uint32_t)val & 0x3ffff;

		if (f->guest)
			v32 &= ~(uint32_t)VINTF_HYP_OWN;
		f->vintf_cfg[(off - 0x1000) / 0x100] = v32;
	} else {
		rc = -EINVAL;
	}
out:
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static const struct vsmmu_drv_mmio_ops fake_ops = { fake_read, fake_write };

/* The SMMU model behind ops that log the main queue's commands */
static int rec_read(void *ctx, uint64_t off, unsigned int size, uint64_t *v)
{
	struct fake *f = ctx;

	return vsmmu_smmu_mmio_read(f->smmu, off, size, v);
}

static int rec_write(void *ctx, uint64_t off, unsigned int size, uint64_t v)
{
	struct fake *f = ctx;

	if (off == ARM_SMMU_CMDQ_BASE && size == 8) {
		f->mbase = v & Q_BASE_ADDR_MASK;
		f->mshift = v & 0x1f;
		f->mprod = 0;
	} else if (off == ARM_SMMU_CMDQ_PROD) {
		uint32_t mask = (2U << f->mshift) - 1;

		pthread_mutex_lock(&f->lock);
		while (f->mprod != ((uint32_t)v & mask)) {
			uint64_t w0 = 0;

			vsmmu_mem_read64(
				f->mem,
				f->mbase + (uint64_t)(f->mprod &
						      ((1U << f->mshift) - 1)) *
						   16,
				&w0);
			log_cmd(f, -1, w0);
			f->mprod = (f->mprod + 1) & mask;
		}
		pthread_mutex_unlock(&f->lock);
	}
	return vsmmu_smmu_mmio_write(f->smmu, off, size, v);
}

static const struct vsmmu_drv_mmio_ops rec_ops = { rec_read, rec_write };

struct fenv {
	struct fake f;
	struct vsmmu_mem_pool *pool;
	struct vsmmu_drv *drv;
	unsigned int nlogs;
};

static void fenv_log(void *arg, const char *msg)
{
	struct fenv *e = arg;

	e->nlogs++;
	if (getenv("VSMMU_TEST_VERBOSE"))
		printf("# drv: %s\n", msg);
}

/*
 * A fake CMDQV with 2^@vintf_log2 VINTFs and 2^@vcmdq_log2 VCMDQs, a
 * driver using @nq of VINTF0's queues (0: its default), enabled.
 */
static int fenv_init(struct fenv *e, unsigned int vintf_log2,
		     unsigned int vcmdq_log2, unsigned int nq, bool guest,
		     bool with_cmdqv)
{
	struct vsmmu_smmu_config sc;
	struct vsmmu_drv_config dc = { 0 };
	int rc;

	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->f.lock, NULL);
	e->f.param = (4U << 12) | (vintf_log2 << 8) | (vcmdq_log2 << 4) | 1;
	e->f.nq = 1U << vcmdq_log2;
	e->f.guest = guest;
	rc = vsmmu_mem_create(48, &e->f.mem);
	if (!rc)
		rc = vsmmu_mem_pool_create(e->f.mem, POOL_BASE, POOL_SIZE,
					   &e->pool);
	if (rc)
		return rc;
	vsmmu_smmu_config_default(&sc);
	sc.exec = VSMMU_EXEC_SYNC;
	rc = vsmmu_smmu_create(&sc, e->f.mem, &e->f.smmu);
	if (rc)
		return rc;
	dc.ops = &rec_ops;
	dc.ops_ctx = &e->f;
	dc.pool = e->pool;
	dc.log_fn = fenv_log;
	dc.log_arg = e;
	dc.timeout_ns = 5000000000ULL;
	if (with_cmdqv) {
		dc.cmdqv_ops = &fake_ops;
		dc.cmdqv_ctx = &e->f;
		dc.cmdqv_nqueues = nq;
	}
	rc = vsmmu_drv_create(&dc, &e->drv);
	if (rc)
		return rc;
	rc = vsmmu_drv_enable(e->drv);
	e->f.nlog = 0; /* the enable's own invalidations */
	e->f.nwr = 0;
	return rc;
}

static void fenv_fini(struct fenv *e)
{
	vsmmu_drv_destroy(e->drv);
	vsmmu_smmu_destroy(e->f.smmu);
	vsmmu_mem_pool_destroy(e->pool);
	vsmmu_mem_destroy(e->f.mem);
	pthread_mutex_destroy(&e->f.lock);
}

/* Opcode names, from the spec's opcode table (4.1.1) */
static const char *opname(unsigned int op)
{
	switch (op) {
	case 0x03:
		return "CFGI_STE";
	case 0x05:
		return "CFGI_CD";
	case 0x11:
		return "NH_ASID";
	case 0x12:
		return "NH_VA";
	case 0x2a:
		return "S2_IPA";
	case 0x40:
		return "ATC_INV";
	case 0x41:
		return "PRI_RESP";
	case 0x46:
		return "SYNC";
	case 0x7f:
		return "BAD";
	}
	return "?";
}

/* The commands queue @q consumed, in order, as "A B C" */
static const char *seq(struct fake *f, int q)
{
	static char buf[4096];
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < f->nlog && len < sizeof(buf) - 16; i++)
		if (f->log[i].q == q)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s", len ? " " : "",
						opname(f->log[i].op));
	return buf;
}

static unsigned int count(struct fake *f, int q, unsigned int op)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->nlog; i++)
		n += f->log[i].q == q && f->log[i].op == op;
	return n;
}

static void add(struct vsmmu_drv *drv, struct vsmmu_drv_batch *b,
		unsigned int op)
{
	struct vsmmu_drv_cmd c = { .opcode = op, .sid = 1, .asid = 1 };

	if (op == CMDQ_OP_PRI_RESP)
		c.resp = 0;
	vsmmu_drv_batch_add(drv, b, &c);
}

/* --- Bring-up and teardown ------------------------------------------------ */

TEST(drvq_bringup_registers)
{
	struct fenv e;
	struct vsmmu_drv_cmdqv_info info;
	unsigned int i;

	/* 4 VINTFs, 8 VCMDQs: 2 per VINTF; ask for both */
	ASSERT_OK(fenv_init(&e, 2, 3, 2, false, true));
	vsmmu_drv_cmdqv_get_info(e.drv, &info);
	ASSERT_TRUE(info.present && info.enabled && info.hyp_own);
	ASSERT_EQ(info.num_vintfs, 4);
	ASSERT_EQ(info.num_vcmdqs, 8);
	ASSERT_EQ(info.num_sid_per_vm_log2, 4);
	ASSERT_EQ(info.version, 1);
	ASSERT_EQ(info.nqueues, 2);
	ASSERT_EQ(e.f.config, 1); /* CMDQV_EN */
	/* CMDQ_ALLOC: VINTF[20:15] = 0, LVCMDQ[7:1], ALLOCATED: 0x1, 0x3 */
	ASSERT_EQ(e.f.q[0].alloc, 0x1);
	ASSERT_EQ(e.f.q[1].alloc, 0x3);
	ASSERT_EQ(e.f.q[2].alloc, 0);
	/* VINTF0_CONFIG: HYP_OWN (bit 17) | EN = 0x20001 */
	ASSERT_EQ(e.f.vintf_cfg[0], 0x20001);
	for (i = 0; i < 2; i++) {
		/* BASE: ADDR[47:5] | LOG2SIZE, the main queue's 2^10 */
		ASSERT_EQ(e.f.q[i].base & 0x1f, 10);
		ASSERT_EQ(e.f.q[i].base & 0x3fff, 10); /* 16 KiB aligned */
		ASSERT_TRUE((e.f.q[i].base & ~0x1fULL) >= POOL_BASE);
		ASSERT_EQ(e.f.q[i].config, 1);
		ASSERT_EQ(e.f.q[i].prod, 0);
	}
	ASSERT_NE(e.f.q[0].base, e.f.q[1].base);

	/* Teardown runs in reverse: queues 1 then 0, ALLOC 1 then 0,
	 * VINTF0, CMDQV */
	e.f.nwr = 0;
	ASSERT_OK(vsmmu_drv_disable(e.drv));
	{
		/* Offsets worked out from the layout: VINTF0 logical page 0
		 * at 0x30000, LVCMDQ q at + 0x80 q, CONFIG at + 0x8 */
		const uint64_t want[] = { 0x30088, 0x30008, 0x204,
					  0x200,   0x1000,  0x0 };
		unsigned int w = 0;

		for (i = 0; i < e.f.nwr && w < 6; i++)
			if (e.f.wr_off[i] == want[w] && e.f.wr_val[i] == 0)
				w++;
		ASSERT_EQ(w, 6);
	}
	ASSERT_EQ(e.f.config, 0);
	ASSERT_EQ(e.f.vintf_cfg[0], 0);
	ASSERT_EQ(e.f.q[0].alloc, 0);
	ASSERT_EQ(e.f.q[1].alloc, 0);
	ASSERT_EQ(e.f.q[0].config, 0);
	ASSERT_EQ(e.f.q[0].base, 0);
	/* Re-enabling brings it back */
	ASSERT_OK(vsmmu_drv_enable(e.drv));
	vsmmu_drv_cmdqv_get_info(e.drv, &info);
	ASSERT_TRUE(info.enabled);
	ASSERT_EQ(e.f.vintf_cfg[0], 0x20001);
	fenv_fini(&e);
}

TEST(drvq_nqueues_capped_and_checked)
{
	struct fenv e;
	struct vsmmu_drv_cmdqv_info info;

	/* 2 VINTFs, 2 VCMDQs: one per VINTF whatever the CPU count */
	ASSERT_OK(fenv_init(&e, 1, 1, 0, false, true));
	vsmmu_drv_cmdqv_get_info(e.drv, &info);
	ASSERT_EQ(info.nqueues, 1);
	fenv_fini(&e);
	/* Asking for more than the VINTF's share is a config error */
	ASSERT_EQ(fenv_init(&e, 1, 1, 2, false, true), -EINVAL);
	ASSERT_TRUE(e.drv == NULL);
	vsmmu_smmu_destroy(e.f.smmu);
	vsmmu_mem_pool_destroy(e.pool);
	vsmmu_mem_destroy(e.f.mem);
	pthread_mutex_destroy(&e.f.lock);
}

/* --- Queue selection -------------------------------------------------------- */

TEST(drvq_thread_queue_selection)
{
	struct fenv e;
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_NH_ASID, .asid = 3 };
	uint64_t raw[1][2];

	ASSERT_OK(fenv_init(&e, 2, 3, 2, false, true));
	ASSERT_OK(vsmmu_drv_cmd_build(&c, raw[0]));
	vsmmu_drv_set_thread_queue(e.drv, 1);
	ASSERT_EQ(vsmmu_drv_thread_queue(e.drv), 1);
	ASSERT_OK(vsmmu_drv_cmdq_issue(e.drv, (const uint64_t(*)[2])raw, 1,
				       true));
	vsmmu_drv_set_thread_queue(e.drv, 4); /* 4 % 2 = 0 */
	ASSERT_EQ(vsmmu_drv_thread_queue(e.drv), 0);
	ASSERT_OK(vsmmu_drv_cmdq_issue(e.drv, (const uint64_t(*)[2])raw, 1,
				       true));
	ASSERT_STREQ(seq(&e.f, 1), "NH_ASID SYNC");
	ASSERT_STREQ(seq(&e.f, 0), "NH_ASID SYNC");
	ASSERT_STREQ(seq(&e.f, -1), "");

	/* Bypass: everything to the main queue, then back */
	e.f.nlog = 0;
	vsmmu_drv_cmdqv_set_bypass(e.drv, true);
	ASSERT_EQ(vsmmu_drv_thread_queue(e.drv), -1);
	ASSERT_OK(vsmmu_drv_cmdq_issue(e.drv, (const uint64_t(*)[2])raw, 1,
				       true));
	vsmmu_drv_cmdqv_set_bypass(e.drv, false);
	ASSERT_OK(vsmmu_drv_cmdq_issue(e.drv, (const uint64_t(*)[2])raw, 1,
				       true));
	ASSERT_STREQ(seq(&e.f, -1), "NH_ASID SYNC");
	ASSERT_STREQ(seq(&e.f, 0), "NH_ASID SYNC");

	/* A lone sync covers both the thread's queue and the main queue */
	e.f.nlog = 0;
	ASSERT_OK(vsmmu_drv_cmdq_sync(e.drv));
	ASSERT_STREQ(seq(&e.f, 0), "SYNC");
	ASSERT_STREQ(seq(&e.f, -1), "SYNC");
	fenv_fini(&e);
}

TEST(drvq_no_cmdqv_main_queue)
{
	struct fenv e;
	struct vsmmu_drv_cmdqv_info info;
	struct vsmmu_drv_batch b;

	ASSERT_OK(fenv_init(&e, 2, 3, 2, false, false));
	vsmmu_drv_cmdqv_get_info(e.drv, &info);
	ASSERT_FALSE(info.present);
	vsmmu_drv_set_thread_queue(e.drv, 1);
	ASSERT_EQ(vsmmu_drv_thread_queue(e.drv), -1);
	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_VA);
	add(e.drv, &b, CMDQ_OP_CFGI_STE);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_STREQ(seq(&e.f, -1), "NH_VA CFGI_STE SYNC");
	ASSERT_EQ(e.f.config, 0); /* the fake was never touched */
	fenv_fini(&e);
}

struct tharg {
	struct vsmmu_drv *drv;
	unsigned int idx, iters;
	int rc;
};

static void *thread_issue(void *p)
{
	struct tharg *a = p;
	struct vsmmu_drv_cmd c = { .opcode = CMDQ_OP_TLBI_NH_VA,
				   .asid = 1,
				   .addr = 0x1000 };
	unsigned int i;

	vsmmu_drv_set_thread_queue(a->drv, a->idx);
	for (i = 0; i < a->iters && !a->rc; i++) {
		struct vsmmu_drv_batch b;

		vsmmu_drv_batch_init(&b);
		vsmmu_drv_batch_add(a->drv, &b, &c);
		a->rc = vsmmu_drv_batch_submit(a->drv, &b, true);
	}
	return NULL;
}

TEST(drvq_threads_use_their_queue)
{
	struct fenv e;
	struct tharg a[2];
	pthread_t th[2];
	struct vsmmu_drv_queue_stats st0, st1, stm;
	unsigned int i;

	ASSERT_OK(fenv_init(&e, 2, 3, 2, false, true));
	for (i = 0; i < 2; i++) {
		a[i] = (struct tharg){ e.drv, i, 300, 0 };
		ASSERT_OK(pthread_create(&th[i], NULL, thread_issue, &a[i]));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		ASSERT_OK(a[i].rc);
	}
	ASSERT_EQ(count(&e.f, 0, 0x12), 300);
	ASSERT_EQ(count(&e.f, 1, 0x12), 300);
	ASSERT_EQ(count(&e.f, 0, 0x46), 300);
	ASSERT_EQ(count(&e.f, -1, 0x12), 0);
	ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 0, &st0));
	ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 1, &st1));
	ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, -1, &stm));
	ASSERT_EQ(st0.cmds, 600);
	ASSERT_EQ(st1.syncs, 300);
	ASSERT_EQ(st0.prod, 600);
	ASSERT_EQ(vsmmu_drv_queue_get_stats(e.drv, 2, &st0), -ENODEV);
	fenv_fini(&e);
}

/* --- The per-command split ------------------------------------------------- */

/*
 * The seed review's case: a batch whose first command a guest VINTF
 * accepts, followed by one it refuses.  Deciding from the first command
 * would put CFGI_STE on the VCMDQ and halt it with CERROR_ILL.  The split
 * completes the TLBIs on the VCMDQ with their own sync, then sends the
 * rest to the main queue, which takes anything.
 */
TEST(drvq_guest_batch_split)
{
	struct fenv e;
	struct vsmmu_drv_batch b;
	struct vsmmu_drv_cmdqv_info info;

	ASSERT_OK(fenv_init(&e, 2, 3, 1, true, true));
	vsmmu_drv_cmdqv_get_info(e.drv, &info);
	ASSERT_TRUE(info.enabled);
	ASSERT_FALSE(info.hyp_own); /* HYP_OWN read back 0: guest mode */
	ASSERT_EQ(e.f.vintf_cfg[0], 0x1);
	vsmmu_drv_set_thread_queue(e.drv, 0);

	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_VA);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_ASID);
	add(e.drv, &b, CMDQ_OP_CFGI_STE); /* split: VCMDQ part synced */
	add(e.drv, &b, CMDQ_OP_TLBI_NH_VA); /* fits the main queue */
	add(e.drv, &b, CMDQ_OP_CFGI_CD);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_STREQ(seq(&e.f, 0), "NH_VA NH_ASID SYNC");
	ASSERT_STREQ(seq(&e.f, -1), "CFGI_STE NH_VA CFGI_CD SYNC");
	/* The VCMDQ part completed before the main part was published */
	ASSERT_EQ(e.f.log[2].q, 0);
	ASSERT_EQ(e.f.log[2].op, 0x46);
	ASSERT_EQ(e.f.log[3].q, -1);
	ASSERT_EQ(e.f.ill, 0);

	/* Refused first: the batch starts on the main queue and stays */
	e.f.nlog = 0;
	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_CFGI_STE);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_VA);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_STREQ(seq(&e.f, -1), "CFGI_STE NH_VA SYNC");
	ASSERT_STREQ(seq(&e.f, 0), "");

	/* Accepted only: the VCMDQ, with its sync; ATC_INV included */
	e.f.nlog = 0;
	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_ASID);
	add(e.drv, &b, CMDQ_OP_ATC_INV);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_STREQ(seq(&e.f, 0), "NH_ASID ATC_INV SYNC");
	ASSERT_STREQ(seq(&e.f, -1), "");

	/* Refused ones a guest must never put on its VCMDQ */
	e.f.nlog = 0;
	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_VA);
	add(e.drv, &b, CMDQ_OP_PRI_RESP);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_STREQ(seq(&e.f, 0), "NH_VA SYNC");
	ASSERT_STREQ(seq(&e.f, -1), "PRI_RESP SYNC");
	ASSERT_EQ(e.f.ill, 0);
	fenv_fini(&e);
}

/* The same split through vsmmu_drv_cmdq_issue() of an encoded list */
TEST(drvq_guest_issue_split)
{
	struct fenv e;
	uint64_t raw[4][2];
	const unsigned int ops[4] = { CMDQ_OP_TLBI_NH_ASID, CMDQ_OP_CFGI_STE,
				      CMDQ_OP_TLBI_NH_VA, CMDQ_OP_TLBI_NH_VA };
	unsigned int i;

	ASSERT_OK(fenv_init(&e, 2, 3, 1, true, true));
	for (i = 0; i < 4; i++) {
		struct vsmmu_drv_cmd c = { .opcode = ops[i], .sid = 2 };

		ASSERT_OK(vsmmu_drv_cmd_build(&c, raw[i]));
	}
	ASSERT_OK(vsmmu_drv_cmdq_issue(e.drv, (const uint64_t(*)[2])raw, 4,
				       true));
	ASSERT_STREQ(seq(&e.f, 0), "NH_ASID SYNC");
	ASSERT_STREQ(seq(&e.f, -1), "CFGI_STE NH_VA NH_VA SYNC");
	ASSERT_EQ(e.f.ill, 0);
	fenv_fini(&e);
}

/* A host VINTF (HYP_OWN = 1) takes the whole mixed batch */
TEST(drvq_host_batch_not_split)
{
	struct fenv e;
	struct vsmmu_drv_batch b;

	ASSERT_OK(fenv_init(&e, 2, 3, 2, false, true));
	vsmmu_drv_set_thread_queue(e.drv, 1);
	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_VA);
	add(e.drv, &b, CMDQ_OP_CFGI_STE);
	add(e.drv, &b, CMDQ_OP_PRI_RESP);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_STREQ(seq(&e.f, 1), "NH_VA CFGI_STE PRI_RESP SYNC");
	ASSERT_STREQ(seq(&e.f, -1), "");
	fenv_fini(&e);
}

/*
 * A full batch goes out without a sync and the batch stays on its queue;
 * a refused command after it first syncs that queue (nothing is left in
 * the batch, but the 64 already published must complete before the
 * CFGI), then goes to the main queue.
 */
TEST(drvq_guest_full_batch_then_split)
{
	struct fenv e;
	struct vsmmu_drv_batch b;
	unsigned int i;

	ASSERT_OK(fenv_init(&e, 2, 3, 1, true, true));
	vsmmu_drv_batch_init(&b);
	for (i = 0; i < VSMMU_DRV_BATCH_MAX; i++)
		add(e.drv, &b, CMDQ_OP_TLBI_NH_VA);
	ASSERT_EQ(count(&e.f, 0, 0x12), 0); /* still in the batch */
	add(e.drv, &b, CMDQ_OP_TLBI_NH_VA); /* submits the full 64 */
	ASSERT_EQ(count(&e.f, 0, 0x12), 64);
	ASSERT_EQ(count(&e.f, 0, 0x46), 0);
	add(e.drv, &b, CMDQ_OP_CFGI_STE);
	ASSERT_EQ(count(&e.f, 0, 0x12), 65);
	ASSERT_EQ(count(&e.f, 0, 0x46), 1);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_STREQ(seq(&e.f, -1), "CFGI_STE SYNC");
	/* The VCMDQ ends with its one sync, after all 65 TLBIs */
	ASSERT_EQ(e.f.log[65].q, 0);
	ASSERT_EQ(e.f.log[65].op, 0x46);

	/* 70 accepted commands: 64 without a sync, 6 and one sync */
	e.f.nlog = 0;
	vsmmu_drv_batch_init(&b);
	for (i = 0; i < 70; i++)
		add(e.drv, &b, CMDQ_OP_TLBI_NH_ASID);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_EQ(count(&e.f, 0, 0x11), 70);
	ASSERT_EQ(count(&e.f, 0, 0x46), 1);
	ASSERT_EQ(e.f.log[70].op, 0x46);
	ASSERT_STREQ(seq(&e.f, -1), "");
	fenv_fini(&e);
}

/* --- VCMDQ error recovery --------------------------------------------------- */

TEST(drvq_vcmdq_ill_recovered_while_waiting)
{
	struct fenv e;
	struct vsmmu_drv_batch b;
	struct vsmmu_drv_queue_stats st;
	const uint64_t bad[2] = { 0x7f, 0 };

	ASSERT_OK(fenv_init(&e, 2, 3, 2, false, true));
	vsmmu_drv_set_thread_queue(e.drv, 1);
	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_VA);
	ASSERT_OK(vsmmu_drv_batch_add_raw(e.drv, &b, bad));
	add(e.drv, &b, CMDQ_OP_TLBI_NH_ASID);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_EQ(e.f.ill, 1);
	/* The bad command became a CMD_SYNC and the queue went on */
	ASSERT_STREQ(seq(&e.f, 1), "NH_VA SYNC NH_ASID SYNC");
	ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 1, &st));
	ASSERT_EQ(st.cerror_ill, 1);
	ASSERT_EQ(e.f.q[1].gerror, e.f.q[1].gerrorn); /* acknowledged */
	ASSERT_EQ(e.f.lvcmdq_err[0][0], 0);
	ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 0, &st));
	ASSERT_EQ(st.cerror_ill, 0);
	fenv_fini(&e);
}

TEST(drvq_vcmdq_ill_recovered_by_process)
{
	struct fenv e;
	const uint64_t bad[1][2] = { { 0x7f, 0 } };
	struct vsmmu_drv_stats st;

	ASSERT_OK(fenv_init(&e, 2, 3, 2, false, true));
	vsmmu_drv_set_thread_queue(e.drv, 0);
	/* No sync: nobody waits, the queue stays halted... */
	ASSERT_OK(vsmmu_drv_cmdq_issue(e.drv, bad, 1, false));
	ASSERT_EQ(e.f.ill, 1);
	ASSERT_EQ(e.f.lvcmdq_err[0][0], 1); /* LVCMDQ0's bit */
	ASSERT_EQ(e.f.cmdq_err[0], 1); /* global VCMDQ 0 */
	ASSERT_EQ(e.f.q[0].cons >> 24, CMDQ_ERR_CERROR_ILL_IDX);
	/* ...until the interrupt's work finds it in LVCMDQ_ERR_MAP */
	vsmmu_drv_irq(e.drv, VSMMU_IRQ_CMDQV);
	ASSERT_TRUE(vsmmu_drv_process(e.drv) >= 0);
	ASSERT_EQ(e.f.lvcmdq_err[0][0], 0);
	ASSERT_EQ(e.f.q[0].cons, 1); /* consumed, ERR clear */
	vsmmu_drv_get_stats(e.drv, &st);
	ASSERT_EQ(st.cerror_ill, 1);
	ASSERT_OK(vsmmu_drv_cmdq_sync(e.drv));
	fenv_fini(&e);
}

TEST(drvq_vcmdq_abort_retried)
{
	struct fenv e;
	struct vsmmu_drv_queue_stats st;
	struct vsmmu_drv_batch b;

	ASSERT_OK(fenv_init(&e, 2, 3, 1, false, true));
	e.f.abort_next = 2;
	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_ASID);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_EQ(e.f.abt, 2);
	ASSERT_STREQ(seq(&e.f, 0), "NH_ASID SYNC");
	ASSERT_OK(vsmmu_drv_queue_get_stats(e.drv, 0, &st));
	ASSERT_EQ(st.cerror_abt, 2);

	/* An abort that never goes away kills that queue only: -EIO, and
	 * later commands fall back to the main queue */
	e.f.abort_next = 100;
	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_ASID);
	ASSERT_EQ(vsmmu_drv_batch_submit(e.drv, &b, true), -EIO);
	ASSERT_EQ(vsmmu_drv_thread_queue(e.drv), -1);
	e.f.nlog = 0;
	vsmmu_drv_batch_init(&b);
	add(e.drv, &b, CMDQ_OP_TLBI_NH_ASID);
	ASSERT_OK(vsmmu_drv_batch_submit(e.drv, &b, true));
	ASSERT_STREQ(seq(&e.f, -1), "NH_ASID SYNC");
	fenv_fini(&e);
}
