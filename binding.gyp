{
  "targets": [
    {
      "target_name": "clsync_native",
      "sources": [
        "native/addon.c",
        "native/inotify_reader.c",
        "native/walk.c",
        "native/syslog.c",
        "native/beneath.c",
        "native/shared_object.c",
        "native/process.c",
        "native/control.c"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-O2", "-Wall", "-std=gnu11"],
      "cflags!": ["-O3"],
      "libraries": ["-lpthread", "-ldl"]
    },
    {
      "target_name": "clsync-exec",
      "type": "executable",
      "sources": ["native/exec_helper.c", "native/program_policy.c", "native/priv_wire.c"],
      "cflags": ["-O2", "-Wall", "-std=gnu11"],
      "cflags!": ["-O3"],
      "ldflags": ["-static"]
    },
    {
      "target_name": "clsync-priv",
      "type": "executable",
      "sources": [
        "native/priv_helper.c",
        "native/program_policy.c",
        "native/priv_wire.c",
        "native/argv_pattern.c",
        "native/seccomp_filter.c"
      ],
      "cflags": ["-O2", "-Wall", "-std=gnu11"],
      "cflags!": ["-O3"],
      "ldflags": ["-static"]
    }
  ]
}
