# Runs at install time (install(SCRIPT) from contrib/CMakeLists.txt): renders the templates with
# the prefix in effect now, then installs them with file(INSTALL), which applies DESTDIR and
# records them in install_manifest.txt.
cmake_policy(PUSH)
cmake_policy(VERSION 3.20) # install scripts run with old policies otherwise (IN_LIST)

# Like GNUInstallDirs' FULL_ variables, for the install-time prefix.
function(mg_full var rel)
  if(IS_ABSOLUTE "${rel}")
    set(full "${rel}")
  elseif(rel STREQUAL "etc" AND CMAKE_INSTALL_PREFIX MATCHES "^/usr/?$")
    set(full "/etc")
  elseif(rel STREQUAL "etc" AND CMAKE_INSTALL_PREFIX MATCHES "^/opt/")
    set(full "/etc${CMAKE_INSTALL_PREFIX}")
  else()
    set(full "${CMAKE_INSTALL_PREFIX}/${rel}")
  endif()
  string(REGEX REPLACE "//+" "/" full "${full}")
  set(${var} "${full}" PARENT_SCOPE)
endfunction()

mg_full(MG_FULL_BINDIR "${MG_BINDIR}")
mg_full(MG_FULL_DATADIR "${MG_DATADIR}")
mg_full(MG_FULL_SYSCONFDIR "${MG_SYSCONFDIR}")
mg_full(MEMGATE_HOOKS_DIR "${MG_HOOKS_DIR}")
mg_full(MEMGATE_PRECREATE_DIR "${MG_PRECREATE_DIR}")
set(MEMGATE_BIN "${MG_FULL_BINDIR}/memgate")
set(MEMGATE_RUNTIME_BIN "${MG_FULL_BINDIR}/memgate-runtime")
set(MEMGATE_DATA_DIR "${MG_FULL_DATADIR}/memgate")

# hooks_dir lists: the system directories plus memgate's own, each once, in precedence order.
function(mg_toml_list var)
  set(seen "")
  set(out "")
  foreach(d IN LISTS ARGN)
    if(NOT d IN_LIST seen)
      list(APPEND seen "${d}")
      string(APPEND out "  \"${d}\",\n")
    endif()
  endforeach()
  set(${var} "${out}" PARENT_SCOPE)
endfunction()
mg_toml_list(MEMGATE_PODMAN_HOOKS_DIRS "/usr/share/containers/oci/hooks.d" "${MEMGATE_HOOKS_DIR}"
             "/etc/containers/oci/hooks.d" "${MEMGATE_PRECREATE_DIR}")
mg_toml_list(MEMGATE_CRIO_HOOKS_DIRS "/usr/share/containers/oci/hooks.d" "${MEMGATE_HOOKS_DIR}"
             "/etc/containers/oci/hooks.d")

# mg_render(template destination-dir [name]): template relative to contrib/.
function(mg_render tmpl destdir)
  get_filename_component(name "${tmpl}" NAME)
  string(REGEX REPLACE "\\.in$" "" name "${name}")
  if(ARGC GREATER 2)
    set(name "${ARGV2}")
  endif()
  configure_file("${MG_SRC}/${tmpl}" "${MG_GEN}/${tmpl}.out/${name}" @ONLY)
  file(INSTALL DESTINATION "${destdir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${MG_GEN}/${tmpl}.out/${name}")
  # file(INSTALL) records into this variable; hand it up so install_manifest.txt lists the file
  set(CMAKE_INSTALL_MANIFEST_FILES "${CMAKE_INSTALL_MANIFEST_FILES}" PARENT_SCOPE)
endfunction()

# Where the engines look.
mg_render(hooks.d/memgate.json.in "${MEMGATE_HOOKS_DIR}")
mg_render(precreate.d/memgate-precreate.json.in "${MEMGATE_PRECREATE_DIR}")

# Everything, for the site to adapt: share/memgate/...
mg_render(podman/containers.conf.d/memgate.conf.in "${MEMGATE_DATA_DIR}/podman/containers.conf.d")
mg_render(crio/crio.conf.d/memgate.conf.in "${MEMGATE_DATA_DIR}/crio/crio.conf.d")
mg_render(docker/daemon.json.in "${MEMGATE_DATA_DIR}/docker")
mg_render(containerd/memgate-runtime.toml.in "${MEMGATE_DATA_DIR}/containerd")
mg_render(containerd/memgate-runtime-v3.toml.in "${MEMGATE_DATA_DIR}/containerd")
mg_render(containerd/base-runtime-spec.toml.in "${MEMGATE_DATA_DIR}/containerd")
mg_render(containerd/base-runtime-spec-hooks.json.in "${MEMGATE_DATA_DIR}/containerd")

if(MG_INSTALL_DROPINS)
  mg_render(podman/containers.conf.d/memgate.conf.in "${MG_FULL_SYSCONFDIR}/containers/containers.conf.d")
  mg_render(crio/crio.conf.d/memgate.conf.in "${MG_FULL_SYSCONFDIR}/crio/crio.conf.d" 50-memgate.conf)
endif()

cmake_policy(POP)
