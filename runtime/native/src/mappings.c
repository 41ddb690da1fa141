// The runtime's mmap()ed memory: see mappings.h.
#define _GNU_SOURCE
#include "mappings.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

struct mapping {
  void *addr;
  size_t length;
  int pins;       /* calls in flight and kernel mappings that use this memory */
  int has_buffer; /* its ArrayBuffer is alive (the finalizer has not run) */
  int unmapped;
  mapping *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static mapping *live;

static void unlink_mapping(mapping *m) {
  for (mapping **p = &live; *p; p = &(*p)->next) {
    if (*p == m) {
      *p = m->next;
      return;
    }
  }
}

mapping *mapping_pin_range(const void *data, size_t length) {
  uintptr_t start = (uintptr_t)data;
  pthread_mutex_lock(&lock);
  mapping *found = NULL;
  for (mapping *m = live; m; m = m->next) {
    uintptr_t a = (uintptr_t)m->addr;
    if (start >= a && length <= m->length && start - a <= m->length - length) {
      found = m;
      m->pins++;
      break;
    }
  }
  pthread_mutex_unlock(&lock);
  return found;
}

void mapping_unpin(mapping *m) {
  pthread_mutex_lock(&lock);
  int release = --m->pins == 0 && !m->has_buffer && !m->unmapped;
  if (release) unlink_mapping(m);
  pthread_mutex_unlock(&lock);
  if (release) {
    munmap(m->addr, m->length);
    free(m);
  }
}

/** The buffer was collected: unmap now, or when the last pin goes. */
static void buffer_finalizer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  mapping *m = hint;
  pthread_mutex_lock(&lock);
  m->has_buffer = 0;
  int unmap_now = !m->unmapped && m->pins == 0;
  int free_now = m->unmapped || unmap_now;
  if (unmap_now) unlink_mapping(m);
  pthread_mutex_unlock(&lock);
  if (unmap_now) munmap(m->addr, m->length);
  if (free_now) free(m);
}

int view_bytes(napi_env env, napi_value v, void **data, size_t *length) {
  bool is;
  napi_value ab;
  size_t offset;
  if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    return napi_get_dataview_info(env, v, length, data, &ab, &offset) == napi_ok;
  }
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type type;
  size_t count;
  if (napi_get_typedarray_info(env, v, &type, &count, data, &ab, &offset) != napi_ok) return 0;
  size_t element = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: element = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: element = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: element = 8; break;
    default: break;
  }
  *length = count * element;
  return 1;
}

static napi_value type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

// mmap(length, prot, flags, fd, offset, unsafe?) -> ArrayBuffer. Without `unsafe` the mapping
// must be readable and writable: an ArrayBuffer cannot be made read-only, and a write to a
// PROT_READ page would kill the process.
napi_value js_mmap(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  double length_d;
  int32_t prot, flags, fd;
  int64_t offset;
  bool unsafe = false;
  if (argc < 5 || napi_get_value_double(env, argv[0], &length_d) != napi_ok || napi_get_value_int32(env, argv[1], &prot) != napi_ok ||
      napi_get_value_int32(env, argv[2], &flags) != napi_ok || napi_get_value_int32(env, argv[3], &fd) != napi_ok ||
      napi_get_value_int64(env, argv[4], &offset) != napi_ok || !(length_d > 0) || length_d > 9007199254740991.0 ||
      length_d != (double)(uint64_t)length_d) {
    return type_error(env, "mmap(length, prot, flags, fd, offset): integers, length > 0");
  }
  if (argc > 5) napi_get_value_bool(env, argv[5], &unsafe);
  if (!unsafe && (prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE)) {
    return type_error(env, "mmap: an ArrayBuffer is always writable, so the mapping must be PROT_READ | PROT_WRITE (mmapUnsafe maps with any protection)");
  }
  size_t length = (size_t)length_d;
  void *addr = mmap(NULL, length, prot, flags, fd, (off_t)offset);
  if (addr == MAP_FAILED) {
    napi_throw(env, system_error(env, errno, "mmap", NULL));
    return NULL;
  }
  mapping *m = calloc(1, sizeof *m);
  if (!m) {
    munmap(addr, length);
    napi_throw_error(env, "ENOMEM", "mmap: out of memory");
    return NULL;
  }
  m->addr = addr;
  m->length = length;
  m->has_buffer = 1;
  napi_value ab;
  if (napi_create_external_arraybuffer(env, addr, length, buffer_finalizer, m, &ab) != napi_ok) {
    munmap(addr, length);
    free(m);
    napi_throw_error(env, "ERR_UAPIGEN_EXTERNAL_BUFFER", "mmap: this Node does not allow external ArrayBuffers");
    return NULL;
  }
  pthread_mutex_lock(&lock);
  m->next = live;
  live = m;
  pthread_mutex_unlock(&lock);
  return ab;
}

/** The live mapping whose buffer is exactly `ab`, found by address (no property to forge). */
static mapping *mapping_of_buffer(napi_env env, napi_value ab) {
  bool is;
  void *data;
  size_t length;
  if (napi_is_arraybuffer(env, ab, &is) != napi_ok || !is || napi_get_arraybuffer_info(env, ab, &data, &length) != napi_ok || !data) return NULL;
  mapping *found = NULL;
  pthread_mutex_lock(&lock);
  for (mapping *m = live; m; m = m->next) {
    if (m->addr == data && m->length == length && m->has_buffer) found = m;
  }
  pthread_mutex_unlock(&lock);
  return found;
}

/** The mapping of the call's one argument (an mmap() ArrayBuffer); NULL with a TypeError pending. */
static mapping *mapping_argument(napi_env env, napi_callback_info info, const char *usage, napi_value *ab) {
  size_t argc = 1;
  if (napi_get_cb_info(env, info, &argc, ab, NULL, NULL) != napi_ok) return NULL;
  mapping *m = argc < 1 ? NULL : mapping_of_buffer(env, *ab);
  if (!m) type_error(env, usage);
  return m;
}

// munmap(arrayBuffer): unmaps now and detaches the buffer; EBUSY while the kernel uses it.
napi_value js_munmap(napi_env env, napi_callback_info info) {
  napi_value ab;
  mapping *m = mapping_argument(env, info, "munmap: expects an ArrayBuffer returned by mmap()", &ab);
  if (!m) return NULL;
  pthread_mutex_lock(&lock);
  int busy = m->pins > 0;
  if (!busy) {
    m->unmapped = 1;
    unlink_mapping(m);
  }
  pthread_mutex_unlock(&lock);
  if (busy) {
    napi_throw(env, system_error(env, EBUSY, "munmap", NULL));
    return NULL;
  }
  munmap(m->addr, m->length);
  // The finalizer (now or at collection) frees the record.
  napi_detach_arraybuffer(env, ab);
  return NULL;
}

typedef struct {
  mapping *m;
} pin_handle;

/** Tells a pin handle from other externals (an eventfd watcher's handle passed to unpin). */
static const napi_type_tag PIN_TAG = {0x75617069676e7069ULL, 0x6e68616e646c6521ULL};

static void pin_finalizer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  // A pin whose handle was dropped without unpin() is kept: the kernel may still use the memory.
  free(data);
}

// pin(view, bytes) -> handle, or undefined when the bytes are not runtime mmap() memory.
napi_value js_pin(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  void *data;
  size_t length;
  double bytes;
  if (argc < 2 || !view_bytes(env, argv[0], &data, &length) || napi_get_value_double(env, argv[1], &bytes) != napi_ok || !(bytes >= 0) || bytes > (double)length) {
    return type_error(env, "pin(view, bytes): a view holding at least `bytes` bytes");
  }
  mapping *m = data ? mapping_pin_range(data, (size_t)bytes) : NULL;
  napi_value out;
  if (!m) {
    napi_get_undefined(env, &out);
    return out;
  }
  pin_handle *h = malloc(sizeof *h);
  if (!h) {
    mapping_unpin(m);
    napi_throw_error(env, "ENOMEM", "pin: out of memory");
    return NULL;
  }
  h->m = m;
  if (napi_create_external(env, h, pin_finalizer, NULL, &out) != napi_ok) {
    mapping_unpin(m);
    free(h);
    return NULL;
  }
  if (napi_type_tag_object(env, out, &PIN_TAG) != napi_ok) {
    // The handle is freed by its finalizer; the pin goes with it, as nobody could release it.
    mapping_unpin(m);
    h->m = NULL;
    return NULL;
  }
  return out;
}

// unpin(handle): releases a pin once; later calls do nothing.
napi_value js_unpin(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  pin_handle *h;
  bool tagged = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_check_object_type_tag(env, argv[0], &PIN_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, argv[0], (void **)&h) != napi_ok) {
    return type_error(env, "unpin(handle): a handle from pin()");
  }
  if (h->m) {
    mapping_unpin(h->m);
    h->m = NULL;
  }
  return NULL;
}

// pins(arrayBuffer) -> how many pins hold the mapping (tests and diagnostics).
napi_value js_pins(napi_env env, napi_callback_info info) {
  napi_value ab;
  mapping *m = mapping_argument(env, info, "pins: expects an ArrayBuffer returned by mmap()", &ab);
  if (!m) return NULL;
  pthread_mutex_lock(&lock);
  int pins = m->pins;
  pthread_mutex_unlock(&lock);
  napi_value out;
  napi_create_int32(env, pins, &out);
  return out;
}
