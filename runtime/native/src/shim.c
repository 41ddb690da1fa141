// The native side of the runtime: ioctl (synchronous, and asynchronous on the libuv thread
// pool), the address of a buffer, and mmap/munmap. N-API only, so one build works on every
// Node version the package supports. Errors are thrown shaped like Node's system errors.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

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
static napi_value system_error(napi_env env, int err, const char *syscall, const char *name) {
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
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_number) {
    double d;
    napi_get_value_double(env, v, &d);
    if (d < 0 || d > 4294967295.0 || d != (double)(uint32_t)d) return 0;
    *out = (unsigned long)(uint32_t)d;
    return 1;
  }
  if (t == napi_bigint) {
    uint64_t u;
    bool lossless;
    napi_get_value_bigint_uint64(env, v, &u, &lossless);
    *out = (unsigned long)u;
    return lossless;
  }
  return 0;
}

/** The argument: an ArrayBufferView (passed by address) or an integer (passed by value). */
typedef struct {
  int is_value;
  unsigned long value;
  void *data;
  size_t length;
} ioctl_arg;

static int get_arg(napi_env env, napi_value v, ioctl_arg *arg) {
  memset(arg, 0, sizeof *arg);
  if (v == NULL) {
    arg->is_value = 1;
    return 1;
  }
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_number) {
    double d;
    napi_get_value_double(env, v, &d);
    if (d != (double)(int64_t)d) return 0;
    arg->is_value = 1;
    arg->value = (unsigned long)(int64_t)d;
    return 1;
  }
  if (t == napi_bigint) {
    uint64_t u;
    bool lossless;
    napi_get_value_bigint_uint64(env, v, &u, &lossless);
    arg->is_value = 1;
    arg->value = (unsigned long)u;
    return lossless;
  }
  if (t == napi_undefined) {
    arg->is_value = 1;
    return 1;
  }
  bool is_typed = false, is_dataview;
  // DataView first: it is what the codecs pass.
  napi_is_dataview(env, v, &is_dataview);
  if (!is_dataview) napi_is_typedarray(env, v, &is_typed);
  if (is_typed) {
    napi_typedarray_type type;
    size_t length, offset;
    napi_value ab;
    void *data;
    napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset);
    size_t element = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array: element = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: element = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: element = 8; break;
      default: break;
    }
    arg->data = data;
    arg->length = length * element;
    return 1;
  }
  if (is_dataview) {
    size_t length, offset;
    napi_value ab;
    napi_get_dataview_info(env, v, &length, &arg->data, &ab, &offset);
    arg->length = length;
    return 1;
  }
  return 0;
}

static int get_fd(napi_env env, napi_value v, int *fd) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t != napi_number) return 0;
  return napi_get_value_int32(env, v, fd) == napi_ok;
}

static void get_name(napi_env env, napi_value v, char *name, size_t size) {
  napi_valuetype t;
  name[0] = 0;
  if (v == NULL || napi_typeof(env, v, &t) != napi_ok || t != napi_string) return;
  napi_get_value_string_utf8(env, v, name, size, NULL);
}

static long do_ioctl(int fd, unsigned long request, const ioctl_arg *arg) {
  return arg->is_value ? ioctl(fd, request, arg->value) : ioctl(fd, request, arg->data);
}

// ioctl(fd, request, arg, name?) -> the kernel's return value. The hot path: every N-API call
// here costs tens of nanoseconds, so types are learnt from the getters' status codes, a
// DataView (what the codecs pass) is taken first, and the name is only read for an error.
static napi_value js_ioctl(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd;
  unsigned long request;
  ioctl_arg arg;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return type_error(env, "ioctl: fd must be an integer");
  double d;
  if (napi_get_value_double(env, argv[1], &d) == napi_ok) {
    if (d < 0 || d > 4294967295.0 || d != (double)(uint32_t)d) return type_error(env, "ioctl: request must be a 32-bit unsigned integer or a bigint");
    request = (unsigned long)(uint32_t)d;
  } else if (!get_request(env, argv[1], &request)) {
    return type_error(env, "ioctl: request must be a 32-bit unsigned integer or a bigint");
  }
  bool is_dataview = false;
  if (argc > 2) napi_is_dataview(env, argv[2], &is_dataview);
  if (is_dataview) {
    napi_value ab;
    size_t offset;
    memset(&arg, 0, sizeof arg);
    CHECK(napi_get_dataview_info(env, argv[2], &arg.length, &arg.data, &ab, &offset));
  } else if (!get_arg(env, argc > 2 ? argv[2] : NULL, &arg)) {
    return type_error(env, "ioctl: arg must be an ArrayBufferView or an integer");
  }
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
  napi_ref keep; /* the buffer, alive until the call completes */
  int fd;
  unsigned long request;
  ioctl_arg arg;
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

static void async_complete(napi_env env, napi_status status, void *data) {
  async_call *c = data;
  napi_value value;
  if (status != napi_ok) {
    napi_value msg;
    napi_create_string_utf8(env, "ioctl: the asynchronous call was cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &value);
    napi_reject_deferred(env, c->deferred, value);
  } else if (c->err) {
    napi_reject_deferred(env, c->deferred, system_error(env, c->err, "ioctl", c->name));
  } else {
    napi_create_int64(env, c->result, &value);
    napi_resolve_deferred(env, c->deferred, value);
  }
  if (c->keep) napi_delete_reference(env, c->keep);
  napi_delete_async_work(env, c->work);
  free(c);
}

// ioctlAsync(fd, request, arg, name?) -> Promise<number>, run on the libuv thread pool
static napi_value js_ioctl_async(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  async_call *c = calloc(1, sizeof *c);
  if (!c) {
    napi_throw_error(env, "ENOMEM", "ioctlAsync: out of memory");
    return NULL;
  }
  if (argc < 2 || !get_fd(env, argv[0], &c->fd) || !get_request(env, argv[1], &c->request) ||
      !get_arg(env, argc > 2 ? argv[2] : NULL, &c->arg)) {
    free(c);
    return type_error(env, "ioctlAsync(fd, request, arg): fd an integer, request a 32-bit integer or bigint, arg an ArrayBufferView or integer");
  }
  get_name(env, argc > 3 ? argv[3] : NULL, c->name, sizeof c->name);
  if (!c->arg.is_value) CHECK(napi_create_reference(env, argv[2], 1, &c->keep));
  napi_value promise, resource;
  CHECK(napi_create_promise(env, &c->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "uapigen:ioctl", NAPI_AUTO_LENGTH, &resource));
  CHECK(napi_create_async_work(env, NULL, resource, async_execute, async_complete, c, &c->work));
  CHECK(napi_queue_async_work(env, c->work));
  return promise;
}

// address(view) -> bigint: where the bytes of an ArrayBufferView are (runtime-internal).
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  ioctl_arg arg;
  if (argc < 1 || !get_arg(env, argv[0], &arg) || arg.is_value) return type_error(env, "address: expects an ArrayBufferView");
  napi_value out;
  CHECK(napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)arg.data, &out));
  return out;
}

typedef struct {
  void *addr;
  size_t length;
  int unmapped;
} mapping;

static void unmap_finalizer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  mapping *m = hint;
  if (!m->unmapped) munmap(m->addr, m->length);
  free(m);
}

// mmap(length, prot, flags, fd, offset) -> ArrayBuffer, unmapped by its finalizer or munmap()
static napi_value js_mmap(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  double length_d;
  int32_t prot, flags, fd;
  int64_t offset;
  if (argc < 5 || napi_get_value_double(env, argv[0], &length_d) != napi_ok || napi_get_value_int32(env, argv[1], &prot) != napi_ok ||
      napi_get_value_int32(env, argv[2], &flags) != napi_ok || napi_get_value_int32(env, argv[3], &fd) != napi_ok ||
      napi_get_value_int64(env, argv[4], &offset) != napi_ok || length_d <= 0 || length_d > 9007199254740991.0) {
    return type_error(env, "mmap(length, prot, flags, fd, offset): integers, length > 0");
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
  napi_value ab;
  napi_status s = napi_create_external_arraybuffer(env, addr, length, unmap_finalizer, m, &ab);
  if (s != napi_ok) {
    munmap(addr, length);
    free(m);
    napi_throw_error(env, "ERR_UAPIGEN_EXTERNAL_BUFFER", "mmap: this Node does not allow external ArrayBuffers");
    return NULL;
  }
  // Remember the mapping on the buffer for munmap().
  napi_value handle;
  CHECK(napi_create_external(env, m, NULL, NULL, &handle));
  napi_property_descriptor d = {"__uapigen_mapping", NULL, NULL, NULL, NULL, handle, napi_configurable, NULL};
  CHECK(napi_define_properties(env, ab, 1, &d));
  return ab;
}

// munmap(arrayBuffer): unmaps now and detaches the buffer so it cannot be used afterwards.
static napi_value js_munmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_value handle;
  bool has = false;
  if (argc < 1 || napi_has_named_property(env, argv[0], "__uapigen_mapping", &has) != napi_ok || !has) {
    return type_error(env, "munmap: expects an ArrayBuffer returned by mmap()");
  }
  CHECK(napi_get_named_property(env, argv[0], "__uapigen_mapping", &handle));
  mapping *m;
  CHECK(napi_get_value_external(env, handle, (void **)&m));
  if (munmap(m->addr, m->length) != 0) {
    napi_throw(env, system_error(env, errno, "munmap", NULL));
    return NULL;
  }
  m->unmapped = 1;
  // The handle goes first: once detached, the finalizer frees the mapping record.
  bool deleted;
  napi_value key;
  CHECK(napi_create_string_utf8(env, "__uapigen_mapping", NAPI_AUTO_LENGTH, &key));
  CHECK(napi_delete_property(env, argv[0], key, &deleted));
  CHECK(napi_detach_arraybuffer(env, argv[0]));
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"ioctl", NULL, js_ioctl, NULL, NULL, NULL, napi_default, NULL},
      {"ioctlAsync", NULL, js_ioctl_async, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, js_address, NULL, NULL, NULL, napi_default, NULL},
      {"mmap", NULL, js_mmap, NULL, NULL, NULL, napi_default, NULL},
      {"munmap", NULL, js_munmap, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
