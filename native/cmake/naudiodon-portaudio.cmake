# Where the PortAudio headers and binaries that the npm package naudiodon ships lie, for macOS and Windows.
# Included by native/CMakeLists.txt; also runs as a script so a test can check the files it names:
#   cmake -DNAUDIODON_DIR=node_modules/naudiodon -DSB_SYSTEM=Darwin -DSB_ARCH=x64 -P native/cmake/naudiodon-portaudio.cmake
# prints one `KEY=VALUE` line per result (usable, include_dir, link_library, runtime_library, reason).

# sb_naudiodon_portaudio(DIR SYSTEM ARCH PREFIX) sets in the caller's scope:
#   PREFIX_USABLE           TRUE when naudiodon's PortAudio fits this system and architecture
#   PREFIX_INCLUDE_DIR      the folder holding portaudio.h
#   PREFIX_LINK_LIBRARY     what the addon links (macOS: the dylib; Windows: the import library)
#   PREFIX_RUNTIME_LIBRARY  what must lie next to stylebridge_native.node at run time (dylib / dll)
#   PREFIX_REASON           why it is not usable (empty when it is)
# SYSTEM is CMAKE_SYSTEM_NAME (Darwin, Windows); ARCH is Node's process.arch as cmake-js passes it in NODE_ARCH
# (x64, arm64, ia32), or a processor name (x86_64, AMD64).
function(sb_naudiodon_portaudio dir system arch prefix)
  set(usable FALSE)
  set(include_dir "${dir}/portaudio/include")
  set(link_library "")
  set(runtime_library "")
  set(reason "")
  string(TOLOWER "${arch}" arch_lc)
  if(system STREQUAL "Darwin")
    # naudiodon 2.3.6 ships one universal libportaudio.dylib (i386 + x86_64; install name @rpath/libportaudio.dylib).
    set(link_library "${dir}/portaudio/bin/libportaudio.dylib")
    set(runtime_library "${link_library}")
    if(NOT arch_lc MATCHES "^(x64|x86_64|amd64)$")
      set(reason "naudiodon's libportaudio.dylib has no ${arch} slice (i386 and x86_64 only)")
    endif()
  elseif(system STREQUAL "Windows")
    # portaudio_x64.lib is the import library of portaudio_x64.dll (x64 only).
    set(link_library "${dir}/portaudio/bin/portaudio_x64.lib")
    set(runtime_library "${dir}/portaudio/bin/portaudio_x64.dll")
    if(NOT arch_lc MATCHES "^(x64|x86_64|amd64)$")
      set(reason "naudiodon ships PortAudio for Windows x64 only, not ${arch}")
    endif()
  else()
    set(reason "naudiodon's PortAudio is used on macOS and Windows only (${system} uses pkg-config)")
  endif()
  if(NOT reason)
    if(NOT dir OR NOT EXISTS "${dir}/package.json")
      set(reason "naudiodon is not installed (${dir})")
    else()
      foreach(f "${include_dir}/portaudio.h" "${link_library}" "${runtime_library}")
        if(NOT EXISTS "${f}")
          set(reason "naudiodon does not hold ${f}")
          break()
        endif()
      endforeach()
    endif()
  endif()
  if(NOT reason)
    set(usable TRUE)
  endif()
  set(${prefix}_USABLE ${usable} PARENT_SCOPE)
  set(${prefix}_INCLUDE_DIR "${include_dir}" PARENT_SCOPE)
  set(${prefix}_LINK_LIBRARY "${link_library}" PARENT_SCOPE)
  set(${prefix}_RUNTIME_LIBRARY "${runtime_library}" PARENT_SCOPE)
  set(${prefix}_REASON "${reason}" PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  get_filename_component(_dir "${NAUDIODON_DIR}" ABSOLUTE)
  sb_naudiodon_portaudio("${_dir}" "${SB_SYSTEM}" "${SB_ARCH}" NPA)
  # message() writes to stderr; the test reads these lines there.
  message("usable=${NPA_USABLE}")
  message("include_dir=${NPA_INCLUDE_DIR}")
  message("link_library=${NPA_LINK_LIBRARY}")
  message("runtime_library=${NPA_RUNTIME_LIBRARY}")
  message("reason=${NPA_REASON}")
endif()
