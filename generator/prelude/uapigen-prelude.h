/*
 * What a C program that uses a uAPI header has included before it: <sys/ioctl.h> gives it the
 * _IO* macros and <stddef.h> size_t. Many uAPI headers rely on that (userfaultfd.h defines every
 * UFFDIO_* request with _IOWR and never includes <linux/ioctl.h>; fs.h's BLKGETSIZE64 takes
 * sizeof(size_t)), so uapigen includes this file first, as gcc's -include would.
 */
#ifndef _UAPIGEN_PRELUDE_H
#define _UAPIGEN_PRELUDE_H
#include <linux/ioctl.h>
#include <linux/posix_types.h>
typedef __kernel_size_t size_t;
#endif
