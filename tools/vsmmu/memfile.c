// SPDX-License-Identifier: MIT
/*
 * --mem FILE[@ADDR]: see memfile.h.
 *
 * A gzip-compressed file is decompressed by the gzip program (Debian's
 * gzip is essential, so it is always there) into an unlinked temporary
 * file in $TMPDIR (default /var/tmp, usually disk, not memory), which is
 * then loaded like any other: mapped, so a large dump still costs memory
 * only for the pages read.  Formats the tool does not read are recognised
 * by their magic bytes and refused with the command that converts them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vsmmu/vsmmu.h>

#include "memfile.h"
#include "query.h"

enum memfile_kind memfile_sniff(const unsigned char *h, size_t len)
{
	if (len >= 4 && !memcmp(h, "\177ELF", 4))
		return MEMFILE_ELF;
	if (len >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return MEMFILE_GZIP;
	if (len >= 8 &&
	    (!memcmp(h, "KDUMP   ", 8) || !memcmp(h, "DISKDUMP", 8)))
		return MEMFILE_KDUMP;
	if (len >= 12 && !memcmp(h, "makedumpfile", 12))
		return MEMFILE_KDUMP_FLAT;
	if (len >= 6 && !memcmp(h, "\3757zXZ\0", 6))
		return MEMFILE_XZ;
	if (len >= 4 && !memcmp(h, "\x28\xb5\x2f\xfd", 4))
		return MEMFILE_ZSTD;
	if (len >= 3 && !memcmp(h, "BZh", 3))
		return MEMFILE_BZIP2;
	if (len >= 4 && !memcmp(h, "\x04\x22\x4d\x18", 4))
		return MEMFILE_LZ4;
	return MEMFILE_RAW;
}

static ssize_t read_head(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Decompress @path with `gzip -dc` into an unlinked temporary file.
 * Return its descriptor, or -errno after a message.
 */
static int gunzip(const char *path, const char *prog)
{
	const char *dir = getenv("TMPDIR");
	char tmpl[4096];
	pid_t pid;
	int fd, st;

	snprintf(tmpl, sizeof(tmpl), "%s/vsmmu-gunzip-XXXXXX",
		 dir && *dir ? dir : "/var/tmp");
	fd = mkstemp(tmpl);
	if (fd < 0) {
		int e = -errno;

		fprintf(stderr,
			"%s: %s: cannot make a temporary file %s to "
			"decompress into: %s (set TMPDIR)\n",
			prog, path, tmpl, vsmmu_strerror(e));
		return e;
	}
	unlink(tmpl);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(fd);
		fprintf(stderr, "%s: %s: fork: %s\n", prog, path,
			vsmmu_strerror(e));
		return e;
	}
	if (pid == 0) {
		if (dup2(fd, STDOUT_FILENO) < 0)
			_exit(126);
		execlp("gzip", "gzip", "-dc", "--", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		close(fd);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
			fprintf(stderr,
				"%s: %s is gzip-compressed and the gzip program "
				"is not installed: run 'zcat %s > %s.elf' "
				"elsewhere, or install gzip\n",
				prog, path, path, path);
		else
			fprintf(stderr,
				"%s: %s: 'gzip -dc' failed (exit %d): the file "
				"is damaged or truncated\n",
				prog, path,
				WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -EINVAL;
	}
	return fd;
}

static int refuse(const char *prog, const char *path, enum memfile_kind k)
{
	static const struct {
		const char *what, *tool;
	} z[] = {
		[MEMFILE_XZ] = { "xz", "xz -dc" },
		[MEMFILE_ZSTD] = { "zstd", "zstd -dc" },
		[MEMFILE_BZIP2] = { "bzip2", "bzip2 -dc" },
		[MEMFILE_LZ4] = { "lz4", "lz4 -dc" },
	};

	switch (k) {
	case MEMFILE_KDUMP:
		fprintf(stderr,
			"%s: %s is a makedumpfile kdump-compressed dump, which "
			"vsmmu does not read (its pages are compressed one by "
			"one); write the dump as an ELF core instead: in the "
			"capture kernel run 'makedumpfile -E -d 31 "
			"/proc/vmcore vmcore.elf' (kdump.conf: core_collector "
			"makedumpfile -E -d 31), or on the host 'virsh dump "
			"--memory-only --format elf' / QEMU's "
			"'dump-guest-memory FILE'\n",
			prog, path);
		break;
	case MEMFILE_KDUMP_FLAT:
		fprintf(stderr,
			"%s: %s is in makedumpfile's flattened format (-F), "
			"which vsmmu does not read; capture it as an ELF core "
			"instead: 'makedumpfile -E -d 31 /proc/vmcore "
			"vmcore.elf'\n",
			prog, path);
		break;
	default:
		fprintf(stderr,
			"%s: %s is %s-compressed, which vsmmu does not read: "
			"run '%s %s > %s.elf' and give --mem %s.elf\n",
			prog, path, z[k].what, z[k].tool, path, path, path);
		break;
	}
	return -ENOEXEC;
}

int memfile_load(struct vsmmu_mem *mem, const char *arg, const char *prog,
		 uint64_t *loaded)
{
	struct vsmmu_mem_load_info info;
	struct vsmmu_mem_arg ma;
	unsigned char head[64];
	char err[160], fdpath[64], *path;
	const char *load_path;
	enum memfile_kind kind;
	struct stat st;
	int fd, zfd = -1, ret;
	ssize_t n;

	*loaded = 0;
	if (vsmmu_mem_arg_parse(arg, &ma, err, sizeof(err))) {
		fprintf(stderr, "%s: --mem %s: %s\n", prog, arg, err);
		return -EINVAL;
	}
	path = strndup(arg, ma.path_len);
	if (!path) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -ENOMEM;
	}
	load_path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, path,
			vsmmu_strerror(ret));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		fprintf(stderr, "%s: %s is a directory\n", prog, path);
		goto out;
	}
	n = read_head(fd, head, sizeof(head));
	if (n < 0) {
		ret = (int)n;
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, path,
			vsmmu_strerror(ret));
		goto out;
	}
	kind = memfile_sniff(head, (size_t)n);
	if (kind == MEMFILE_GZIP) {
		zfd = gunzip(path, prog);
		if (zfd < 0) {
			ret = zfd;
			goto out;
		}
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", zfd);
		load_path = fdpath;
		n = read_head(zfd, head, sizeof(head));
		if (fstat(zfd, &st) || n < 0) {
			ret = -EIO;
			fprintf(stderr,
				"%s: %s: decompressed data unreadable\n", prog,
				path);
			goto out;
		}
		kind = memfile_sniff(head, (size_t)n);
	}
	if (kind != MEMFILE_RAW && kind != MEMFILE_ELF &&
	    kind != MEMFILE_GZIP) {
		ret = refuse(prog, path, kind);
		goto out;
	}

	if (ma.has_addr) {
		ret = vsmmu_mem_load_raw(mem, load_path, ma.addr);
		if (ret)
			fprintf(stderr,
				"%s: cannot load %s at 0x%" PRIx64 ": %s%s\n",
				prog, path, ma.addr, vsmmu_strerror(ret),
				ret == -EINVAL ?
					" (it does not fit below 2^52)" :
					"");
		else
			*loaded = S_ISREG(st.st_mode) ? (uint64_t)st.st_size :
							1;
		goto out;
	}
	if (kind != MEMFILE_ELF) {
		fprintf(stderr,
			"%s: %s is not an ELF core (its first bytes are not "
			"7f 45 4c 46); for a raw memory image give its load "
			"address: --mem %s@ADDR\n",
			prog, path, path);
		ret = -ENOEXEC;
		goto out;
	}
	ret = vsmmu_mem_load_elf_info(mem, load_path, &info);
	if (ret)
		fprintf(stderr, "%s: %s: %s\n", prog, path,
			info.error[0] ? info.error : vsmmu_strerror(ret));
	else
		*loaded = info.bytes;
out:
	if (zfd >= 0)
		close(zfd);
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}
