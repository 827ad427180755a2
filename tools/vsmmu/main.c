// SPDX-License-Identifier: MIT
/* vsmmu: the command-line front end.  Dispatches to one builtin per verb. */
#include <stdio.h>
#include <string.h>

#include <vsmmu/vsmmu.h>

#include "builtin.h"

struct builtin {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct builtin builtins[] = {
	{ "decode", cmd_decode,
	  "print every field of an STE, CD, command, event or descriptor" },
	{ "translate", cmd_translate,
	  "translate transactions over a memory image, optionally explained" },
	{ "mkimage", cmd_mkimage,
	  "write an example memory image (ELF core) to translate over" },
	{ "demo", cmd_demo,
	  "the driver, devices doing DMA, faults and the checker, end to end" },
	{ "vm", cmd_vm,
	  "VMs with virtual SMMUs, CMDQV passthrough, hostile guests" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vsmmu <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		fprintf(f, "  %-10s %s\n", builtins[i].name, builtins[i].help);
	fprintf(f, "\n'vsmmu <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		/* the library actually linked, not the headers' version */
		printf("vsmmu %s\n", vsmmu_version_string());
		return 0;
	}
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(argv[1], builtins[i].name))
			return builtins[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vsmmu: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
