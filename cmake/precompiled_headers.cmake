# Precompiled headers: most of a translation unit's compile time here is parsing the same
# standard, Boost.JSON and Asio headers again (6-7 s of a 10 s compile with GCC, 3 s of
# 12 s with clang's sanitized build). Each target with several sources parses them once
# into a header of its own (a target's own definitions and flags stay its own), and the
# release and sanitized builds of `make test` take about half the time they did.
# Only third-party headers go in: a change to the project's own headers never rebuilds a
# PCH. -DTOLLGATE_PCH=OFF builds without them (to check a file's own includes).
option(TOLLGATE_PCH "Precompile the common standard, Boost.JSON and Asio headers" ON)

set(TOLLGATE_PCH_HEADERS
  <algorithm> <array> <atomic> <chrono> <cstddef> <cstdint> <cstring> <functional>
  <map> <memory> <mutex> <optional> <stdexcept> <string> <string_view> <unordered_map>
  <utility> <vector>
  <boost/json.hpp>
  <boost/asio/any_io_executor.hpp> <boost/asio/as_tuple.hpp> <boost/asio/awaitable.hpp>
  <boost/asio/co_spawn.hpp> <boost/asio/detached.hpp> <boost/asio/io_context.hpp>
  <boost/asio/steady_timer.hpp> <boost/asio/this_coro.hpp> <boost/asio/use_awaitable.hpp>)

# Gives every library and executable declared under `dir` (recursively) with at least
# three C++ sources its precompiled header; `extra_<target>` lists more headers for one
# target (the unit tests add Catch2's).
function(tollgate_precompile_targets_in dir)
  if(NOT TOLLGATE_PCH)
    return()
  endif()
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|EXECUTABLE)$")
      continue()
    endif()
    get_target_property(sources ${target} SOURCES)
    list(FILTER sources INCLUDE REGEX "\\.cpp$")
    list(LENGTH sources count)
    if(count LESS 3)
      continue()
    endif()
    target_precompile_headers(${target} PRIVATE ${TOLLGATE_PCH_HEADERS} ${TOLLGATE_PCH_EXTRA_${target}})
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    tollgate_precompile_targets_in(${subdir})
  endforeach()
endfunction()
