// SPDX-License-Identifier: MIT
/*
 * Isolation, shown: a hostile guest owning VINTF 2 (VMID 2, vSID 0x20 ->
 * pSID 2) issues long random streams on its two VCMDQs -- accepted
 * invalidations naming other VMIDs and StreamIDs, unaccepted opcodes,
 * illegal encodings, CMD_SYNCs aiming MSIs at other memory, random words
 * -- and pokes its own VINTF_CONFIG and SID pairs as a guest.  A victim
 * guest owns VINTF 1 (VMID 1, vSID 0x10 -> pSID 1) and the host VMID 3.
 * After every batch: the victim's and the host's cached translations are
 * still IOTLB hits with the same output, their devices' ATCs never saw an
 * invalidation, the victim's queue never saw an error and its CMD_SYNCs
 * complete, the victim's memory is untouched, and every error is on one of
 * the hostile guest's queues (its GERROR, LVCMDQ_ERR_MAP, VINTF_ERR_MAP
 * bit 2 only); the hostile queue is recovered through GERRORN and the
 * stream goes on.  The seed is printed (VSMMU_TEST_SEED replays it).
 */
#include "harness.h"
#include "test_cmdqv_env.h"

#define ISO_BATCHES 4000
#define ISO_MAX_BATCH 48

/* S2_IPA (0x2a): VMID [47:32]; dw1 IPA [51:12] */
#define CV_S2_IPA(vmid) (0x2aULL | ((uint64_t)(vmid) << 32))

static const uint64_t accepted_ops[] = { 0x11, 0x12, 0x28, 0x2a, 0x40, 0x46 };

static uint64_t pick_vmid(uint64_t *r)
{
	uint64_t x = vt_rand(r);

	/* mostly the interesting ones: victim 1, own 2, host 3, 0 */
	return x & 1 ? (x >> 1) % 4 : (x >> 8) & 0xffff;
}

static uint64_t pick_sid(uint64_t *r)
{
	static const uint64_t sids[] = { 0x20, 0x10, 1, 2, 3, 0 };
	uint64_t x = vt_rand(r);

	return x & 1 ? sids[(x >> 1) % 6] : x >> 32;
}

static void random_cmd(uint64_t *r, uint64_t cmd[2])
{
	uint64_t x = vt_rand(r);
	uint64_t asid = x & 0x100 ? 1 : (x >> 16) & 0xffff;

	cmd[1] = 0;
	switch (x % 9) {
	case 0:
		cmd[0] = CV_NH_ASID(pick_vmid(r), asid);
		break;
	case 1:
		cmd[0] = CV_NH_VA(pick_vmid(r), asid);
		cmd[1] = (x & 0x200 ? 0x1000 : 0x2000) | ((x >> 10) & 1);
		break;
	case 2:
		cmd[0] = CV_S12_VMALL(pick_vmid(r));
		break;
	case 3:
		cmd[0] = CV_S2_IPA(pick_vmid(r));
		cmd[1] = 0x1000;
		break;
	case 4:
		cmd[0] = CV_ATC_INV(pick_sid(r));
		cmd[1] = x & 0x400 ? CV_ATC_ALL : vt_rand(r) & 0x3f;
		break;
	case 5: /* CMD_SYNC with any CS, an MSI at the victim's memory */
		cmd[0] = CV_SYNC | (((x >> 20) & 3) << 12) | (0x55ULL << 32);
		cmd[1] = CV_MSI;
		break;
	case 6: /* any opcode, random fields */
		cmd[0] = (vt_rand(r) & ~0xffULL) | ((x >> 24) & 0x7f);
		cmd[1] = vt_rand(r);
		break;
	case 7: /* an accepted opcode with one stray bit */
		cmd[0] = accepted_ops[(x >> 24) % 6] |
			 (1ULL << (8 + (x >> 32) % 56));
		break;
	default: /* 128 random bits */
		cmd[0] = vt_rand(r);
		cmd[1] = vt_rand(r);
		break;
	}
}

struct iso {
	struct cv_env e;
	struct vsmmu_atc *atc_victim, *atc_host, *atc_hostile;
	uint32_t prod[8];
	uint64_t errors, commands;
};

/* The state the hostile guest must never change */
static int iso_check_others(struct iso *s)
{
	struct vsmmu_atc_stats st;
	uint64_t oa = 0, msi = 1;

	if (cv_hit(&s->e, 1, 0x1000, &oa) != 1 || oa != 0x80000)
		return 1;
	if (cv_hit(&s->e, 1, 0x2000, &oa) != 1 || oa != 0x81000)
		return 2;
	if (cv_hit(&s->e, 3, 0x1000, &oa) != 1 || oa != 0x80000)
		return 3;
	vsmmu_atc_get_stats(s->atc_victim, &st);
	if (st.inv_requests)
		return 4;
	vsmmu_atc_get_stats(s->atc_host, &st);
	if (st.inv_requests)
		return 5;
	if (vsmmu_mem_read64(s->e.mem, CV_MSI, &msi) || msi)
		return 6;
	/* victim VINTF 1: HYP_OWN 0 | VMID 1 << 1 | EN = 0x3, its pair */
	if (cv_rd(&s->e, CV_VI_CONFIG(1)) != 0x3 ||
	    cv_rd(&s->e, CV_VI_SID_MATCH(1, 0)) != 0x21 ||
	    cv_rd(&s->e, CV_VI_SID_REPLACE(1, 0)) != 1)
		return 7;
	if (cv_rd(&s->e, CV_VI_SID_MATCH(2, 0)) != 0x41 ||
	    cv_rd(&s->e, CV_VI_SID_REPLACE(2, 0)) != 2)
		return 8;
	/* the victim's queue: no error ever */
	if (cv_rd(&s->e, CV_Q0(0) + CV_GERROR) ||
	    (cv_rd(&s->e, CV_Q0(0) + CV_CONS) >> 24))
		return 9;
	return 0;
}

/* Run hostile queue q (VINTF 2 LVCMDQ lv) up to its PROD, recovering */
static int iso_drain(struct iso *s, unsigned int q, unsigned int lv)
{
	unsigned int guard;

	for (guard = 0; guard < 2 * ISO_MAX_BATCH + 2; guard++) {
		uint32_t cons = cv_rd(&s->e, CV_LQ0(2, lv) + CV_CONS);
		uint32_t ge = cv_rd(&s->e, CV_LQ0(2, lv) + CV_GERROR);
		uint32_t gn = cv_rd(&s->e, CV_LQ0(2, lv) + CV_GERRORN);

		if (!(ge ^ gn)) {
			if ((cons & 0x1ff) == s->prod[q])
				return 0;
			return 10; /* stuck without an error */
		}
		/* the error is the hostile queue's, and only its */
		if ((ge ^ gn) != 1 || !(cons >> 24) ||
		    cv_rd64(&s->e, CV_VI_LVERR(2, 0)) != (1ULL << lv) ||
		    cv_rd(&s->e, CV_VINTF_ERR_MAP) != 0x4 ||
		    cv_rd(&s->e, CV_CMDQ_ERR_MAP(0)) != (1U << q) ||
		    cv_rd64(&s->e, CV_VI_LVERR(1, 0)) != 0)
			return 11;
		s->errors++;
		/* Linux's recovery: a CMD_SYNC over the failing command */
		if (cv_put(&s->e, q, cons & 0xff, CV_SYNC, 0) ||
		    cv_wr(&s->e, CV_LQ0(2, lv) + CV_GERRORN, ge))
			return 12;
	}
	return 13;
}

/* The victim's own CMD_SYNC completes, whatever the hostile did */
static int iso_victim_sync(struct iso *s)
{
	if (cv_put(&s->e, 0, s->prod[0], CV_SYNC, 0))
		return 20;
	s->prod[0] = (s->prod[0] + 1) & 0x1ff;
	if (cv_wr(&s->e, CV_LQ0(1, 0) + CV_PROD, s->prod[0]))
		return 21;
	return cv_rd(&s->e, CV_LQ0(1, 0) + CV_CONS) == s->prod[0] ? 0 : 22;
}

TEST(cmdqv_isolation_hostile_guest)
{
	struct iso s = { 0 };
	uint64_t r = vt_seed();
	unsigned int b, i, bad = 0;

	ASSERT_EQ(cv_env_init(&s.e, VSMMU_EXEC_SYNC), 0);
	ASSERT_EQ(vsmmu_atc_create(s.e.smmu, 1, 16, &s.atc_victim), 0);
	ASSERT_EQ(vsmmu_atc_create(s.e.smmu, 3, 16, &s.atc_host), 0);
	ASSERT_EQ(vsmmu_atc_create(s.e.smmu, 2, 16, &s.atc_hostile), 0);
	ASSERT_EQ(cv_wr(&s.e, CV_CONFIG, 1), 0);
	ASSERT_EQ(cv_vintf(&s.e, 1, false, 1), 0);
	ASSERT_EQ(cv_vintf(&s.e, 2, false, 2), 0);
	/* vSID 0x10 -> pSID 1: match 0x10 << 1 | 1 = 0x21; vSID 0x20 ->
	 * pSID 2: 0x41 */
	ASSERT_EQ(cv_wr(&s.e, CV_VI_SID_MATCH(1, 0), 0x21), 0);
	ASSERT_EQ(cv_wr(&s.e, CV_VI_SID_REPLACE(1, 0), 1), 0);
	ASSERT_EQ(cv_wr(&s.e, CV_VI_SID_MATCH(2, 0), 0x41), 0);
	ASSERT_EQ(cv_wr(&s.e, CV_VI_SID_REPLACE(2, 0), 2), 0);
	ASSERT_EQ(cv_queue(&s.e, 0, 1, 0), 0); /* victim */
	ASSERT_EQ(cv_queue(&s.e, 1, 2, 0), 0); /* hostile LVCMDQ 0 */
	ASSERT_EQ(cv_queue(&s.e, 2, 2, 1), 0); /* hostile LVCMDQ 1 */
	/* cache the victim's, the host's and the hostile's translations */
	ASSERT_EQ(cv_hit(&s.e, 1, 0x1000, NULL), 0);
	ASSERT_EQ(cv_hit(&s.e, 1, 0x2000, NULL), 0);
	ASSERT_EQ(cv_hit(&s.e, 3, 0x1000, NULL), 0);
	ASSERT_EQ(iso_check_others(&s), 0);

	for (b = 0; b < ISO_BATCHES && !bad; b++) {
		unsigned int lv = vt_rand(&r) & 1, q = 1 + lv;
		unsigned int n = 1 + vt_rand(&r) % ISO_MAX_BATCH;
		uint64_t x = vt_rand(&r);

		/* the hostile guest's register attempts, as a guest */
		if (x & 1)
			cv_gwr(&s.e, CV_VI_CONFIG(2), (uint32_t)(x >> 8) | 1);
		if (x & 2)
			cv_gwr(&s.e, CV_VI_SID_MATCH(2, (x >> 40) % 16),
			       (uint32_t)(x >> 8));
		if (x & 4)
			cv_gwr(&s.e, CV_VI_SID_REPLACE(2, (x >> 44) % 16),
			       (uint32_t)(x >> 12));
		vsmmu_atc_set_responsive(s.atc_hostile, !(x & 8));
		cv_hit(&s.e, 2, 0x1000, NULL); /* its own device's DMA */
		for (i = 0; i < n; i++) {
			uint64_t cmd[2];

			random_cmd(&r, cmd);
			ASSERT_EQ(cv_put(&s.e, q, s.prod[q] + i, cmd[0],
					 cmd[1]),
				  0);
		}
		s.commands += n;
		s.prod[q] = (s.prod[q] + n) & 0x1ff;
		ASSERT_EQ(cv_wr(&s.e, CV_LQ0(2, lv) + CV_PROD, s.prod[q]), 0);
		bad = iso_drain(&s, q, lv);
		if (!bad)
			bad = iso_victim_sync(&s);
		if (!bad)
			bad = iso_check_others(&s);
		if (bad)
			printf("# batch %u (%u commands on VCMDQ %u): "
			       "check %u failed\n",
			       b, n, q, bad);
	}
	printf("# random stream: %" PRIu64 " commands in %u batches, "
	       "%" PRIu64 " errors%s\n",
	       s.commands, b, s.errors,
	       bad ? "" : ", all on the hostile guest's queues");
	ASSERT_EQ(bad, 0);
	/* the stream did exercise both outcomes */
	ASSERT_TRUE(s.errors > 0);
	ASSERT_TRUE(s.errors < s.commands);
	vsmmu_atc_destroy(s.atc_victim);
	vsmmu_atc_destroy(s.atc_host);
	vsmmu_atc_destroy(s.atc_hostile);
	cv_env_fini(&s.e);
}
