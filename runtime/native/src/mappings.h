// Memory the runtime mmap()s: a registry of live mappings with pin counts, so memory the
// kernel still uses (an async call in flight, an IOAS or DMA mapping) is never unmapped, not by
// munmap() (EBUSY) and not when its ArrayBuffer is collected (unmapped once the last pin goes).
#ifndef UAPIGEN_MAPPINGS_H
#define UAPIGEN_MAPPINGS_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <stddef.h>

typedef struct mapping mapping;

/** The live mapping holding [data, data + length), pinned once; NULL if there is none. */
mapping *mapping_pin_range(const void *data, size_t length);
/** Drops one pin; the mapping is unmapped if its buffer was collected and this was the last. */
void mapping_unpin(mapping *m);

napi_value js_mmap(napi_env env, napi_callback_info info);
napi_value js_munmap(napi_env env, napi_callback_info info);
napi_value js_pin(napi_env env, napi_callback_info info);
napi_value js_unpin(napi_env env, napi_callback_info info);
napi_value js_pins(napi_env env, napi_callback_info info);

napi_value js_eventfd(napi_env env, napi_callback_info info);
napi_value js_eventfd_read(napi_env env, napi_callback_info info);
napi_value js_eventfd_write(napi_env env, napi_callback_info info);
napi_value js_poll_start(napi_env env, napi_callback_info info);
napi_value js_poll_stop(napi_env env, napi_callback_info info);

/** Where an ArrayBufferView's bytes are, read by the engine (no user getter runs); 0 if not a view. */
int view_bytes(napi_env env, napi_value v, void **data, size_t *length);

napi_value system_error(napi_env env, int err, const char *syscall, const char *name);
#endif
