// SPDX-License-Identifier: MIT
/*
 * FAULT and VEVENTQ queues with real file descriptors, and the service
 * thread that keeps them moving.
 *
 * The design (docs/iommufd.md, "Event queues"):
 *
 *  - A VEVENTQ's fd is the read end of a pipe in packet mode
 *    (pipe2(O_DIRECT)): every record (struct iommufd_vevent_header and
 *    its payload) is one packet, so each read(2) returns one whole record
 *    (Linux's read returns as many whole records as fit), and poll(2)
 *    says POLLIN when one is there.  The queue holds at most
 *    @veventq_depth unread events: those still in the pipe (counted from
 *    FIONREAD and the sizes written, reads consume whole packets) plus a
 *    backlog of those that did not fit in the pipe yet.  An event that
 *    finds the queue full is lost: it takes a sequence number, and the
 *    first loss after an event that got through queues a header with
 *    IOMMU_VEVENTQ_FLAG_LOST_EVENTS and no payload (Linux moves that
 *    header to the tail on every loss; a header already in the pipe
 *    cannot be moved, so here the gap in sequence numbers tells the
 *    rest).
 *  - A FAULT's fd is one end of a SOCK_SEQPACKET socketpair: each fault
 *    group is one message of struct iommu_hwpt_pgfault records (a stall
 *    makes a group of one, with LAST_PAGE; a PRI group is its requests,
 *    gathered until the Last one), its cookie given when it is
 *    delivered; the caller writes struct iommu_hwpt_page_response
 *    records to it, which the service thread (or vsmmu_iommufd_process())
 *    reads and answers to the device: CMD_RESUME with Retry for SUCCESS,
 *    Abort for INVALID; for a PRI group CMD_PRI_RESP, Success or
 *    InvalidRequest.  A response with an unknown cookie or code is
 *    dropped (Linux's write(2) returns -EINVAL).  Groups not answered
 *    when the device leaves the page table, or the queue is destroyed,
 *    are answered INVALID.
 *  - Both fds are non-blocking: an empty queue reads -EAGAIN (Linux
 *    returns 0).  While the caller holds the fd open the object cannot
 *    be destroyed (-EBUSY), as the open file holds it in Linux; closing
 *    the context makes them read end-of-file.
 *  - The service thread polls the FAULT sockets and the pipes with a
 *    backlog, and an eventfd that wakes it when the set changes.  It holds
 *    a reference on each queue's core (struct ifd_evq), not on the
 *    object, so a destroy never waits for it: the object lets go of the
 *    core, and the core (and its fds) is freed by whoever drops the last
 *    reference.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <vsmmu/arch.h>
#include <vsmmu/bits.h>

#include "iommufd/ifd.h"

/* A record waiting to go into the fd (a vEVENT, or a fault group). */
struct ifd_rec {
	struct ifd_rec *next;
	bool normal; /* an event (not a LOST_EVENTS header) */
	/* FAULT: the group, until delivered */
	struct ifd_device *dev;
	int32_t via; /* the attachment it came through (ifd_route_fault) */
	uint32_t dev_id, sid, stag;
	unsigned int host;
	uint32_t cookie;
	/* A page request group (not a stall): its PRI_RESP's fields */
	bool pri, ssv;
	uint32_t ssid;
	size_t len;
	unsigned char *big; /* a group of more records than data holds */
	unsigned char data[48];
};

/* A page request before its group's Last, kept until the Last */
struct ifd_part {
	struct ifd_part *next;
	struct ifd_device *dev;
	int32_t via;
	uint32_t sid;
	struct iommu_hwpt_pgfault f;
};

/* Partial requests one FAULT queue keeps; more are dropped (the group
 * goes up without them: the device asks again for what it still needs) */
#define IFD_PARTS_MAX 256

static unsigned char *rec_data(struct ifd_rec *r)
{
	return r->big ? r->big : r->data;
}

static void rec_free(struct ifd_rec *r)
{
	free(r->big);
	free(r);
}

#define IFD_INFLIGHT 256

struct ifd_evq {
	struct ifd_evq *next; /* ctx->evqs */
	struct ifd_ctx *ctx;
	atomic_int refs;
	pthread_mutex_t lock;
	int fd; /* ours: the socket, or the pipe's write end */
	bool is_fault;
	bool dead; /* the object is gone */
	bool reader_gone;
	struct ifd_rec *head, *tail; /* backlog, oldest first */
	/* VEVENTQ */
	uint32_t depth, sequence;
	uint32_t backlog_events;
	bool lost_pending;
	uint16_t inflight[IFD_INFLIGHT]; /* sizes in the pipe; bit 15: event */
	unsigned int if_head, if_count;
	uint64_t inflight_bytes;
	uint32_t inflight_events;
	/* FAULT: groups delivered and not answered */
	struct ifd_rec *pending;
	uint32_t next_cookie;
	uint64_t bad_responses;
	/* FAULT: page requests waiting for their group's Last */
	struct ifd_part *parts;
	unsigned int nparts;
	uint64_t parts_dropped;
};

struct ifd_fault {
	struct ifd_obj obj;
	struct ifd_evq *q;
};

struct ifd_veventq {
	struct ifd_obj obj;
	struct ifd_evq *q;
	struct ifd_viommu *viommu;
	uint32_t type;
	struct ifd_veventq *next; /* the vIOMMU's list */
};

/* --- Cores ------------------------------------------------------------------ */

static void evq_put(struct ifd_evq *q)
{
	struct ifd_rec *r;

	if (atomic_fetch_sub(&q->refs, 1) != 1)
		return;
	while ((r = q->head)) {
		q->head = r->next;
		rec_free(r);
	}
	while ((r = q->pending)) {
		q->pending = r->next;
		rec_free(r);
	}
	while (q->parts) {
		struct ifd_part *p = q->parts;

		q->parts = p->next;
		free(p);
	}
	if (q->fd >= 0)
		close(q->fd);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

static struct ifd_evq *evq_new(struct ifd_ctx *ctx, bool is_fault)
{
	struct ifd_evq *q = ifd_zalloc(ctx, sizeof(*q));

	if (!q)
		return NULL;
	q->ctx = ctx;
	q->fd = -1;
	q->is_fault = is_fault;
	q->next_cookie = 1;
	atomic_init(&q->refs, 1);
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

/* Publish @q to the service thread. */
static void evq_publish(struct ifd_evq *q)
{
	struct ifd_ctx *ctx = q->ctx;

	pthread_mutex_lock(&ctx->evq_lock);
	q->next = ctx->evqs;
	ctx->evqs = q;
	pthread_mutex_unlock(&ctx->evq_lock);
	ifd_evq_wake(ctx);
}

/* The object lets go of its core. */
static void evq_retire(struct ifd_evq *q)
{
	struct ifd_ctx *ctx = q->ctx;
	struct ifd_evq **pp;

	pthread_mutex_lock(&ctx->evq_lock);
	for (pp = &ctx->evqs; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	pthread_mutex_unlock(&ctx->evq_lock);
	pthread_mutex_lock(&q->lock);
	q->dead = true;
	pthread_mutex_unlock(&q->lock);
	ifd_evq_wake(ctx);
	evq_put(q);
}

/* Does the caller still hold the other end of @q's fd open? */
static bool evq_reader_open(struct ifd_evq *q)
{
	struct pollfd p = { .fd = q->fd, .events = q->is_fault ? POLLIN : 0 };

	if (q->reader_gone)
		return false;
	if (poll(&p, 1, 0) < 0)
		return true;
	return !(p.revents & (POLLERR | POLLHUP));
}

/*
 * write(2) to a pipe whose reader is gone raises SIGPIPE; block it for
 * the call and take a SIGPIPE that call raised.
 */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len)
{
	sigset_t set, old, pending;
	bool was_pending;
	ssize_t n;
	int err;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	n = write(fd, buf, len);
	err = errno;
	if (n < 0 && err == EPIPE && !was_pending) {
		struct timespec zero = { 0, 0 };

		sigtimedwait(&set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return n;
}

/* VEVENTQ: forget the records the reader has consumed. */
static void evq_reconcile(struct ifd_evq *q)
{
	int bytes = 0;

	if (ioctl(q->fd, FIONREAD, &bytes) < 0)
		bytes = 0;
	while (q->if_count && q->inflight_bytes > (uint64_t)bytes) {
		uint16_t v = q->inflight[q->if_head];

		q->inflight_bytes -= v & 0x7fff;
		if (v & 0x8000)
			q->inflight_events--;
		q->if_head = (q->if_head + 1) % IFD_INFLIGHT;
		q->if_count--;
	}
}

/* FAULT: compose the delivered group's message. */
static void fault_compose(struct ifd_evq *q, struct ifd_rec *r)
{
	struct iommu_hwpt_pgfault f;
	size_t i;

	/* A cookie unused by any pending group (Linux: xa_alloc from 1) */
	for (;;) {
		struct ifd_rec *p;

		if (!q->next_cookie)
			q->next_cookie = 1;
		for (p = q->pending; p && p->cookie != q->next_cookie;
		     p = p->next)
			;
		if (!p)
			break;
		q->next_cookie++;
	}
	r->cookie = q->next_cookie++;
	/* Every record of the group carries its cookie */
	for (i = 0; i + sizeof(f) <= r->len; i += sizeof(f)) {
		memcpy(&f, rec_data(r) + i, sizeof(f));
		f.cookie = r->cookie;
		memcpy(rec_data(r) + i, &f, sizeof(f));
	}
}

/* Move backlog records into the fd while it takes them (q->lock held). */
static int evq_pump(struct ifd_evq *q)
{
	int moved = 0;

	if (!q->is_fault)
		evq_reconcile(q);
	while (q->head && !q->reader_gone) {
		struct ifd_rec *r = q->head;
		ssize_t n;

		if (!q->is_fault && q->if_count == IFD_INFLIGHT)
			break;
		if (q->is_fault) {
			fault_compose(q, r);
			n = send(q->fd, rec_data(r), r->len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		} else {
			n = write_nosigpipe(q->fd, r->data, r->len);
		}
		if (n < 0) {
			if (errno == EPIPE || errno == ECONNRESET)
				q->reader_gone = true;
			break;
		}
		q->head = r->next;
		if (!q->head)
			q->tail = NULL;
		if (q->is_fault) {
			r->next = q->pending;
			q->pending = r;
		} else {
			unsigned int slot =
				(q->if_head + q->if_count) % IFD_INFLIGHT;

			q->inflight[slot] =
				(uint16_t)(r->len | (r->normal ? 0x8000 : 0));
			q->if_count++;
			q->inflight_bytes += r->len;
			if (r->normal) {
				q->backlog_events--;
				q->inflight_events++;
			}
			rec_free(r);
		}
		moved++;
	}
	if (q->reader_gone && !q->is_fault) {
		/* Nobody will read them */
		while (q->head) {
			struct ifd_rec *r = q->head;

			q->head = r->next;
			rec_free(r);
		}
		q->tail = NULL;
		q->backlog_events = 0;
	}
	return moved;
}

static void evq_append(struct ifd_evq *q, struct ifd_rec *r)
{
	r->next = NULL;
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
}

/* --- VEVENTQ ---------------------------------------------------------------- */

int ifd_veventq_report(struct ifd_viommu *viommu, unsigned int type,
		       const void *data, size_t len)
{
	struct ifd_veventq *vq;
	struct ifd_evq *q = NULL;
	struct iommufd_vevent_header h = { 0 };
	struct ifd_rec *r;
	bool wake;

	if (!len || len > sizeof(r->data) - sizeof(h))
		return -EINVAL;
	pthread_mutex_lock(&viommu->lock);
	for (vq = viommu->veventqs; vq; vq = vq->next)
		if (vq->type == type)
			break;
	if (vq) {
		q = vq->q;
		atomic_fetch_add(&q->refs, 1);
	}
	pthread_mutex_unlock(&viommu->lock);
	if (!q)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&q->lock);
	evq_reconcile(q);
	r = NULL;
	if (q->backlog_events + q->inflight_events < q->depth)
		r = ifd_zalloc(q->ctx, sizeof(*r));
	if (r) {
		h.sequence = q->sequence;
		memcpy(r->data, &h, sizeof(h));
		memcpy(r->data + sizeof(h), data, len);
		r->len = sizeof(h) + len;
		r->normal = true;
		q->backlog_events++;
		q->lost_pending = false;
		evq_append(q, r);
	} else if (!q->lost_pending) {
		/* Full (or no memory): the event is lost */
		r = calloc(1, sizeof(*r));
		if (r) {
			h.flags = IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
			h.sequence = q->sequence;
			memcpy(r->data, &h, sizeof(h));
			r->len = sizeof(h);
			evq_append(q, r);
			q->lost_pending = true;
		}
	}
	q->sequence = (q->sequence + 1) & 0x7fffffff;
	evq_pump(q);
	wake = q->head != NULL;
	pthread_mutex_unlock(&q->lock);
	if (wake)
		ifd_evq_wake(q->ctx);
	evq_put(q);
	return 0;
}

int ifd_cmd_veventq_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_veventq_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_veventq *vq, *cur;
	struct ifd_viommu *viommu;
	int fds[2], rc;

	if (cmd->flags || cmd->__reserved ||
	    cmd->type == IOMMU_VEVENTQ_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->veventq_depth)
		return -EINVAL;
	viommu = (struct ifd_viommu *)ifd_obj_get(ctx, cmd->viommu_id,
						  IFD_VIOMMU);
	if (!viommu)
		return -ENOENT;
	pthread_mutex_lock(&viommu->lock);
	for (cur = viommu->veventqs; cur; cur = cur->next) {
		if (cur->type == cmd->type) {
			rc = -EEXIST;
			goto out_unlock;
		}
	}
	rc = -ENOMEM;
	vq = (struct ifd_veventq *)ifd_obj_alloc(ctx, sizeof(*vq), IFD_VEVENTQ);
	if (!vq)
		goto out_unlock;
	vq->q = evq_new(ctx, false);
	if (!vq->q)
		goto out_abort;
	vq->q->depth = cmd->veventq_depth;
	if (ifd_should_fail(ctx))
		goto out_put_q;
	if (pipe2(fds, O_DIRECT | O_CLOEXEC | O_NONBLOCK)) {
		rc = -errno;
		goto out_put_q;
	}
	vq->q->fd = fds[1];
	vq->type = cmd->type;
	vq->viommu = viommu;
	cmd->out_veventq_id = vq->obj.id;
	cmd->out_veventq_fd = (uint32_t)fds[0];
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_close;
	ifd_obj_hold(&viommu->obj);
	vq->next = viommu->veventqs;
	viommu->veventqs = vq;
	evq_publish(vq->q);
	ifd_obj_finalize(&vq->obj);
	pthread_mutex_unlock(&viommu->lock);
	ifd_obj_put(&viommu->obj);
	return 0;
out_close:
	close(fds[0]);
out_put_q:
	evq_put(vq->q);
out_abort:
	ifd_obj_abort(&vq->obj);
out_unlock:
	pthread_mutex_unlock(&viommu->lock);
	ifd_obj_put(&viommu->obj);
	return rc;
}

bool ifd_veventq_busy(struct ifd_obj *obj)
{
	struct ifd_veventq *vq = (struct ifd_veventq *)obj;
	bool open;

	pthread_mutex_lock(&vq->q->lock);
	open = evq_reader_open(vq->q);
	pthread_mutex_unlock(&vq->q->lock);
	return open;
}

void ifd_veventq_destroy(struct ifd_obj *obj)
{
	struct ifd_veventq *vq = (struct ifd_veventq *)obj, **pp;
	struct ifd_viommu *viommu = vq->viommu;

	pthread_mutex_lock(&viommu->lock);
	for (pp = &viommu->veventqs; *pp; pp = &(*pp)->next) {
		if (*pp == vq) {
			*pp = vq->next;
			break;
		}
	}
	pthread_mutex_unlock(&viommu->lock);
	evq_retire(vq->q);
	ifd_obj_put(&viommu->obj);
}

/* --- FAULT ------------------------------------------------------------------ */

/* Answer a stalled transaction (CMD_RESUME), as arm_smmu_page_response(). */
static void resume(struct ifd_ctx *ctx, unsigned int host, uint32_t sid,
		   uint32_t stag, bool retry)
{
	struct vsmmu_drv_cmd c = {
		.opcode = CMDQ_OP_RESUME,
		.sid = sid,
		.stag = (uint16_t)stag,
		.resp = retry ? CMDQ_RESUME_0_RESP_RETRY :
				CMDQ_RESUME_0_RESP_ABORT,
	};
	uint64_t cmd[1][2];

	if (host >= ctx->nhosts || vsmmu_drv_cmd_build(&c, cmd[0]))
		return;
	/* No CMD_SYNC: it adds nothing for RESUME (as Linux) */
	vsmmu_drv_cmdq_issue(ctx->hosts[host].drv, (const uint64_t(*)[2])cmd, 1,
			     false);
}

int ifd_fault_report_stall(struct ifd_fault *fault, struct ifd_device *dev,
			   const uint64_t evt[4], int32_t via)
{
	struct ifd_evq *q = fault->q;
	struct iommu_hwpt_pgfault f = { 0 };
	struct ifd_rec *r;
	bool wake;

	r = ifd_zalloc(q->ctx, sizeof(*r));
	if (!r)
		return -ENOMEM;
	/* arm_smmu_handle_event(): a stall is a page request of one */
	f.flags = IOMMU_PGFAULT_FLAGS_LAST_PAGE;
	if (evt[0] & EVTQ_0_SSV) {
		f.flags |= IOMMU_PGFAULT_FLAGS_PASID_VALID;
		f.pasid = (uint32_t)VS_FIELD_GET(EVTQ_0_SSID, evt[0]);
	}
	f.perm = (evt[1] & EVTQ_1_RnW) ? IOMMU_PGFAULT_PERM_READ :
					 IOMMU_PGFAULT_PERM_WRITE;
	if (evt[1] & EVTQ_1_InD)
		f.perm |= IOMMU_PGFAULT_PERM_EXEC;
	if (evt[1] & EVTQ_1_PnU)
		f.perm |= IOMMU_PGFAULT_PERM_PRIV;
	f.grpid = (uint32_t)VS_FIELD_GET(EVTQ_1_STAG, evt[1]);
	f.addr = evt[2];
	f.dev_id = dev->obj.id;
	memcpy(r->data, &f, sizeof(f));
	r->len = sizeof(f);
	r->dev = dev;
	r->via = via;
	r->dev_id = dev->obj.id;
	r->host = dev->host->index;
	r->sid = (uint32_t)VS_FIELD_GET(EVTQ_0_SID, evt[0]);
	r->stag = f.grpid;
	pthread_mutex_lock(&q->lock);
	evq_append(q, r);
	evq_pump(q);
	wake = q->head != NULL;
	pthread_mutex_unlock(&q->lock);
	if (wake)
		ifd_evq_wake(q->ctx);
	return 0;
}

#define IFD_VIA_ANY (-2)

/* Take the groups of @dev (NULL: all) that came through @via (or
 * IFD_VIA_ANY) out of @q, to answer them. */
static struct ifd_rec *take_groups(struct ifd_evq *q, struct ifd_device *dev,
				   int32_t via)
{
	struct ifd_rec *out = NULL, **pp, *r;
	struct ifd_part **ppp;
	int list;

	for (list = 0; list < 2; list++) {
		pp = list ? &q->pending : &q->head;
		while ((r = *pp)) {
			if ((dev && r->dev != dev) ||
			    (via != IFD_VIA_ANY && r->via != via)) {
				pp = &r->next;
				continue;
			}
			*pp = r->next;
			r->next = out;
			out = r;
		}
	}
	for (q->tail = q->head; q->tail && q->tail->next;
	     q->tail = q->tail->next)
		;
	/* Requests still waiting for their Last: nobody to answer them */
	for (ppp = &q->parts; *ppp;) {
		struct ifd_part *p = *ppp;

		if ((dev && p->dev != dev) ||
		    (via != IFD_VIA_ANY && p->via != via)) {
			ppp = &p->next;
			continue;
		}
		*ppp = p->next;
		q->nparts--;
		free(p);
	}
	return out;
}

static void answer_all(struct ifd_ctx *ctx, struct ifd_rec *list, bool retry)
{
	while (list) {
		struct ifd_rec *r = list;

		list = r->next;
		/* A page request group: CMD_PRI_RESP (arm_smmu_page_response:
		 * SUCCESS -> Success, INVALID -> InvalidRequest); a stall:
		 * CMD_RESUME */
		if (r->pri && r->host < ctx->nhosts)
			vsmmu_drv_pri_respond(ctx->hosts[r->host].drv, r->sid,
					      r->ssv, r->ssid, r->stag, retry);
		else if (!r->pri)
			resume(ctx, r->host, r->sid, r->stag, retry);
		rec_free(r);
	}
}

/*
 * A page request of a device whose HWPT (or PASID's HWPT) has a FAULT
 * queue, as Linux's iopf layer gathers them (iommu_report_device_fault):
 * requests before the Last wait in the queue; the Last one takes every
 * waiting request of its device, StreamID and group index, and the group
 * goes to the fd as one message.  Returns 0, or -ENOMEM (nothing taken).
 */
int ifd_fault_report_ppr(struct ifd_fault *fault, struct ifd_device *dev,
			 unsigned int host, const struct vsmmu_drv_ppr *req,
			 int32_t via)
{
	struct ifd_evq *q = fault->q;
	struct iommu_hwpt_pgfault f = { 0 };
	struct ifd_part *p, **pp;
	struct ifd_rec *r;
	size_t n = 1, i;
	bool wake;

	f.flags = req->last ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0;
	if (req->ssv) {
		f.flags |= IOMMU_PGFAULT_FLAGS_PASID_VALID;
		f.pasid = req->ssid;
	}
	f.perm =
		((req->perm & VSMMU_PRI_READ) ? IOMMU_PGFAULT_PERM_READ : 0) |
		((req->perm & VSMMU_PRI_WRITE) ? IOMMU_PGFAULT_PERM_WRITE : 0) |
		((req->perm & VSMMU_PRI_EXEC) ? IOMMU_PGFAULT_PERM_EXEC : 0) |
		((req->perm & VSMMU_PRI_PRIV) ? IOMMU_PGFAULT_PERM_PRIV : 0);
	f.grpid = req->prgi;
	f.addr = req->addr;
	f.dev_id = dev->obj.id;
	pthread_mutex_lock(&q->lock);
	if (!req->last) {
		if (q->nparts >= IFD_PARTS_MAX) {
			q->parts_dropped++;
			pthread_mutex_unlock(&q->lock);
			return 0; /* taken, and dropped: see IFD_PARTS_MAX */
		}
		p = ifd_zalloc(q->ctx, sizeof(*p));
		if (!p) {
			pthread_mutex_unlock(&q->lock);
			return -ENOMEM;
		}
		p->dev = dev;
		p->via = via;
		p->sid = req->sid;
		p->f = f;
		p->next = q->parts;
		q->parts = p;
		q->nparts++;
		pthread_mutex_unlock(&q->lock);
		return 0;
	}
	for (p = q->parts; p; p = p->next)
		if (p->dev == dev && p->sid == req->sid &&
		    p->f.grpid == req->prgi)
			n++;
	r = ifd_zalloc(q->ctx, sizeof(*r));
	if (r && n * sizeof(f) > sizeof(r->data)) {
		r->big = ifd_zalloc(q->ctx, n * sizeof(f));
		if (!r->big) {
			free(r);
			r = NULL;
		}
	}
	if (!r) {
		pthread_mutex_unlock(&q->lock);
		return -ENOMEM;
	}
	/* The partial requests, oldest first, then the Last */
	i = n - 1;
	for (pp = &q->parts; (p = *pp);) {
		if (p->dev != dev || p->sid != req->sid ||
		    p->f.grpid != req->prgi) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		q->nparts--;
		memcpy(rec_data(r) + --i * sizeof(f), &p->f, sizeof(f));
		free(p);
	}
	memcpy(rec_data(r) + (n - 1) * sizeof(f), &f, sizeof(f));
	r->len = n * sizeof(f);
	r->dev = dev;
	r->via = via;
	r->dev_id = dev->obj.id;
	r->host = host;
	r->sid = req->sid;
	r->stag = req->prgi;
	r->pri = true;
	r->ssv = req->ssv;
	r->ssid = req->ssid;
	evq_append(q, r);
	evq_pump(q);
	wake = q->head != NULL;
	pthread_mutex_unlock(&q->lock);
	if (wake)
		ifd_evq_wake(q->ctx);
	return 0;
}

void ifd_fault_auto_respond(struct ifd_fault *fault, struct ifd_device *dev,
			    int32_t via)
{
	struct ifd_rec *list;

	pthread_mutex_lock(&fault->q->lock);
	list = take_groups(fault->q, dev, via);
	pthread_mutex_unlock(&fault->q->lock);
	answer_all(fault->obj.ctx, list, false);
}

/* Read the caller's responses; answer them.  Return how many. */
static int fault_responses(struct ifd_evq *q)
{
	struct iommu_hwpt_page_response resp[64];
	struct ifd_rec *ok = NULL, *bad = NULL;
	int count = 0;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		ssize_t n = recv(q->fd, resp, sizeof(resp), MSG_DONTWAIT);
		size_t i;

		if (n <= 0) {
			if (n == 0)
				q->reader_gone = true;
			break;
		}
		if (n % sizeof(resp[0])) {
			q->bad_responses++;
			continue;
		}
		for (i = 0; i < (size_t)n / sizeof(resp[0]); i++) {
			struct ifd_rec **pp, *r;

			if (resp[i].code != IOMMUFD_PAGE_RESP_SUCCESS &&
			    resp[i].code != IOMMUFD_PAGE_RESP_INVALID) {
				q->bad_responses++;
				continue;
			}
			for (pp = &q->pending; (r = *pp); pp = &r->next)
				if (r->cookie == resp[i].cookie)
					break;
			if (!r) {
				q->bad_responses++;
				continue;
			}
			*pp = r->next;
			if (resp[i].code == IOMMUFD_PAGE_RESP_SUCCESS) {
				r->next = ok;
				ok = r;
			} else {
				r->next = bad;
				bad = r;
			}
			count++;
		}
	}
	evq_pump(q);
	pthread_mutex_unlock(&q->lock);
	answer_all(q->ctx, ok, true);
	answer_all(q->ctx, bad, false);
	return count;
}

int ifd_cmd_fault_queue_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_fault *f;
	int sv[2], rc = -ENOMEM;

	if (cmd->flags)
		return -EOPNOTSUPP;
	f = (struct ifd_fault *)ifd_obj_alloc(ctx, sizeof(*f), IFD_FAULT);
	if (!f)
		return -ENOMEM;
	f->q = evq_new(ctx, true);
	if (!f->q)
		goto out_abort;
	if (ifd_should_fail(ctx))
		goto out_put_q;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		rc = -errno;
		goto out_put_q;
	}
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	f->q->fd = sv[1];
	cmd->out_fault_id = f->obj.id;
	cmd->out_fault_fd = (uint32_t)sv[0];
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_close;
	evq_publish(f->q);
	ifd_obj_finalize(&f->obj);
	return 0;
out_close:
	close(sv[0]);
out_put_q:
	evq_put(f->q);
out_abort:
	ifd_obj_abort(&f->obj);
	return rc;
}

bool ifd_fault_busy(struct ifd_obj *obj)
{
	struct ifd_fault *f = (struct ifd_fault *)obj;
	bool open;

	pthread_mutex_lock(&f->q->lock);
	open = evq_reader_open(f->q);
	pthread_mutex_unlock(&f->q->lock);
	return open;
}

void ifd_fault_destroy(struct ifd_obj *obj)
{
	struct ifd_fault *f = (struct ifd_fault *)obj;
	struct ifd_rec *list;

	pthread_mutex_lock(&f->q->lock);
	list = take_groups(f->q, NULL, IFD_VIA_ANY);
	pthread_mutex_unlock(&f->q->lock);
	answer_all(obj->ctx, list, false);
	evq_retire(f->q);
}

/* --- Routing host events ------------------------------------------------------ */

/* The records Linux forwards to a vIOMMU (arm_smmu_handle_event()). */
static bool forwarded_id(unsigned int id)
{
	switch (id) {
	case EVT_ID_BAD_STE:
	case EVT_ID_STREAM_DISABLED:
	case EVT_ID_BAD_SUBSTREAMID:
	case EVT_ID_BAD_CD:
	case EVT_ID_TRANSLATION:
	case EVT_ID_ADDR_SIZE:
	case EVT_ID_ACCESS:
	case EVT_ID_PERMISSION:
		return true;
	}
	return false;
}

/* The route of (@host, @sid); ctx->route_lock held.  NULL: not ours. */
static struct ifd_route *route_find(struct ifd_ctx *ctx, unsigned int host,
				    uint32_t sid)
{
	size_t lo = 0, hi = ctx->nroutes;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct ifd_route *r = &ctx->routes[mid];

		if (r->host < host || (r->host == host && r->sid < sid))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ctx->nroutes && ctx->routes[lo].host == host &&
	    ctx->routes[lo].sid == sid)
		return &ctx->routes[lo];
	return NULL;
}

bool vsmmu_iommufd_host_event(struct vsmmu_iommufd_ctx *uctx, unsigned int host,
			      const struct vsmmu_drv_event *evt)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct iommu_vevent_arm_smmuv3 v;
	const uint64_t *raw;
	struct ifd_route *rt;
	bool consumed = false;

	if (!ctx || !evt || host >= ctx->nhosts)
		return false;
	raw = evt->raw;
	/*
	 * A stall went to vsmmu_iommufd_host_stall() first: here it has been
	 * answered already, and is the host's to log (arm_smmu_handle_event()
	 * never hands a stall to a vIOMMU)
	 */
	if (!forwarded_id(evt->id) || (raw[1] & EVTQ_1_STALL))
		return false;
	pthread_rwlock_rdlock(&ctx->route_lock);
	rt = route_find(ctx, host, (uint32_t)VS_FIELD_GET(EVTQ_0_SID, raw[0]));
	/* A stage-2 fault is the host's, never the guest's */
	if (rt && rt->viommu && !(raw[1] & EVTQ_1_S2)) {
		v.evt[0] = (raw[0] & ~EVTQ_0_SID) |
			   VS_FIELD_PREP(EVTQ_0_SID, rt->vsid);
		v.evt[1] = raw[1];
		v.evt[2] = raw[2];
		v.evt[3] = raw[3];
		consumed = !ifd_veventq_report(rt->viommu,
					       IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
					       &v, sizeof(v));
	}
	pthread_rwlock_unlock(&ctx->route_lock);
	return consumed;
}

bool vsmmu_iommufd_host_ppr(struct vsmmu_iommufd_ctx *uctx, unsigned int host,
			    const struct vsmmu_drv_ppr *req)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_route *rt;
	bool taken = false;

	if (!ctx || !req || host >= ctx->nhosts ||
	    (req->ssv && req->ssid >> 20))
		return false;
	/* A Stop PASID marker needs no answer: nothing to report */
	if (req->ssv && req->last &&
	    !(req->perm & (VSMMU_PRI_READ | VSMMU_PRI_WRITE)))
		return false;
	pthread_rwlock_rdlock(&ctx->route_lock);
	rt = route_find(ctx, host, req->sid);
	if (rt) {
		int32_t via;
		struct ifd_fault *f =
			ifd_route_fault(rt, req->ssv, req->ssid, &via);

		if (f)
			taken = !ifd_fault_report_ppr(f, rt->dev, host, req,
						      via);
	}
	pthread_rwlock_unlock(&ctx->route_lock);
	return taken;
}

bool vsmmu_iommufd_host_stall(struct vsmmu_iommufd_ctx *uctx, unsigned int host,
			      const struct vsmmu_drv_event *evt)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_route *rt;
	bool taken = false;

	if (!ctx || !evt || host >= ctx->nhosts ||
	    !(evt->raw[1] & EVTQ_1_STALL) || evt->id < EVT_ID_TRANSLATION ||
	    !forwarded_id(evt->id))
		return false;
	pthread_rwlock_rdlock(&ctx->route_lock);
	rt = route_find(ctx, host,
			(uint32_t)VS_FIELD_GET(EVTQ_0_SID, evt->raw[0]));
	/* To the IOPF path: the page table's FAULT queue, if it has one --
	 * the PASID's own HWPT's for a PASID attached separately */
	if (rt) {
		int32_t via;
		struct ifd_fault *f = ifd_route_fault(
			rt, evt->raw[0] & EVTQ_0_SSV,
			(uint32_t)VS_FIELD_GET(EVTQ_0_SSID, evt->raw[0]), &via);

		if (f)
			taken = !ifd_fault_report_stall(f, rt->dev, evt->raw,
							via);
	}
	pthread_rwlock_unlock(&ctx->route_lock);
	return taken;
}

/* --- The service thread -------------------------------------------------------- */

void ifd_evq_wake(struct ifd_ctx *ctx)
{
	uint64_t one = 1;

	if (ctx->wake_fd >= 0 && write(ctx->wake_fd, &one, sizeof(one)) < 0)
		(void)0; /* the counter is full: it is awake anyway */
}

/* Handle what is ready on @q; return the records and responses moved. */
static int evq_service(struct ifd_evq *q)
{
	int n;

	if (q->is_fault)
		return fault_responses(q);
	pthread_mutex_lock(&q->lock);
	n = q->dead ? 0 : evq_pump(q);
	pthread_mutex_unlock(&q->lock);
	return n;
}

/* The live cores, each with a reference. */
static size_t evq_snapshot(struct ifd_ctx *ctx, struct ifd_evq ***out)
{
	struct ifd_evq *q, **v;
	size_t n = 0, i = 0;

	pthread_mutex_lock(&ctx->evq_lock);
	for (q = ctx->evqs; q; q = q->next)
		n++;
	v = calloc(n ? n : 1, sizeof(*v));
	if (v) {
		for (q = ctx->evqs; q; q = q->next) {
			atomic_fetch_add(&q->refs, 1);
			v[i++] = q;
		}
	}
	pthread_mutex_unlock(&ctx->evq_lock);
	*out = v;
	return v ? i : 0;
}

int vsmmu_iommufd_process(struct vsmmu_iommufd_ctx *uctx)
{
	struct ifd_ctx *ctx = (struct ifd_ctx *)uctx;
	struct ifd_evq **v;
	size_t n, i;
	int count = 0;

	if (!ctx)
		return -EINVAL;
	n = evq_snapshot(ctx, &v);
	for (i = 0; i < n; i++) {
		count += evq_service(v[i]);
		evq_put(v[i]);
	}
	free(v);
	return count;
}

static void *service_thread(void *arg)
{
	struct ifd_ctx *ctx = arg;

	while (!atomic_load(&ctx->stop)) {
		struct pollfd *pf;
		struct ifd_evq **v;
		size_t n, i, np = 1;
		uint64_t cnt;

		n = evq_snapshot(ctx, &v);
		pf = calloc(n + 1, sizeof(*pf));
		if (!pf || !v) {
			struct timespec ms = { 0, 1000000 };

			for (i = 0; i < n; i++)
				evq_put(v[i]);
			free(v);
			free(pf);
			nanosleep(&ms, NULL);
			continue;
		}
		pf[0].fd = ctx->wake_fd;
		pf[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			short ev = 0;

			pthread_mutex_lock(&v[i]->lock);
			if (v[i]->is_fault && !v[i]->reader_gone)
				ev |= POLLIN;
			if (v[i]->head && !v[i]->reader_gone)
				ev |= POLLOUT;
			pthread_mutex_unlock(&v[i]->lock);
			pf[np].fd = ev ? v[i]->fd : -1;
			pf[np].events = ev;
			np++;
		}
		if (poll(pf, np, -1) > 0) {
			if (pf[0].revents & POLLIN &&
			    read(ctx->wake_fd, &cnt, sizeof(cnt)) < 0)
				(void)0;
			for (i = 0; i < n; i++)
				if (pf[i + 1].revents)
					evq_service(v[i]);
		}
		for (i = 0; i < n; i++)
			evq_put(v[i]);
		free(v);
		free(pf);
	}
	return NULL;
}

int ifd_evq_init_ctx(struct ifd_ctx *ctx, bool thread)
{
	int rc;

	ctx->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctx->wake_fd < 0)
		return -errno;
	if (!thread)
		return 0;
	atomic_store(&ctx->stop, false);
	rc = pthread_create(&ctx->thread, NULL, service_thread, ctx);
	if (rc) {
		close(ctx->wake_fd);
		ctx->wake_fd = -1;
		return -rc;
	}
	ctx->have_thread = true;
	return 0;
}

void ifd_evq_fini_ctx(struct ifd_ctx *ctx)
{
	if (ctx->have_thread) {
		atomic_store(&ctx->stop, true);
		ifd_evq_wake(ctx);
		pthread_join(ctx->thread, NULL);
		ctx->have_thread = false;
	}
	if (ctx->wake_fd >= 0)
		close(ctx->wake_fd);
	ctx->wake_fd = -1;
}
