/*
 * uapigen's freestanding <stddef.h>, as a compiler ships one (gcc's and clang's resource
 * headers): searched after -I and before the system's directories. Types follow the target
 * through the kernel's own per-architecture definitions.
 */
#ifndef _UAPIGEN_STDDEF_H
#define _UAPIGEN_STDDEF_H
#include <linux/posix_types.h>
typedef __kernel_size_t size_t;
typedef __kernel_ptrdiff_t ptrdiff_t;
typedef int wchar_t;
#define NULL ((void *)0)
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif
