// eventfd(2) and readiness on the libuv loop: what a VMM waits on for device interrupts. The
// runtime owns the fd (runtime/eventfd.ts); here are the syscalls and a uv_poll_t watcher whose
// callback runs JavaScript on the loop each time the fd becomes readable, never a busy poll.
#define _GNU_SOURCE
#include "mappings.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <uv.h>

static napi_value type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

static int get_fd(napi_env env, napi_value v, int *fd) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= 2147483647.0) || d != (double)(int)d) return 0;
  *fd = (int)d;
  return 1;
}

// eventfd(initval, semaphore) -> fd, always non-blocking and close-on-exec: reads must never
// block the loop, and the fd must not leak into child processes.
napi_value js_eventfd(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint32_t initval;
  bool semaphore = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &initval) != napi_ok) return type_error(env, "eventfd(initval, semaphore?): initval a 32-bit unsigned integer");
  if (argc > 1) napi_get_value_bool(env, argv[1], &semaphore);
  int fd = eventfd(initval, EFD_CLOEXEC | EFD_NONBLOCK | (semaphore ? EFD_SEMAPHORE : 0));
  if (fd < 0) {
    napi_throw(env, system_error(env, errno, "eventfd", NULL));
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

// eventfdRead(fd) -> the counter as a bigint (and the counter reset, or decremented by one in
// semaphore mode), or undefined when it is zero (EAGAIN).
napi_value js_eventfd_read(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || !get_fd(env, argv[0], &fd)) return type_error(env, "eventfdRead(fd): an fd");
  uint64_t value;
  ssize_t n;
  do n = read(fd, &value, sizeof value);
  while (n < 0 && errno == EINTR);
  napi_value out;
  if (n < 0 && errno == EAGAIN) {
    napi_get_undefined(env, &out);
    return out;
  }
  if (n != (ssize_t)sizeof value) {
    napi_throw(env, system_error(env, n < 0 ? errno : EINVAL, "read", NULL));
    return NULL;
  }
  napi_create_bigint_uint64(env, value, &out);
  return out;
}

// eventfdWrite(fd, value): adds to the counter (EAGAIN if it would overflow).
napi_value js_eventfd_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int fd;
  uint64_t value;
  bool lossless;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2 || !get_fd(env, argv[0], &fd) || napi_get_value_bigint_uint64(env, argv[1], &value, &lossless) != napi_ok || !lossless) {
    return type_error(env, "eventfdWrite(fd, value): an fd and a bigint from 0 to 2^64-1");
  }
  ssize_t n;
  do n = write(fd, &value, sizeof value);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof value) {
    napi_throw(env, system_error(env, n < 0 ? errno : EINVAL, "write", NULL));
    return NULL;
  }
  return NULL;
}

/** A readiness watcher: lives until libuv's close callback, after pollStop(). */
typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int stopped;
} watcher;

static void watcher_closed(uv_handle_t *handle) {
  free(handle->data);
}

static void stop_watcher(watcher *w) {
  if (w->stopped) return;
  w->stopped = 1;
  // uv_poll_stop takes the fd out of epoll at once, so the owner may close it right after.
  uv_poll_stop(&w->handle);
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->context);
  uv_close((uv_handle_t *)&w->handle, watcher_closed);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  watcher *w = handle->data;
  if (w->stopped) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, global, arg, result;
  if (napi_get_reference_value(env, w->callback, &callback) == napi_ok && callback && napi_get_global(env, &global) == napi_ok) {
    // The callback gets the libuv status (0, or a negative errno); it reads the fd itself.
    napi_create_int32(env, status, &arg);
    // make_callback: promises the callback settles run their reactions before the loop goes on.
    if (napi_make_callback(env, w->context, global, callback, 1, &arg, &result) != napi_ok) {
      // Thrown on the loop, with no caller to catch it: Node's uncaughtException, as for timers.
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

/** Tells a watcher handle from other externals (a pin handle passed here would be misread). */
static const napi_type_tag WATCHER_TAG = {0x75617069676e7770ULL, 0x6f6c6c7761746368ULL};

/** What JavaScript holds: the watcher until it is stopped (libuv frees it after that). */
typedef struct {
  watcher *w;
} watcher_box;

static void box_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  // A watcher still running holds its callback and keeps polling: the owner (runtime/eventfd.ts)
  // keeps this handle while it polls and stops it before closing the fd.
  free(data);
}

// pollStart(fd, callback) -> handle: calls callback(status) on the loop whenever fd is readable.
napi_value js_poll_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int fd;
  napi_valuetype t = napi_undefined;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2 || !get_fd(env, argv[0], &fd) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    return type_error(env, "pollStart(fd, callback): an fd and a function");
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  watcher *w = calloc(1, sizeof *w);
  if (!w) {
    napi_throw_error(env, "ENOMEM", "pollStart: out of memory");
    return NULL;
  }
  w->env = env;
  w->handle.data = w;
  int err = uv_poll_init(loop, &w->handle, fd);
  if (err) {
    free(w);
    napi_throw(env, system_error(env, -err, "uv_poll_init", NULL));
    return NULL;
  }
  napi_value resource;
  napi_create_string_utf8(env, "uapigen:eventfd", NAPI_AUTO_LENGTH, &resource);
  if (napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok || napi_async_init(env, NULL, resource, &w->context) != napi_ok) {
    if (w->callback) napi_delete_reference(env, w->callback);
    w->stopped = 1;
    uv_close((uv_handle_t *)&w->handle, watcher_closed);
    napi_throw_error(env, "ERR_UAPIGEN_NAPI", "pollStart: N-API call failed");
    return NULL;
  }
  err = uv_poll_start(&w->handle, UV_READABLE, on_readable);
  if (err) {
    stop_watcher(w);
    napi_throw(env, system_error(env, -err, "uv_poll_start", NULL));
    return NULL;
  }
  napi_value out;
  watcher_box *box = malloc(sizeof *box);
  if (!box || napi_create_external(env, box, box_finalize, NULL, &out) != napi_ok) {
    free(box);
    stop_watcher(w);
    napi_throw_error(env, "ENOMEM", "pollStart: out of memory");
    return NULL;
  }
  box->w = w;
  if (napi_type_tag_object(env, out, &WATCHER_TAG) != napi_ok) {
    // The box is freed by its finalizer; the watcher must not outlive a handle nobody can stop.
    box->w = NULL;
    stop_watcher(w);
    return NULL;
  }
  return out;
}

// pollStop(handle): stops watching (once; later calls do nothing).
napi_value js_poll_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  watcher_box *box;
  bool tagged = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_check_object_type_tag(env, argv[0], &WATCHER_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, argv[0], (void **)&box) != napi_ok) {
    return type_error(env, "pollStop(handle): a handle from pollStart()");
  }
  if (box->w) stop_watcher(box->w);
  box->w = NULL;
  return NULL;
}
