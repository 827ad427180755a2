// SPDX-License-Identifier: MIT
/*
 * The programming model's queues: the command engine, the event queue
 * producer, global errors and interrupts.
 *
 * One command engine serves every command queue (struct hw_cmdq): it
 * fetches the entry at CONS, checks it as the architecture says (unknown
 * opcodes, reserved encodings, non-zero fields the command does not have,
 * commands for features the SMMU does not implement: CERROR_ILL; a fetch
 * from absent memory: CERROR_ABT), executes it against the caches, and
 * advances CONS.  On an error it stops with CONS at the failing command,
 * records the reason in CONS.ERR and activates the queue's error bit in
 * its GERROR register; nothing more is consumed until software
 * acknowledges by making GERRORN's bit equal again.
 *
 * Commands execute in order and synchronously, so when a CMD_SYNC is
 * consumed every earlier command's effects are visible: the sync only has
 * to signal its completion (CS = IRQ: an MSI write of MSIData to
 * MSIAddress, or the wired interrupt; CS = SEV: the event).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "hw/hw.h"

static inline uint32_t ld32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void st32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* --- Interrupts and global errors -------------------------------------- */

static uint64_t raw64(struct vsmmu_smmu *s, uint64_t off)
{
	return ld32(&s->raw32[off / 4]) | (uint64_t)ld32(&s->raw32[off / 4 + 1])
						  << 32;
}

/*
 * Call the wired-interrupt handler.  Callers are counted in irq_busy so
 * that vsmmu_smmu_set_irq_handler() can wait until none still runs the
 * old handler; the handler and its argument are only ever replaced while
 * the handler is NULL and nobody is inside (all sequentially consistent).
 */
static void wired_irq(struct vsmmu_smmu *s, enum vsmmu_irq irq)
{
	vsmmu_irq_fn *fn;

	__atomic_fetch_add(&s->irq_busy, 1, __ATOMIC_SEQ_CST);
	fn = __atomic_load_n(&s->irq_fn, __ATOMIC_SEQ_CST);
	if (fn)
		fn(__atomic_load_n(&s->irq_arg, __ATOMIC_SEQ_CST), irq);
	__atomic_fetch_sub(&s->irq_busy, 1, __ATOMIC_SEQ_CST);
}

/*
 * Signal an interrupt whose *_IRQ_CFG0 register is at @cfg0: an MSI when
 * the SMMU has MSIs and the address is not 0, else the wired line.
 * Return the GERROR bit to raise if the MSI write aborted, or 0.
 */
static uint32_t signal_irq(struct vsmmu_smmu *s, enum vsmmu_irq irq,
			   uint64_t cfg0, uint32_t abt_bit)
{
	uint64_t addr = raw64(s, cfg0) & MSI_CFG0_ADDR_MASK;

	if ((s->cfg.idr[0] & IDR0_MSI) && addr) {
		uint32_t data = ld32(&s->raw32[(cfg0 + 8) / 4]);

		/* what the interrupt announces is visible before it */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		return vsmmu_mem_write32(s->mem, addr, data) ? abt_bit : 0;
	}
	wired_irq(s, irq);
	return 0;
}

void hw_irq(struct vsmmu_smmu *s, enum vsmmu_irq irq, uint64_t cfg0)
{
	uint32_t abt = 0;

	switch (irq) {
	case VSMMU_IRQ_EVTQ:
		abt = signal_irq(s, irq, cfg0, GERROR_MSI_EVTQ_ABT_ERR);
		break;
	case VSMMU_IRQ_PRIQ:
		abt = signal_irq(s, irq, cfg0, GERROR_MSI_PRIQ_ABT_ERR);
		break;
	case VSMMU_IRQ_GERROR:
		/* an aborted GERROR MSI cannot itself be signalled again */
		abt = signal_irq(s, irq, cfg0, 0);
		break;
	default:
		wired_irq(s, irq);
		break;
	}
	if (abt)
		hw_gerror_raise(s, abt);
}

/*
 * Make the @bits of GERROR active (GERROR != GERRORN) if they are not
 * already, and interrupt for the ones that became active.
 */
void hw_gerror_raise(struct vsmmu_smmu *s, uint32_t bits)
{
	uint32_t old = ld32(&s->gerror), new, fresh;

	do {
		fresh = bits & ~(old ^ ld32(&s->gerrorn));
		new = old ^ fresh;
	} while (fresh && !__atomic_compare_exchange_n(&s->gerror, &old, new,
						       false, __ATOMIC_ACQ_REL,
						       __ATOMIC_ACQUIRE));
	if (fresh && (ld32(&s->irq_ctrl) & IRQ_CTRL_GERROR_IRQEN))
		hw_irq(s, VSMMU_IRQ_GERROR, ARM_SMMU_GERROR_IRQ_CFG0);
}

/* --- The command engine ------------------------------------------------- */

/*
 * Whether a command is executed or stops the queue with CERROR_ILL is
 * <vsmmu/command.h>'s rule (vsmmu_cmd_check), checked once in
 * hw_cmd_exec() before any command runs; the exec_* functions below only
 * see legal commands.
 */

static unsigned int exec_tlbi(struct vsmmu_smmu *s, unsigned int op,
			      const uint64_t *cmd)
{
	struct vsmmu_tlbi inv = {
		.vmid = VS_FIELD_GET(CMDQ_TLBI_0_VMID, cmd[0]),
		.asid = VS_FIELD_GET(CMDQ_TLBI_0_ASID, cmd[0]),
		.leaf = !!(cmd[1] & CMDQ_TLBI_1_LEAF),
		.tg = VS_FIELD_GET(CMDQ_TLBI_1_TG, cmd[1]),
		.ttl = VS_FIELD_GET(CMDQ_TLBI_1_TTL, cmd[1]),
		.num = VS_FIELD_GET(CMDQ_TLBI_0_NUM, cmd[0]),
		.scale = VS_FIELD_GET(CMDQ_TLBI_0_SCALE, cmd[0]),
		.addr = cmd[1] & CMDQ_TLBI_1_VA_MASK,
	};

	switch (op) {
	case CMDQ_OP_TLBI_NH_ALL:
		inv.kind = VSMMU_TLBI_NH_ALL;
		break;
	case CMDQ_OP_TLBI_NH_ASID:
		inv.kind = VSMMU_TLBI_NH_ASID;
		break;
	case CMDQ_OP_TLBI_NH_VA:
		inv.kind = VSMMU_TLBI_NH_VA;
		break;
	case CMDQ_OP_TLBI_NH_VAA:
		inv.kind = VSMMU_TLBI_NH_VAA;
		break;
	case CMDQ_OP_TLBI_EL2_ALL:
		inv.kind = VSMMU_TLBI_EL2_ALL;
		break;
	case CMDQ_OP_TLBI_EL2_ASID:
		inv.kind = VSMMU_TLBI_EL2_ASID;
		break;
	case CMDQ_OP_TLBI_EL2_VA:
		inv.kind = VSMMU_TLBI_EL2_VA;
		break;
	case CMDQ_OP_TLBI_EL2_VAA:
		inv.kind = VSMMU_TLBI_EL2_VAA;
		break;
	case CMDQ_OP_TLBI_S12_VMALL:
		inv.kind = VSMMU_TLBI_S12_VMALL;
		break;
	case CMDQ_OP_TLBI_S2_IPA:
		inv.kind = VSMMU_TLBI_S2_IPA;
		inv.addr = cmd[1] & CMDQ_TLBI_1_IPA_MASK;
		break;
	default:
		inv.kind = VSMMU_TLBI_NSNH_ALL;
		break;
	}
	return vsmmu_smmu_tlbi(s, &inv) ? CMDQ_ERR_CERROR_ILL_IDX : 0;
}

/*
 * CMD_ATC_INV (4.5.1): an ATS Invalidate Request to the endpoint for
 * Address aligned down to its span of 2^(12 + Size) bytes (52: all).
 * Size > 52 is CERROR_ILL (the spec allows ILL or an UNKNOWN span).
 * IGNORED while SMMUEN = 0.  Completion is the next CMD_SYNC's business.
 */
static unsigned int exec_atc_inv(struct vsmmu_smmu *s, struct hw_cmdq *cq,
				 const uint64_t *cmd)
{
	unsigned int size = VS_FIELD_GET(CMDQ_ATC_1_SIZE, cmd[1]);
	bool ssv = cmd[0] & CMDQ_0_SSV;

	if (!(ld32(&s->cr0) & CR0_SMMUEN))
		return 0;
	hw_stat_inc(s, ST_ATC_INV);
	/* Without substreams SSV = 1 behaves as SSV = 0 (a CU choice) */
	if (!s->ssidsize)
		ssv = false;
	if (hw_atc_inv(s, VS_FIELD_GET(CMDQ_ATC_0_SID, cmd[0]),
		       VS_FIELD_GET(CMDQ_ATC_0_SSID, cmd[0]), ssv,
		       cmd[1] & CMDQ_ATC_1_ADDR_MASK, size))
		__atomic_store_n(&cq->atc_inv_failed, true, __ATOMIC_RELEASE);
	return 0;
}

/*
 * CMD_PRI_RESP (4.5.2): Resp 0b00 ResponseFailure, 0b01 InvalidRequest,
 * 0b10 Success, 0b11 ILLEGAL; IGNORED while SMMUEN = 0.
 */
static unsigned int exec_pri_resp(struct vsmmu_smmu *s, const uint64_t *cmd)
{
	static const unsigned char code[3] = { VSMMU_PRI_RESP_FAILURE,
					       VSMMU_PRI_RESP_INVALID,
					       VSMMU_PRI_RESP_SUCCESS };
	unsigned int resp = VS_FIELD_GET(CMDQ_PRI_1_RESP, cmd[1]);
	struct vsmmu_pri_resp r = {
		.sid = VS_FIELD_GET(CMDQ_PRI_0_SID, cmd[0]),
		.ssv = s->ssidsize && (cmd[0] & CMDQ_0_SSV),
		.prgi = VS_FIELD_GET(CMDQ_PRI_1_GRPID, cmd[1]),
	};

	if (!(ld32(&s->cr0) & CR0_SMMUEN))
		return 0;
	r.ssid = r.ssv ? VS_FIELD_GET(CMDQ_PRI_0_SSID, cmd[0]) : 0;
	r.code = code[resp];
	hw_pri_resp(s, &r);
	return 0;
}

/*
 * CMD_RESUME (4.7.1): Ac = dword 0 bit 12 (1: retry), Ab = bit 13 (the
 * abort kind of a terminate, IGNORED with IDR0.TERM_MODEL = 1).
 */
static void exec_resume(struct vsmmu_smmu *s, const uint64_t *cmd)
{
	unsigned int r = VS_FIELD_GET(CMDQ_RESUME_0_RESP, cmd[0]);
	enum vsmmu_stall_resp resp;

	if (r & 1)
		resp = VSMMU_STALL_RETRY;
	else if ((r & 2) || s->term_model)
		resp = VSMMU_STALL_ABORT;
	else
		resp = VSMMU_STALL_RAZWI;
	hw_stall_resume(s, VS_FIELD_GET(CMDQ_RESUME_0_SID, cmd[0]),
			VS_FIELD_GET(CMDQ_RESUME_1_STAG, cmd[1]), resp);
}

static void exec_sync(struct vsmmu_smmu *s, const uint64_t *cmd)
{
	unsigned int cs = VS_FIELD_GET(CMDQ_SYNC_0_CS, cmd[0]);
	uint64_t addr = cmd[1] & CMDQ_SYNC_1_MSIADDR_MASK;

	if (cs == CMDQ_SYNC_0_CS_IRQ) {
		if ((s->cfg.idr[0] & IDR0_MSI) && addr) {
			uint32_t d = VS_FIELD_GET(CMDQ_SYNC_0_MSIDATA, cmd[0]);

			/*
			 * One 32-bit single-copy-atomic write, ordered after
			 * every earlier command's effect on the caches: a
			 * driver that sees it (with acquire) sees them.
			 */
			__atomic_thread_fence(__ATOMIC_RELEASE);
			if (vsmmu_mem_write32(s->mem, addr, d))
				hw_gerror_raise(s, GERROR_MSI_CMDQ_ABT_ERR);
		} else {
			hw_irq(s, VSMMU_IRQ_CMD_SYNC, 0);
		}
	} else if (cs == CMDQ_SYNC_0_CS_SEV && (s->cfg.idr[0] & IDR0_SEV)) {
		hw_irq(s, VSMMU_IRQ_SEV, 0);
	}
}

/*
 * Check and execute one command from queue @cq.  Return 0, or the CERROR
 * index the queue stops with.
 */
unsigned int hw_cmd_exec(struct vsmmu_smmu *s, struct hw_cmdq *cq,
			 const uint64_t *cmd)
{
	unsigned int op = VS_FIELD_GET(CMDQ_0_OP, cmd[0]);
	struct vsmmu_cfgi ci = { .sid = VS_FIELD_GET(CMDQ_CFGI_0_SID, cmd[0]) };

	if (vsmmu_cmd_check(cmd, &s->cmd_caps))
		return CMDQ_ERR_CERROR_ILL_IDX;

	switch (op) {
	case CMDQ_OP_CFGI_STE:
		ci.kind = VSMMU_CFGI_STE;
		ci.leaf = cmd[1] & CMDQ_CFGI_1_LEAF;
		break;
	case CMDQ_OP_CFGI_STE_RANGE:
		ci.range = VS_FIELD_GET(CMDQ_CFGI_1_RANGE, cmd[1]);
		ci.kind = ci.range == CMDQ_CFGI_1_RANGE_ALL ?
				  VSMMU_CFGI_ALL :
				  VSMMU_CFGI_STE_RANGE;
		break;
	case CMDQ_OP_CFGI_CD:
		ci.kind = VSMMU_CFGI_CD;
		ci.ssid = VS_FIELD_GET(CMDQ_CFGI_0_SSID, cmd[0]);
		ci.leaf = cmd[1] & CMDQ_CFGI_1_LEAF;
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		ci.kind = VSMMU_CFGI_CD_ALL;
		break;
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_NH_ASID:
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_EL2_ALL:
	case CMDQ_OP_TLBI_EL2_ASID:
	case CMDQ_OP_TLBI_EL2_VA:
	case CMDQ_OP_TLBI_EL2_VAA:
	case CMDQ_OP_TLBI_S12_VMALL:
	case CMDQ_OP_TLBI_S2_IPA:
	case CMDQ_OP_TLBI_NSNH_ALL:
		return exec_tlbi(s, op, cmd);
	case CMDQ_OP_CMD_SYNC:
		/*
		 * An ATC invalidation since the last sync that the endpoint
		 * never completed: the sync stops the queue with
		 * CERROR_ATC_INV_SYNC, CONS at the sync (3.9.1.4).  The
		 * failure is reported once; software's retried sync
		 * completes.  The failure belongs to the queue that issued
		 * the ATC_INV.
		 */
		if (__atomic_exchange_n(&cq->atc_inv_failed, false,
					__ATOMIC_ACQ_REL))
			return CMDQ_ERR_CERROR_ATC_INV_IDX;
		/* Completion is signalled once CONS has passed the sync */
		hw_stall_sync(s);
		return 0;
	case CMDQ_OP_ATC_INV:
		return exec_atc_inv(s, cq, cmd);
	case CMDQ_OP_PRI_RESP:
		return exec_pri_resp(s, cmd);
	case CMDQ_OP_RESUME:
		exec_resume(s, cmd);
		return 0;
	case CMDQ_OP_STALL_TERM:
		hw_stall_term(s, ci.sid, false);
		return 0;
	default:
		return 0; /* PREFETCH_*: hints, nothing to do */
	}
	vsmmu_smmu_cfgi(s, &ci);
	return 0;
}

uint32_t hw_cmdq_consume(struct vsmmu_smmu *s, struct hw_cmdq *cq)
{
	struct hw_queue *q = &cq->q;
	uint32_t prod;

	pthread_mutex_lock(&cq->lock);
	for (;;) {
		uint32_t cons = ld32(&q->cons);

		prod = ld32(&q->prod);
		uint32_t idx_mask = (1U << hw_q_log2(q)) - 1;
		uint64_t cmd[2], addr;
		unsigned int err;

		if (!cq->enabled(s, cq) ||
		    ((ld32(cq->gerror) ^ ld32(cq->gerrorn)) & cq->err_bit) ||
		    hw_q_idxwrap(q, cons) == hw_q_idxwrap(q, prod))
			break;
		addr = hw_q_addr(q) + (uint64_t)(cons & idx_mask) * 16;
		if (vsmmu_mem_read64(s->mem, addr, &cmd[0]) ||
		    vsmmu_mem_read64(s->mem, addr + 8, &cmd[1]))
			err = CMDQ_ERR_CERROR_ABT_IDX;
		else if (cq->prepare && (err = cq->prepare(s, cq, cmd)))
			; /* refused before anything of it ran */
		else
			err = hw_cmd_exec(s, cq, cmd);
		if (err) {
			hw_stat_inc(s, ST_CMD_ERR);
			st32(&q->cons,
			     (cons & ~(uint32_t)CMDQ_CONS_ERR) |
				     VS_FIELD_PREP(CMDQ_CONS_ERR, err));
			if (cq->on_error)
				cq->on_error(s, cq);
			break;
		}
		if (VS_FIELD_GET(CMDQ_0_OP, cmd[0]) < VSMMU_STATS_CMD_OPS)
			hw_stat_inc(s,
				    ST_CMD0 + VS_FIELD_GET(CMDQ_0_OP, cmd[0]));
		st32(&q->cons,
		     (cons & (uint32_t)CMDQ_CONS_ERR) | hw_q_inc(q, cons));
		/*
		 * A CMD_SYNC signals its completion (MSI, interrupt, event)
		 * after CONS has moved past it: software woken by the
		 * signal finds the sync consumed.
		 */
		if (VS_FIELD_GET(CMDQ_0_OP, cmd[0]) == CMDQ_OP_CMD_SYNC) {
			exec_sync(s, cmd);
			if (cq == &s->cmdq && s->cmdqv)
				hw_cmdqv_main_sync(s);
		}
	}
	pthread_mutex_unlock(&cq->lock);
	return prod;
}

/* --- The main command queue, its consumer thread ------------------------ */

static bool main_cmdq_enabled(struct vsmmu_smmu *s, struct hw_cmdq *cq)
{
	return ld32(&s->cr0) & CR0_CMDQEN;
}

static void main_cmdq_error(struct vsmmu_smmu *s, struct hw_cmdq *cq)
{
	hw_gerror_raise(s, GERROR_CMDQ_ERR);
}

/*
 * A consumer thread (one per queue in VSMMU_EXEC_THREAD mode: the main
 * CMDQ's, and each enabled VCMDQ's, so that CMDQV's queues are consumed in
 * parallel as on the hardware).  After draining its queue it polls for new
 * work for a short while (CONSUMER_SPIN_NS) before sleeping on the
 * condition variable, so a producer that is quickly back pays no wake-up
 * (in a VM a futex round trip costs microseconds).  Producers set kick and
 * signal only when sleeping is set: both flags are sequentially consistent
 * and the sleeper re-checks the kick under the lock after announcing that
 * it sleeps, so one of the two always sees the other and no wake-up is
 * lost.
 */
#define CONSUMER_SPIN_NS 50000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool consumer_take_kick(struct hw_consumer *c)
{
	return __atomic_exchange_n(&c->kick, false, __ATOMIC_SEQ_CST);
}

static void *consumer_main(void *arg)
{
	struct hw_consumer *c = arg;

	while (__atomic_load_n(&c->run, __ATOMIC_ACQUIRE)) {
		uint64_t until;
		unsigned int n = 0;
		/* The PROD this pass consumed up to (or stopped at) */
		uint32_t prod = hw_cmdq_consume(c->s, c->cq);

		/*
		 * Poll a little before sleeping: PROD itself, so that new
		 * commands are seen as soon as the producer's PROD store is
		 * (one cache line to fetch, not also the kick's), and the
		 * kick for the other reasons to look (GERRORN, CR0).
		 */
		until = now_ns() + CONSUMER_SPIN_NS;
		while (!__atomic_load_n(&c->kick, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&c->cq->q.prod, __ATOMIC_ACQUIRE) ==
			       prod &&
		       __atomic_load_n(&c->run, __ATOMIC_ACQUIRE)) {
			sa_relax();
			if (!(++n & 63) && now_ns() > until)
				break;
		}
		if (__atomic_load_n(&c->cq->q.prod, __ATOMIC_ACQUIRE) != prod)
			continue;
		if (consumer_take_kick(c))
			continue;
		pthread_mutex_lock(&c->lock);
		/* Announce the sleep, then look at PROD once more (see
		 * hw_consumer_doorbell) */
		__atomic_store_n(&c->sleeping, true, __ATOMIC_SEQ_CST);
		while (!consumer_take_kick(c) &&
		       __atomic_load_n(&c->cq->q.prod, __ATOMIC_SEQ_CST) ==
			       prod &&
		       __atomic_load_n(&c->run, __ATOMIC_SEQ_CST))
			pthread_cond_wait(&c->wake, &c->lock);
		__atomic_store_n(&c->sleeping, false, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&c->lock);
	}
	return NULL;
}

void hw_consumer_init(struct hw_consumer *c, struct vsmmu_smmu *s,
		      struct hw_cmdq *cq)
{
	c->s = s;
	c->cq = cq;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
}

int hw_consumer_start(struct hw_consumer *c)
{
	if (c->started)
		return 0;
	/* the thread's first act is a pass over the queue */
	__atomic_store_n(&c->run, true, __ATOMIC_SEQ_CST);
	if (pthread_create(&c->thread, NULL, consumer_main, c)) {
		__atomic_store_n(&c->run, false, __ATOMIC_SEQ_CST);
		return -ENOMEM;
	}
	c->started = true;
	return 0;
}

/* Stop the thread: no command of its queue runs after this returns. */
void hw_consumer_stop(struct hw_consumer *c)
{
	if (!c->started)
		return;
	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->run, false, __ATOMIC_SEQ_CST);
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	c->started = false;
}

void hw_consumer_fini(struct hw_consumer *c)
{
	hw_consumer_stop(c);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
}

void hw_consumer_kick(struct hw_consumer *c)
{
	__atomic_store_n(&c->kick, true, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->sleeping, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&c->lock);
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
	}
}

/*
 * PROD was written: the consumer polls PROD itself while it spins, so
 * only a sleeping consumer needs waking.  Dekker's pattern with the
 * consumer's "sleeping, then look at PROD": the PROD store, a sequentially
 * consistent fence, then the load of sleeping -- one of the two sides sees
 * the other's store.
 */
void hw_consumer_doorbell(struct hw_consumer *c)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->sleeping, __ATOMIC_SEQ_CST))
		hw_consumer_kick(c);
}

void hw_cmdq_kick(struct vsmmu_smmu *s)
{
	if (s->cfg.exec != VSMMU_EXEC_THREAD) {
		hw_cmdq_consume(s, &s->cmdq);
		return;
	}
	hw_consumer_kick(&s->consumer);
}

void hw_cmdq_doorbell(struct vsmmu_smmu *s)
{
	if (s->cfg.exec != VSMMU_EXEC_THREAD) {
		hw_cmdq_consume(s, &s->cmdq);
		return;
	}
	hw_consumer_doorbell(&s->consumer);
}

int hw_queues_init(struct vsmmu_smmu *s)
{
	uint32_t idr1 = s->cfg.idr[1];

	s->cmdq.q.ent_size = 16;
	s->cmdq.q.max_log2 = VS_FIELD_GET(IDR1_CMDQS, idr1);
	s->cmdq.gerror = &s->gerror;
	s->cmdq.gerrorn = &s->gerrorn;
	s->cmdq.err_bit = GERROR_CMDQ_ERR;
	s->cmdq.enabled = main_cmdq_enabled;
	s->cmdq.on_error = main_cmdq_error;
	s->evtq.ent_size = 32;
	s->evtq.max_log2 = VS_FIELD_GET(IDR1_EVTQS, idr1);
	s->priq.ent_size = 16;
	s->priq.max_log2 = VS_FIELD_GET(IDR1_PRIQS, idr1);
	pthread_mutex_init(&s->cmdq.lock, NULL);
	pthread_mutex_init(&s->evtq_lock, NULL);
	pthread_mutex_init(&s->priq_lock, NULL);
	pthread_mutex_init(&s->atc_lock, NULL);
	hw_consumer_init(&s->consumer, s, &s->cmdq);
	if (s->cfg.exec == VSMMU_EXEC_THREAD)
		return hw_consumer_start(&s->consumer);
	return 0;
}

/* Stop the consumer thread: no command runs after this returns. */
void hw_queues_stop(struct vsmmu_smmu *s)
{
	hw_consumer_stop(&s->consumer);
}

/* Free the queues' locks; after hw_queues_stop() and everything that
 * uses them (ATCs, stalls). */
void hw_queues_fini(struct vsmmu_smmu *s)
{
	hw_consumer_fini(&s->consumer);
	pthread_mutex_destroy(&s->evtq_lock);
	pthread_mutex_destroy(&s->priq_lock);
	pthread_mutex_destroy(&s->atc_lock);
	pthread_mutex_destroy(&s->cmdq.lock);
}

/* --- The event queue ---------------------------------------------------- */

/*
 * Is the event queue writable (7.2.1): enabled, not full, and no
 * unacknowledged EVENTQ_ABT_ERR?  (SMMUEN is the caller's business.)
 */
bool hw_evtq_writable(struct vsmmu_smmu *s)
{
	struct hw_queue *q = &s->evtq;
	uint32_t prod = ld32(&q->prod), cons = ld32(&q->cons);

	if (!(ld32(&s->cr0) & CR0_EVTQEN) ||
	    ((ld32(&s->gerror) ^ ld32(&s->gerrorn)) & GERROR_EVTQ_ABT_ERR))
		return false;
	return (hw_q_idxwrap(q, prod) ^ hw_q_idxwrap(q, cons)) !=
	       (1U << hw_q_log2(q));
}

/*
 * Write one event record if the queue is writable (7.2.1).  Otherwise an
 * ordinary record is lost -- when the queue is full EVTQ_PROD.OVFLG is
 * toggled, unless an overflow is already pending (OVFLG differs from
 * EVTQ_CONS.OVACKFLG) -- while a stall's record (EVTQ_W_STALL) is kept by
 * the caller for later and causes no overflow.  Records need SMMUEN = 1
 * unless EVTQ_W_NOSMMUEN (the few events 7.3 allows with SMMUEN = 0).
 * Return true if written.
 */
bool hw_evtq_write(struct vsmmu_smmu *s, const uint64_t *evt,
		   unsigned int flags)
{
	struct hw_queue *q = &s->evtq;
	uint32_t prod, cons, idx_mask;
	bool written = false, stall = flags & EVTQ_W_STALL;
	uint64_t addr;
	int i;

	if (!(ld32(&s->cr0) & CR0_EVTQEN) ||
	    (!(flags & EVTQ_W_NOSMMUEN) && !(ld32(&s->cr0) & CR0_SMMUEN)) ||
	    ((ld32(&s->gerror) ^ ld32(&s->gerrorn)) & GERROR_EVTQ_ABT_ERR)) {
		if (!stall)
			hw_stat_inc(s, ST_EVT_LOST);
		return false;
	}
	pthread_mutex_lock(&s->evtq_lock);
	prod = ld32(&q->prod);
	cons = ld32(&q->cons);
	idx_mask = (1U << hw_q_log2(q)) - 1;
	if ((hw_q_idxwrap(q, prod) ^ hw_q_idxwrap(q, cons)) == idx_mask + 1) {
		/* full: an ordinary event is lost */
		if (!stall && !((prod ^ cons) & Q_OVERFLOW_FLAG))
			st32(&q->prod, prod ^ Q_OVERFLOW_FLAG);
		goto out;
	}
	addr = hw_q_addr(q) + (uint64_t)(prod & idx_mask) * 32;
	for (i = 0; i < 4; i++) {
		if (vsmmu_mem_write64(s->mem, addr + 8 * i, evt[i])) {
			pthread_mutex_unlock(&s->evtq_lock);
			if (!stall)
				hw_stat_inc(s, ST_EVT_LOST);
			hw_gerror_raise(s, GERROR_EVTQ_ABT_ERR);
			return false;
		}
	}
	st32(&q->prod, (prod & Q_OVERFLOW_FLAG) | hw_q_inc(q, prod));
	written = true;
out:
	pthread_mutex_unlock(&s->evtq_lock);
	if (written && VS_FIELD_GET(EVTQ_0_ID, evt[0]) < VSMMU_STATS_EVT_IDS)
		hw_stat_inc(s, ST_EVT0 + VS_FIELD_GET(EVTQ_0_ID, evt[0]));
	else if (!written && !stall)
		hw_stat_inc(s, ST_EVT_LOST);
	if (written && (ld32(&s->irq_ctrl) & IRQ_CTRL_EVTQ_IRQEN))
		hw_irq(s, VSMMU_IRQ_EVTQ, ARM_SMMU_EVTQ_IRQ_CFG0);
	return written;
}

bool hw_evtq_record(struct vsmmu_smmu *s, const uint64_t *evt)
{
	return hw_evtq_write(s, evt, 0);
}
