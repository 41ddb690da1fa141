{
  "targets": [
    {
      "target_name": "uapigen_shim",
      "sources": ["src/shim.c", "src/mappings.c", "src/eventfd.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
