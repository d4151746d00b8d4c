{
  "targets": [
    {
      "target_name": "siamese_lab_blas",
      "sources": ["native/blas_addon.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node -p \"process.env.SIAMESE_LAB_OPENBLAS_INCLUDE || '/usr/include'\")"
      ],
      "libraries": [
        "-L<!(node -p \"process.env.SIAMESE_LAB_OPENBLAS_LIBDIR || '/usr/lib'\")",
        "-Wl,-rpath,<!(node -p \"process.env.SIAMESE_LAB_OPENBLAS_LIBDIR || '/usr/lib'\")",
        "-lopenblas"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-march=native", "-std=c++17"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"]
      }
    }
  ]
}
