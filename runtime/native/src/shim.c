// The native side of the runtime: ioctl (synchronous, and asynchronous on the libuv thread
// pool) and mmap/munmap (mappings.c). N-API only, so one build works on every Node version the
// package supports. Errors are thrown shaped like Node's system errors.
//
// User pointers are resolved here, not in JavaScript: the runtime passes each pointer member as
// (offset in the struct, view, bytes the kernel will touch), and the address is taken from the
// view's current extent right before the syscall, with no JavaScript running in between. A view
// that no longer holds those bytes (detached, shrunk) fails the call before the kernel sees it.
#define _GNU_SOURCE
#include "mappings.h"
#include <fcntl.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "ERR_UAPIGEN_NAPI", "N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

/** An Error like Node's: message "EBADF: bad file descriptor, ioctl NAME", code, errno, syscall. */
napi_value system_error(napi_env env, int err, const char *syscall, const char *name) {
  const char *code = strerrorname_np(err);
  char message[256];
  snprintf(message, sizeof message, "%s: %s, %s%s%s", code ? code : "UNKNOWN", strerror(err), syscall,
           name && *name ? " " : "", name ? name : "");
  napi_value msg, error, value;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_string_utf8(env, code ? code : "UNKNOWN", NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "code", value);
  napi_create_int32(env, -err, &value);
  napi_set_named_property(env, error, "errno", value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "syscall", value);
  if (name && *name) {
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, error, "ioctl", value);
  }
  return error;
}

/** The request number: a JS number (request numbers fit 32 bits) or a bigint. */
static int get_request(napi_env env, napi_value v, unsigned long *out) {
  double d;
  if (napi_get_value_double(env, v, &d) == napi_ok) {
    // Range first: casting NaN or an out-of-range double is undefined behaviour.
    if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) return 0;
    *out = (unsigned long)(uint32_t)d;
    return 1;
  }
  uint64_t u;
  bool lossless;
  if (napi_get_value_bigint_uint64(env, v, &u, &lossless) != napi_ok) return 0;
  *out = (unsigned long)u;
  return lossless;
}

/** A file descriptor: an integer from 0 to INT_MAX, never coerced (NaN, 1.5 and 2^32+1 fail). */
static int get_fd(napi_env env, napi_value v, int *fd) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= 2147483647.0) || d != (double)(int)d) return 0;
  *fd = (int)d;
  return 1;
}

static void get_name(napi_env env, napi_value v, char *name, size_t size) {
  napi_valuetype t;
  name[0] = 0;
  if (v == NULL || napi_typeof(env, v, &t) != napi_ok || t != napi_string) return;
  napi_get_value_string_utf8(env, v, name, size, NULL);
}

/** One user-pointer member: where its address goes in the struct, and the bytes behind it. */
typedef struct {
  uint32_t offset;
  size_t bytes;
  void *data;
  napi_value value; /* the view as read from the list, once (valid during the native call) */
  napi_ref view;   /* async: the view, to copy a bounce buffer back into */
  void *bounce;    /* async: runtime-owned copy of a JS heap buffer */
  mapping *pinned; /* async: the runtime mapping the bytes are in */
} pointer_slot;

#define MAX_POINTERS 8

typedef struct {
  int is_value;
  unsigned long value;
  void *data;
  size_t length;
  uint32_t count;
  pointer_slot slots[MAX_POINTERS];
} ioctl_arg;

static napi_value range_error(napi_env env, const char *message) {
  napi_throw_range_error(env, "ERR_UAPIGEN_BUFFER", message);
  return NULL;
}

/**
 * Reads the pointer list [offset, view, bytes, ...] and checks each view against the struct
 * and its byte count. Returns 0 with a pending exception on a bad list.
 */
static int get_pointers(napi_env env, napi_value list, ioctl_arg *arg) {
  uint32_t n;
  bool is_array = false;
  if (napi_is_array(env, list, &is_array) != napi_ok || !is_array || napi_get_array_length(env, list, &n) != napi_ok || n % 3 || n / 3 > MAX_POINTERS) {
    type_error(env, "ioctl: pointers must be [offset, view, bytes, ...]");
    return 0;
  }
  arg->count = n / 3;
  for (uint32_t i = 0; i < arg->count; i++) {
    napi_value v[3];
    double offset, bytes;
    pointer_slot *s = &arg->slots[i];
    // Each element is read exactly once; the runtime builds the list of own data properties.
    for (uint32_t k = 0; k < 3; k++) {
      if (napi_get_element(env, list, i * 3 + k, &v[k]) != napi_ok) {
        type_error(env, "ioctl: pointers must be [offset, view, bytes, ...]");
        return 0;
      }
    }
    if (napi_get_value_double(env, v[0], &offset) != napi_ok || napi_get_value_double(env, v[2], &bytes) != napi_ok ||
        !(offset >= 0 && offset + 8 <= (double)arg->length) || offset != (double)(uint32_t)offset || !(bytes >= 0 && bytes <= 9007199254740991.0) ||
        bytes != (double)(uint64_t)bytes) {
      type_error(env, "ioctl: a pointer slot lies outside the struct");
      return 0;
    }
    size_t length;
    if (!view_bytes(env, v[1], &s->data, &length)) {
      type_error(env, "ioctl: a pointer member takes an ArrayBufferView");
      return 0;
    }
    s->value = v[1];
    s->offset = (uint32_t)offset;
    s->bytes = (size_t)bytes;
    if (length < s->bytes || (s->bytes && !s->data)) {
      range_error(env, "ioctl: a buffer passed as a user pointer no longer holds the bytes the kernel will use (detached or shrunk)");
      return 0;
    }
  }
  return 1;
}

/** Writes each pointer's address into the struct, in the machine's byte order. */
static void place_pointers(ioctl_arg *arg) {
  for (uint32_t i = 0; i < arg->count; i++) {
    pointer_slot *s = &arg->slots[i];
    uint64_t address = (uint64_t)(uintptr_t)(s->bounce ? s->bounce : s->data);
    memcpy((char *)arg->data + s->offset, &address, sizeof address);
  }
}

/** The argument: a view (passed by address, with its pointer list) or an integer by value. */
static int get_arg(napi_env env, size_t argc, napi_value *argv, ioctl_arg *arg) {
  memset(arg, 0, sizeof *arg);
  napi_valuetype t = napi_undefined;
  if (argc > 2) napi_typeof(env, argv[2], &t);
  if (t == napi_undefined) {
    arg->is_value = 1;
    return 1;
  }
  if (t == napi_number) {
    double d;
    napi_get_value_double(env, argv[2], &d);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != (double)(int64_t)d) goto bad;
    arg->is_value = 1;
    arg->value = (unsigned long)(int64_t)d;
    return 1;
  }
  if (t == napi_bigint) {
    uint64_t u;
    bool lossless;
    napi_get_value_bigint_uint64(env, argv[2], &u, &lossless);
    arg->is_value = 1;
    arg->value = (unsigned long)u;
    if (!lossless) goto bad;
    return 1;
  }
  if (!view_bytes(env, argv[2], &arg->data, &arg->length) || !arg->data) goto bad;
  napi_valuetype pt = napi_undefined;
  if (argc > 4) napi_typeof(env, argv[4], &pt);
  return pt == napi_undefined || get_pointers(env, argv[4], arg);
bad:
  type_error(env, "ioctl: arg must be an ArrayBufferView or an integer");
  return 0;
}

static long do_ioctl(int fd, unsigned long request, const ioctl_arg *arg) {
  return arg->is_value ? ioctl(fd, request, arg->value) : ioctl(fd, request, arg->data);
}

// ioctl(fd, request, arg, name?, pointers?) -> the kernel's return value. The hot path: every
// N-API call here costs tens of nanoseconds, so a DataView (what the codecs pass) is taken
// first, and the name is only read for an error.
static napi_value js_ioctl(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd;
  unsigned long request;
  ioctl_arg arg;
  if (argc < 2 || !get_fd(env, argv[0], &fd)) return type_error(env, "ioctl: fd must be an integer from 0 to 2147483647");
  if (!get_request(env, argv[1], &request)) return type_error(env, "ioctl: request must be a 32-bit unsigned integer or a bigint");
  bool is_dataview = false;
  napi_valuetype pointers = napi_undefined;
  if (argc > 4) napi_typeof(env, argv[4], &pointers);
  if (argc > 2 && pointers == napi_undefined) napi_is_dataview(env, argv[2], &is_dataview);
  if (is_dataview) {
    napi_value ab;
    size_t offset;
    memset(&arg, 0, offsetof(ioctl_arg, slots));
    CHECK(napi_get_dataview_info(env, argv[2], &arg.length, &arg.data, &ab, &offset));
    if (!arg.data) return type_error(env, "ioctl: the argument's buffer is detached");
  } else if (!get_arg(env, argc, argv, &arg)) {
    return NULL;
  }
  place_pointers(&arg);
  long r = do_ioctl(fd, request, &arg);
  if (r < 0) {
    int err = errno;
    char name[96];
    get_name(env, argc > 3 ? argv[3] : NULL, name, sizeof name);
    napi_throw(env, system_error(env, err, "ioctl", name));
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_int64(env, r, &out));
  return out;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref keep;  /* the argument view: its bytes are copied back on completion */
  int fd;         /* a duplicate: closing the caller's number cannot redirect the call */
  unsigned long request;
  ioctl_arg arg;
  void *caller_data; /* the argument's own bytes (before the runtime's copy) */
  long result;
  int err;
  char name[96];
} async_call;

static void async_execute(napi_env env, void *data) {
  (void)env;
  async_call *c = data;
  c->result = do_ioctl(c->fd, c->request, &c->arg);
  c->err = c->result < 0 ? errno : 0;
}

/** Releases pins and bounce buffers; copies bounced bytes back into views still holding them. */
static int finish_slots(napi_env env, async_call *c) {
  int lost = 0;
  for (uint32_t i = 0; i < c->arg.count; i++) {
    pointer_slot *s = &c->arg.slots[i];
    if (s->pinned) mapping_unpin(s->pinned);
    if (s->bounce) {
      napi_value view;
      void *now;
      size_t length;
      if (napi_get_reference_value(env, s->view, &view) == napi_ok && view && view_bytes(env, view, &now, &length) && now && length >= s->bytes) {
        memcpy(now, s->bounce, s->bytes);
      } else {
        lost = 1;
      }
      free(s->bounce);
    }
    if (s->view) napi_delete_reference(env, s->view);
  }
  return lost;
}

static void async_complete(napi_env env, napi_status status, void *data) {
  async_call *c = data;
  napi_value value;
  int lost = finish_slots(env, c);
  if (!c->arg.is_value) {
    napi_value view;
    void *now;
    size_t length;
    if (napi_get_reference_value(env, c->keep, &view) == napi_ok && view_bytes(env, view, &now, &length) && now && length == c->arg.length) {
      memcpy(now, c->arg.data, c->arg.length);
    } else {
      lost = 1;
    }
    free(c->arg.data);
  }
  close(c->fd);
  if (status != napi_ok) {
    napi_value msg;
    napi_create_string_utf8(env, "ioctl: the asynchronous call was cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &value);
    napi_reject_deferred(env, c->deferred, value);
  } else if (c->err) {
    napi_reject_deferred(env, c->deferred, system_error(env, c->err, "ioctl", c->name));
  } else if (lost) {
    napi_value msg, code;
    napi_create_string_utf8(env, "ioctl: a buffer was detached or shrunk during the call; the kernel's output for it is lost", NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, "ERR_UAPIGEN_DETACHED", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &value);
    napi_reject_deferred(env, c->deferred, value);
  } else {
    napi_create_int64(env, c->result, &value);
    napi_resolve_deferred(env, c->deferred, value);
  }
  if (c->keep) napi_delete_reference(env, c->keep);
  napi_delete_async_work(env, c->work);
  free(c);
}

/**
 * Makes an async call independent of JavaScript memory: the struct is copied into runtime
 * memory, each pointer's bytes are either pinned (runtime mmap() memory, which cannot be
 * unmapped while pinned) or copied into a bounce buffer, and the fd is duplicated.
 */
static int prepare_async(napi_env env, napi_value *argv, async_call *c) {
  c->caller_data = c->arg.data;
  if (!c->arg.is_value) {
    void *copy = malloc(c->arg.length ? c->arg.length : 1);
    if (!copy) return 0;
    memcpy(copy, c->arg.data, c->arg.length);
    c->arg.data = copy;
    if (napi_create_reference(env, argv[2], 1, &c->keep) != napi_ok) return 0;
  }
  (void)argv;
  for (uint32_t i = 0; i < c->arg.count; i++) {
    pointer_slot *s = &c->arg.slots[i];
    if (!s->bytes) continue;
    s->pinned = mapping_pin_range(s->data, s->bytes);
    if (s->pinned) continue;
    // The view read by get_pointers, with no JavaScript run since: s->data is still its memory.
    s->bounce = malloc(s->bytes);
    if (!s->bounce || napi_create_reference(env, s->value, 1, &s->view) != napi_ok) return 0;
    memcpy(s->bounce, s->data, s->bytes);
  }
  return 1;
}

// ioctlAsync(fd, request, arg, name?, pointers?) -> Promise<number>, on the libuv thread pool
static napi_value js_ioctl_async(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  async_call *c = calloc(1, sizeof *c);
  if (!c) {
    napi_throw_error(env, "ENOMEM", "ioctlAsync: out of memory");
    return NULL;
  }
  c->fd = -1;
  if (argc < 2 || !get_fd(env, argv[0], &c->fd) || !get_request(env, argv[1], &c->request)) {
    free(c);
    return type_error(env, "ioctlAsync(fd, request, arg): fd an integer from 0 to 2147483647, request a 32-bit integer or bigint");
  }
  if (!get_arg(env, argc, argv, &c->arg)) {
    free(c);
    return NULL;
  }
  get_name(env, argc > 3 ? argv[3] : NULL, c->name, sizeof c->name);
  int dup_fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) {
    // A bad fd is the call's failure: the promise rejects, as the ioctl itself would have.
    int err = errno;
    napi_value promise;
    napi_deferred deferred;
    napi_status st = napi_create_promise(env, &deferred, &promise);
    if (st == napi_ok) napi_reject_deferred(env, deferred, system_error(env, err, "ioctl", c->name));
    free(c);
    if (st != napi_ok) napi_throw_error(env, "ERR_UAPIGEN_NAPI", "N-API call failed: napi_create_promise");
    return st == napi_ok ? promise : NULL;
  }
  c->fd = dup_fd;
  napi_value promise, resource;
  if (!prepare_async(env, argv, c) || napi_create_promise(env, &c->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "uapigen:ioctl", NAPI_AUTO_LENGTH, &resource) != napi_ok ||
      napi_create_async_work(env, NULL, resource, async_execute, async_complete, c, &c->work) != napi_ok) {
    if (!c->arg.is_value && c->arg.data != c->caller_data) free(c->arg.data);
    finish_slots(env, c);
    if (c->keep) napi_delete_reference(env, c->keep);
    close(c->fd);
    free(c);
    napi_throw_error(env, "ENOMEM", "ioctlAsync: out of memory");
    return NULL;
  }
  place_pointers(&c->arg);
  if (napi_queue_async_work(env, c->work) != napi_ok) {
    // Never queued: undo everything prepare_async took, and fail the call.
    napi_value err;
    napi_deferred deferred = c->deferred;
    napi_delete_async_work(env, c->work);
    if (!c->arg.is_value && c->arg.data != c->caller_data) free(c->arg.data);
    finish_slots(env, c);
    if (c->keep) napi_delete_reference(env, c->keep);
    close(c->fd);
    free(c);
    napi_create_string_utf8(env, "ioctlAsync: the call could not be queued", NAPI_AUTO_LENGTH, &err);
    napi_value e;
    napi_create_error(env, NULL, err, &e);
    napi_reject_deferred(env, deferred, e);
    return promise;
  }
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"ioctl", NULL, js_ioctl, NULL, NULL, NULL, napi_default, NULL},
      {"ioctlAsync", NULL, js_ioctl_async, NULL, NULL, NULL, napi_default, NULL},
      {"mmap", NULL, js_mmap, NULL, NULL, NULL, napi_default, NULL},
      {"munmap", NULL, js_munmap, NULL, NULL, NULL, napi_default, NULL},
      {"pin", NULL, js_pin, NULL, NULL, NULL, napi_default, NULL},
      {"unpin", NULL, js_unpin, NULL, NULL, NULL, napi_default, NULL},
      {"pins", NULL, js_pins, NULL, NULL, NULL, napi_default, NULL},
      {"eventfd", NULL, js_eventfd, NULL, NULL, NULL, napi_default, NULL},
      {"eventfdRead", NULL, js_eventfd_read, NULL, NULL, NULL, napi_default, NULL},
      {"eventfdWrite", NULL, js_eventfd_write, NULL, NULL, NULL, napi_default, NULL},
      {"pollStart", NULL, js_poll_start, NULL, NULL, NULL, napi_default, NULL},
      {"pollStop", NULL, js_poll_stop, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
