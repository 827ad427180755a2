/* SPDX-License-Identifier: MIT */
/* The vsmmu tool's subcommands: one builtin-<name>.c each (kvmtool style). */
#ifndef VSMMU_TOOL_BUILTIN_H
#define VSMMU_TOOL_BUILTIN_H

int cmd_decode(int argc, char **argv);
int cmd_translate(int argc, char **argv);
int cmd_mkimage(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_vm_dump(int argc, char **argv);
int cmd_vm_replay(int argc, char **argv);
int cmd_vm_sva(int argc, char **argv);

#endif
