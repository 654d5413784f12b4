# tollgate_module(<target> SOURCES ... [MODULES <other module targets>] [LIBS <other libs>])
# A top-level folder that registers stages or modules (core::Registration in
# gateway/core/module_registry.h) calls this in its own
# CMakeLists.txt; the root CMakeLists.txt adds every such folder and gateway/ links every
# module into the binaries. Nothing refers to a registration object, so a module is
# linked whole (WHOLE_ARCHIVE) or the linker would drop it; a module that uses another
# names it under MODULES so every mention of it carries the same link feature.
function(tollgate_module target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;MODULES;LIBS")
  add_library(${target} STATIC ${ARG_SOURCES})
  target_link_libraries(${target} PUBLIC tollgate_core ${ARG_LIBS})
  foreach(module IN LISTS ARG_MODULES)
    target_link_libraries(${target} PUBLIC "$<LINK_LIBRARY:WHOLE_ARCHIVE,${module}>")
  endforeach()
  set_property(GLOBAL APPEND PROPERTY TOLLGATE_MODULES ${target})
endfunction()
