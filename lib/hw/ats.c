// SPDX-License-Identifier: MIT
/*
 * ATS (spec 3.9.1): Translation Requests, Translated transactions, and a
 * device-side Address Translation Cache that CMD_ATC_INV reaches.
 *
 * Translation Request (3.9.1.2).  In order: SMMUEN = 0 -> UR with
 * F_BAD_ATS_TREQ; a configuration error (bad StreamID, STE/CD fetch or
 * validity, SubstreamID, stream disabled) -> CA with no event (the model
 * implements no CR2.REC_CFG_ATS); STE.Config = abort -> UR, no event;
 * Config = bypass or effective EATS = 0b00 -> UR with F_BAD_ATS_TREQ;
 * stage 1 skipped by S1DSS on a stage-1-only STE -> Success, identity,
 * R = W = 1; else the address is translated as a transaction would be,
 * without recording or stalling: a Translation, Address Size or Access
 * fault (at either stage, including a stage-2 fault on a CD or table
 * fetch) -> Success with R = W = 0 and the STU size; a Permission fault
 * grants what the tables allow (a read-write request that may only read
 * gets R); any other fault (walk external abort, ...) -> CA.  The
 * completion carries the PA, or with split-stage ATS (EATS = 0b10) the
 * IPA, of the page, the translation size, and R/W (and X when the PASID
 * asked for it).  The STU is the smallest granule in IDR5.
 *
 * F_BAD_ATS_TREQ is laid out as the project's decoder reads it (7.3.6
 * gives the fields, the figure is not in our copy of the spec): PnU (bit
 * 33) = the PASID's Privileged, InD (34) = Execute, RnW (35) = NW (1 for a
 * read-only request), InputAddr = the requested address.  Span is not
 * filled.
 *
 * The ATC is the endpoint's: a small fully associative cache of
 * completions keyed by (PASID, page).  ATS Invalidate Requests
 * (CMD_ATC_INV) remove the entries overlapping the span, for the PASID
 * when the command has one, else for every PASID (an invalidation without
 * PASID is treated as covering the whole function: the conservative
 * reading).  An unresponsive ATC (vsmmu_atc_set_responsive) keeps its
 * entries and never completes, which the next CMD_SYNC reports as
 * CERROR_ATC_INV_SYNC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/hw.h"

struct atc_ent {
	uint64_t va; /* page base (aligned to 2^shift) */
	uint64_t out; /* translated address of va */
	uint32_t ssid;
	uint8_t shift, perm, ssv, valid;
};

struct vsmmu_atc {
	struct vsmmu_smmu *smmu; /* NULL once the SMMU is gone */
	uint32_t sid;
	pthread_mutex_t lock;
	struct atc_ent *e;
	unsigned int n, next;
	bool responsive;
	struct vsmmu_atc_stats st;
	struct vsmmu_atc *lnext, *lprev; /* the SMMU's list, atc_lock */
};

static unsigned int stu_shift(const struct vsmmu_smmu *s)
{
	return (s->gran & 1) ? 12 : (s->gran & 2) ? 14 : 16;
}

/* F_BAD_ATS_TREQ (0x05) for @req; recorded even with SMMUEN = 0. */
static void bad_treq(struct vsmmu_smmu *s, const struct vsmmu_txn *req,
		     struct vsmmu_ats_result *res)
{
	uint64_t *evt = res->evt;

	res->status = VSMMU_ATS_UR;
	evt[0] = VS_FIELD_PREP(EVTQ_0_ID, EVT_ID_BAD_ATS_TREQ) |
		 VS_FIELD_PREP(EVTQ_0_SID, req->sid);
	if (req->ssv)
		evt[0] |= EVTQ_0_SSV | VS_FIELD_PREP(EVTQ_0_SSID, req->ssid);
	evt[1] = (req->ssv && (req->flags & VSMMU_TXN_PRIV) ? EVTQ_1_PnU : 0) |
		 (req->ssv && (req->flags & VSMMU_TXN_EXEC) ? EVTQ_1_InD : 0) |
		 ((req->flags & VSMMU_TXN_WRITE) ? 0 : EVTQ_1_RnW);
	evt[2] = req->addr;
	evt[3] = 0;
	res->recorded = hw_evtq_write(s, evt, EVTQ_W_NOSMMUEN);
}

static bool is_denial(unsigned int id)
{
	return id == EVT_ID_TRANSLATION || id == EVT_ID_ADDR_SIZE ||
	       id == EVT_ID_ACCESS;
}

int vsmmu_smmu_ats_translate(struct vsmmu_smmu *s, const struct vsmmu_txn *req,
			     struct vsmmu_ats_result *res)
{
	const unsigned int rw = VSMMU_TXN_READ | VSMMU_TXN_WRITE;
	struct vsmmu_txn tx;
	struct vsmmu_txn_result tr;
	struct txn_ctx t;
	struct stream_cfg sc;
	struct fault f;
	unsigned int want;
	int rc;

	if (!s || !req || !res || !(req->flags & rw) ||
	    (req->flags & ~(rw | VSMMU_TXN_EXEC | VSMMU_TXN_PRIV)) ||
	    (req->ssv && req->ssid >> 20))
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	hw_stat_inc(s, ST_ATS_REQ);
	if (!s->ats) {
		res->status = VSMMU_ATS_UR; /* no ATS port: nothing answers */
		return 0;
	}
	if (!(hw_reg32(&s->cr0) & CR0_SMMUEN)) {
		bad_treq(s, req, res);
		return 0;
	}
	/* What is asked: R always, W unless NW, X only with a PASID */
	want = VSMMU_TXN_READ | (req->flags & VSMMU_TXN_WRITE) |
	       (req->ssv ? req->flags & VSMMU_TXN_EXEC : 0);
	tx = *req;
	tx.flags = (req->flags & VSMMU_TXN_WRITE) ? VSMMU_TXN_WRITE :
						    VSMMU_TXN_READ;
	if (req->ssv)
		tx.flags |= req->flags & VSMMU_TXN_PRIV;
	memset(&t, 0, sizeof(t));
	t.smmu = s;
	t.txn = &tx;
	t.flags = tx.flags;
	t.use_cache = true;
	t.ats = true;
	rc = hw_stream_cfg(&t, &sc, &f);
	if (rc) {
		res->status = VSMMU_ATS_CA;
		return 0;
	}
	if (sc.mode == MODE_ABORT) {
		res->status = VSMMU_ATS_UR;
		return 0;
	}
	if (sc.ste_cfg == STRTAB_STE_0_CFG_BYPASS || sc.eats == EATS_NONE) {
		bad_treq(s, req, res);
		return 0;
	}
	res->split = sc.eats == EATS_SPLIT;
	if (sc.mode == MODE_BYPASS) {
		/* S1DSS skipped stage 1 of a stage-1-only STE: identity */
		res->status = VSMMU_ATS_SUCCESS;
		res->page_shift = stu_shift(s);
		res->addr = req->addr & ~((1ULL << res->page_shift) - 1);
		res->perm = rw; /* R = W = 1, U = 0 */
		return 0;
	}
	for (;;) {
		rc = hw_translate_ats(s, &tx, &tr);
		if (rc)
			return rc;
		if (tr.outcome == VSMMU_TXN_OK)
			break;
		if (tr.outcome != VSMMU_TXN_FAULT) {
			res->status = VSMMU_ATS_UR;
			return 0;
		}
		/* A read-write request to a read-only page gets R */
		if (VS_FIELD_GET(EVTQ_0_ID, tr.evt[0]) == EVT_ID_PERMISSION &&
		    (tx.flags & VSMMU_TXN_WRITE)) {
			tx.flags = (tx.flags & ~VSMMU_TXN_WRITE) |
				   VSMMU_TXN_READ;
			want &= ~VSMMU_TXN_WRITE;
			continue;
		}
		if (is_denial(VS_FIELD_GET(EVTQ_0_ID, tr.evt[0])) ||
		    VS_FIELD_GET(EVTQ_0_ID, tr.evt[0]) == EVT_ID_PERMISSION) {
			res->status = VSMMU_ATS_SUCCESS; /* R = W = 0 */
			res->page_shift = stu_shift(s);
			res->addr = 0;
			return 0;
		}
		res->status = VSMMU_ATS_CA;
		return 0;
	}
	res->status = VSMMU_ATS_SUCCESS;
	res->page_shift = tr.page_shift;
	res->perm = tr.perm & want;
	res->addr = (res->split ? tr.ipa : tr.oa) &
		    ~((1ULL << tr.page_shift) - 1);
	return 0;
}

static int forbidden(struct txn_ctx *t, struct vsmmu_txn_result *res)
{
	const struct vsmmu_txn *txn = t->txn;

	res->outcome = VSMMU_TXN_FAULT;
	res->evt[0] = VS_FIELD_PREP(EVTQ_0_ID, EVT_ID_TRANSL_FORBIDDEN) |
		      VS_FIELD_PREP(EVTQ_0_SID, txn->sid);
	res->evt[1] = (txn->flags & VSMMU_TXN_WRITE) ? 0 : EVTQ_1_RnW;
	res->evt[2] = txn->addr;
	res->recorded = true; /* written if the queue is writable */
	hw_evtq_write(t->smmu, res->evt, EVTQ_W_NOSMMUEN);
	hw_stat_inc(t->smmu, ST_FAULTS);
	return 0;
}

static int pass(struct vsmmu_txn_result *res, uint64_t oa, unsigned int shift)
{
	res->outcome = VSMMU_TXN_OK;
	res->oa = res->ipa = oa;
	res->page_shift = shift;
	res->perm = VSMMU_TXN_READ | VSMMU_TXN_WRITE | VSMMU_TXN_EXEC;
	res->bypass = true;
	return 0;
}

int vsmmu_smmu_ats_translated(struct vsmmu_smmu *s, const struct vsmmu_txn *in,
			      struct vsmmu_txn_result *res)
{
	unsigned int acc;
	struct vsmmu_txn txn;
	struct walk_result wr;
	struct stream_cfg sc;
	struct txn_ctx t;
	struct fault f;
	uint64_t pa;

	if (!s || !in || !res)
		return -EINVAL;
	if (!hw_txn_flags_valid(in->flags))
		return -EINVAL;
	acc = in->flags & (VSMMU_TXN_READ | VSMMU_TXN_WRITE | VSMMU_TXN_EXEC);
	memset(res, 0, sizeof(*res));
	/* Without a PASID (no IDR3.PASIDTT): Data, unprivileged, no SSV */
	txn = *in;
	txn.ssv = false;
	txn.ssid = 0;
	txn.flags = acc == VSMMU_TXN_WRITE ? VSMMU_TXN_WRITE : VSMMU_TXN_READ;
	memset(&t, 0, sizeof(t));
	t.smmu = s;
	t.txn = &txn;
	t.flags = txn.flags;
	t.use_cache = true;
	if (!(hw_reg32(&s->cr0) & CR0_SMMUEN))
		return forbidden(&t, res);
	if (!(hw_reg32(&s->cr0) & CR0_ATSCHK)) {
		if (txn.addr >> s->oas) {
			res->outcome = VSMMU_TXN_TERMINATED;
			return 0;
		}
		return pass(res, txn.addr, 12);
	}
	if (hw_stream_cfg(&t, &sc, &f) || sc.mode == MODE_ABORT) {
		res->outcome = VSMMU_TXN_TERMINATED;
		return 0;
	}
	if (sc.ste_cfg == STRTAB_STE_0_CFG_BYPASS || sc.eats == EATS_NONE)
		return forbidden(&t, res);
	if (sc.eats == EATS_FULL || sc.mode != MODE_NESTED) {
		if (txn.addr >> s->oas) {
			res->outcome = VSMMU_TXN_TERMINATED;
			return 0;
		}
		return pass(res, txn.addr, 12);
	}
	/* Split stage: the address is an IPA, checked against the IAS */
	if (txn.addr >> sc.s2.tt.ias) {
		f = (struct fault){ .id = EVT_ID_ADDR_SIZE,
				    .class = EVTQ_1_CLASS_IN };
		return hw_result_fault(&t, &sc, &f, res);
	}
	if (hw_s2_translate(&t, &sc, txn.addr, EVTQ_1_CLASS_IN, false, &pa, &wr,
			    &f))
		return hw_result_fault(&t, &sc, &f, res);
	if (!(wr.s2perm & (txn.flags & VSMMU_TXN_WRITE ? PERM_UW : PERM_UR))) {
		f = (struct fault){ .id = EVT_ID_PERMISSION,
				    .s2 = 1,
				    .class = EVTQ_1_CLASS_IN,
				    .ipa = txn.addr };
		return hw_result_fault(&t, &sc, &f, res);
	}
	res->outcome = VSMMU_TXN_OK;
	res->oa = pa;
	res->ipa = txn.addr;
	res->page_shift = wr.shift;
	res->perm = VSMMU_TXN_READ | VSMMU_TXN_WRITE;
	return 0;
}

/* --- The device-side ATC ------------------------------------------------ */

int vsmmu_atc_create(struct vsmmu_smmu *s, uint32_t sid, unsigned int entries,
		     struct vsmmu_atc **out)
{
	struct vsmmu_atc *a;

	if (!s || !out || !entries || entries > 4096)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->e = calloc(entries, sizeof(*a->e));
	if (!a->e) {
		free(a);
		return -ENOMEM;
	}
	a->n = entries;
	a->sid = sid;
	a->smmu = s;
	a->responsive = true;
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_lock(&s->atc_lock);
	a->lnext = s->atcs;
	if (s->atcs)
		s->atcs->lprev = a;
	s->atcs = a;
	pthread_mutex_unlock(&s->atc_lock);
	*out = a;
	return 0;
}

void vsmmu_atc_destroy(struct vsmmu_atc *a)
{
	struct vsmmu_smmu *s;

	if (!a)
		return;
	s = a->smmu;
	if (s) {
		pthread_mutex_lock(&s->atc_lock);
		if (a->lprev)
			a->lprev->lnext = a->lnext;
		else
			s->atcs = a->lnext;
		if (a->lnext)
			a->lnext->lprev = a->lprev;
		pthread_mutex_unlock(&s->atc_lock);
	}
	pthread_mutex_destroy(&a->lock);
	free(a->e);
	free(a);
}

/* The SMMU is destroyed first: its ATCs are left unattached. */
void hw_atcs_fini(struct vsmmu_smmu *s)
{
	struct vsmmu_atc *a;

	pthread_mutex_lock(&s->atc_lock);
	for (a = s->atcs; a; a = a->lnext)
		a->smmu = NULL;
	s->atcs = NULL;
	pthread_mutex_unlock(&s->atc_lock);
}

void vsmmu_atc_set_responsive(struct vsmmu_atc *a, bool responsive)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->responsive = responsive;
	pthread_mutex_unlock(&a->lock);
}

void vsmmu_atc_get_stats(struct vsmmu_atc *a, struct vsmmu_atc_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	*st = a->st;
	st->valid = 0;
	for (i = 0; i < a->n; i++)
		st->valid += a->e[i].valid;
	pthread_mutex_unlock(&a->lock);
}

/* Index of the entry translating (@ssv, @ssid, @va), or -1; lock held. */
static int atc_find(struct vsmmu_atc *a, bool ssv, uint32_t ssid, uint64_t va)
{
	unsigned int i;

	for (i = 0; i < a->n; i++) {
		const struct atc_ent *e = &a->e[i];

		if (e->valid && e->ssv == ssv && (!ssv || e->ssid == ssid) &&
		    (va & ~((1ULL << e->shift) - 1)) == e->va)
			return (int)i;
	}
	return -1;
}

static unsigned int need_of(unsigned int flags)
{
	if (flags & VSMMU_TXN_WRITE)
		return VSMMU_TXN_WRITE;
	if (flags & VSMMU_TXN_EXEC)
		return VSMMU_TXN_EXEC;
	return VSMMU_TXN_READ;
}

int vsmmu_atc_access(struct vsmmu_atc *a, const struct vsmmu_txn *txn,
		     struct vsmmu_txn_result *res, struct vsmmu_ats_result *tr)
{
	struct vsmmu_ats_result ar;
	struct vsmmu_txn req, out;
	struct vsmmu_smmu *s;
	unsigned int need;
	uint64_t pa = 0;
	bool hit = false;
	int i, rc;

	if (!a || !txn || !res || !a->smmu)
		return -EINVAL;
	if (!hw_txn_flags_valid(txn->flags) || (txn->ssv && txn->ssid >> 20))
		return -EINVAL;
	s = a->smmu;
	need = need_of(txn->flags);
	pthread_mutex_lock(&a->lock);
	i = atc_find(a, txn->ssv, txn->ssid, txn->addr);
	if (i >= 0 && (a->e[i].perm & need)) {
		pa = a->e[i].out + (txn->addr & ((1ULL << a->e[i].shift) - 1));
		hit = true;
		a->st.hits++;
	} else {
		a->st.misses++;
	}
	pthread_mutex_unlock(&a->lock);
	if (tr)
		memset(tr, 0, sizeof(*tr));
	if (!hit) {
		req = *txn;
		req.sid = a->sid;
		req.flags = (need == VSMMU_TXN_WRITE ? VSMMU_TXN_WRITE :
						       VSMMU_TXN_READ) |
			    (txn->flags & VSMMU_TXN_PRIV) |
			    (need == VSMMU_TXN_EXEC ? VSMMU_TXN_EXEC : 0);
		rc = vsmmu_smmu_ats_translate(s, &req, &ar);
		if (rc)
			return rc;
		pthread_mutex_lock(&a->lock);
		a->st.requests++;
		if (ar.status == VSMMU_ATS_SUCCESS && (ar.perm & need)) {
			i = atc_find(a, txn->ssv, txn->ssid, txn->addr);
			if (i < 0) {
				i = (int)a->next;
				a->next = (a->next + 1) % a->n;
			}
			a->e[i] = (struct atc_ent){
				.va = txn->addr &
				      ~((1ULL << ar.page_shift) - 1),
				.out = ar.addr,
				.ssid = txn->ssv ? txn->ssid : 0,
				.shift = (uint8_t)ar.page_shift,
				.perm = (uint8_t)ar.perm,
				.ssv = txn->ssv,
				.valid = 1,
			};
			pa = ar.addr +
			     (txn->addr & ((1ULL << ar.page_shift) - 1));
			hit = true;
		}
		pthread_mutex_unlock(&a->lock);
		if (tr)
			*tr = ar;
		if (!hit) {
			memset(res, 0, sizeof(*res));
			res->outcome = VSMMU_TXN_TERMINATED;
			return 0;
		}
		hit = false;
	}
	out = *txn;
	out.sid = a->sid;
	out.addr = pa;
	rc = vsmmu_smmu_ats_translated(s, &out, res);
	if (!rc)
		res->tlb_hit = hit;
	return rc;
}

/*
 * An ATS Invalidate Request to every ATC of @sid (CMD_ATC_INV): entries
 * overlapping [addr, addr + 2^(12 + size)) aligned to that span.
 */
bool hw_atc_inv(struct vsmmu_smmu *s, uint32_t sid, uint32_t ssid, bool ssv,
		uint64_t addr, unsigned int size)
{
	uint64_t base = 0, last = ~0ULL;
	bool timeout = false;
	struct vsmmu_atc *a;
	unsigned int i;

	if (size < CMDQ_ATC_1_SIZE_ALL) {
		base = addr & ~((1ULL << (12 + size)) - 1);
		last = base + (1ULL << (12 + size)) - 1;
	}
	pthread_mutex_lock(&s->atc_lock);
	for (a = s->atcs; a; a = a->lnext) {
		if (a->sid != sid)
			continue;
		pthread_mutex_lock(&a->lock);
		a->st.inv_requests++;
		if (!a->responsive) {
			a->st.inv_timeouts++;
			timeout = true;
			pthread_mutex_unlock(&a->lock);
			continue;
		}
		for (i = 0; i < a->n; i++) {
			struct atc_ent *e = &a->e[i];
			uint64_t e_last = e->va + (1ULL << e->shift) - 1;

			if (!e->valid || e_last < base || e->va > last ||
			    (ssv && (!e->ssv || e->ssid != ssid)))
				continue;
			e->valid = 0;
			a->st.invalidated++;
		}
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_unlock(&s->atc_lock);
	return timeout;
}
