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
# -fsanitize=function is left out: clang 14 cannot emit its prologue data for the split
# parts of a coroutine ("Cannot represent a difference across sections", routing/router.cpp)
# and the check is about calls through mistyped function pointers, which we do not make.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function
  -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
add_link_options(-fsanitize=address,undefined -fno-sanitize=function)
