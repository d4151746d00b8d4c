{
  "targets": [
    {
      "target_name": "siamese_lab_blas",
      "sources": ["native/blas_addon.cc", "native/convolution.cc", "native/gemm.cc", "native/optimizer_update.cc", "native/pooling.cc", "native/retrieval.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node -p \"process.env.SIAMESE_LAB_GEMM_INCLUDE_DIRS || ''\")"
      ],
      "libraries": ["<!@(node -p \"process.env.SIAMESE_LAB_GEMM_LIBRARIES || ''\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "<!@(node -p \"process.env.SIAMESE_LAB_GEMM_DEFINES || ''\")"],
      "cflags_cc": ["-O3", "-march=native", "-std=c++17", "-ffp-contract=off", "-fno-math-errno", "-fopenmp"],
      "cflags_cc!": ["-fno-exceptions"],
      "ldflags": ["-fopenmp"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-math-errno"]
      }
    }
  ]
}
