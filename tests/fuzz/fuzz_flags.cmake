# Compiler flags of the fuzz build (TOLLGATE_FUZZ=ON), applied to every library before it
# is declared: libFuzzer steers by the coverage of the code under test, not only of the
# harness. The harnesses themselves link libFuzzer's main (tests/fuzz/CMakeLists.txt).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "TOLLGATE_FUZZ needs clang (libFuzzer): configure with "
                      "-DCMAKE_CXX_COMPILER=clang++-14, as `make fuzz` does")
endif()
if(TOLLGATE_SANITIZE)
  message(FATAL_ERROR "TOLLGATE_FUZZ already builds with ASan+UBSan; drop TOLLGATE_SANITIZE")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  -fno-sanitize-recover=undefined)
add_link_options(-fsanitize=address,undefined)
